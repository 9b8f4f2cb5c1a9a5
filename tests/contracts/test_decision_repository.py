"""`decision.service.DecisionRepository`: one decision per application, stored with the id of the
request being served, resumed in place, found by application, request and business date."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest

from contracts.conftest import REFUSED, Backend
from contracts.rows import T0, application, at, decision
from fengkong.core import request_id as request_ids
from fengkong.core.money import Fen
from fengkong.decision.outcome import Outcome, Reason


def _stored(backend: Backend, *decisions: tuple[str, str]) -> None:
    with backend.uow() as uow:
        for dec_id, app_id in decisions:
            uow.applications.add(application(app_id))
            uow.decisions.add(decision(dec_id, app_id))
        uow.commit()


def test_a_decision_reads_back_as_stored(backend: Backend) -> None:
    made = decision(offer={"apr": "0.112"}, approved_amount=Fen(400_000), outcome=Outcome.APPROVE)
    with backend.uow() as uow:
        uow.applications.add(application("app_1"))
        uow.decisions.add(made)
        uow.commit()
    with backend.uow() as uow:
        assert uow.decisions.get("dec_1") == made
        assert uow.decisions.for_application("app_1") == made
        assert uow.decisions.get("dec_2") is None
        assert uow.decisions.for_application("app_2") is None


def test_the_request_being_served_is_stored_with_the_decision(backend: Backend) -> None:
    token = request_ids.serving("req-42")
    try:
        _stored(backend, ("dec_1", "app_1"))
    finally:
        request_ids.done(token)
    _stored(backend, ("dec_2", "app_2"))
    with backend.uow() as uow:
        assert uow.decisions.get("dec_1").request_id == "req-42"
        assert uow.decisions.get("dec_2").request_id is None
        assert uow.decisions.by_request_id("req-42") == uow.decisions.get("dec_1")
        assert uow.decisions.by_request_id("req-43") is None


def test_an_application_has_one_decision(backend: Backend) -> None:
    _stored(backend, ("dec_1", "app_1"))
    with pytest.raises(REFUSED), backend.uow() as uow:
        uow.decisions.add(decision("dec_2", "app_1"))
        uow.commit()
    with backend.uow() as uow:
        assert uow.decisions.get("dec_2") is None


def test_replace_resumes_a_decision_in_place(backend: Backend) -> None:
    _stored(backend, ("dec_1", "app_1"))
    resumed = replace(
        decision(),
        decided_at=at(5),
        outcome=Outcome.APPROVE,
        approved_amount=Fen(300_000),
        reasons=(Reason("STEP_UP_PASSED", "Step-up check passed", "验证通过"),),
        trace=({"stage": "step_up", "did": "pass"},),
        facts={"step_up.liveness": True},
        input_hash="1" * 64,
        score=999,  # what the decision was made on is not rewritten
    )
    with backend.uow() as uow:
        uow.decisions.replace(resumed)
        uow.commit()
    with backend.uow() as uow:
        assert uow.decisions.get("dec_1") == replace(resumed, score=520)


def test_ids_and_since_go_by_decision_time(backend: Backend) -> None:
    with backend.uow() as uow:
        # dec_3 on 1 March (Beijing), dec_1 and dec_2 on 2 March, dec_4 on 3 March
        for dec_id, minutes in (("dec_1", 60), ("dec_2", 0), ("dec_3", -600), ("dec_4", 24 * 60)):
            app_id = dec_id.replace("dec", "app")
            uow.applications.add(application(app_id))
            uow.decisions.add(decision(dec_id, app_id, decided_at=at(minutes)))
        uow.commit()
    with backend.uow() as uow:
        assert uow.decisions.ids() == ["dec_3", "dec_2", "dec_1", "dec_4"]
        assert uow.decisions.ids(limit=2) == ["dec_3", "dec_2"]
        since = uow.decisions.since
        assert [d.id for d in since(date(2026, 3, 2))] == ["dec_2", "dec_1", "dec_4"]
        assert [d.id for d in since(date(2026, 3, 2), date(2026, 3, 2))] == ["dec_2", "dec_1"]
        assert [d.id for d in since(date(2026, 3, 1), page_size=1)] == [
            "dec_3",
            "dec_2",
            "dec_1",
            "dec_4",
        ]
        assert list(since(date(2026, 3, 4))) == []
        with pytest.raises(ValueError):
            list(since(T0.date(), page_size=0))
