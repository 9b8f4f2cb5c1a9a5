"""`decision.officer.OfficerDecisionRepository`: an officer's decision settles a referral once."""

from __future__ import annotations

import pytest

from contracts.conftest import REFUSED, Backend
from contracts.rows import application, decision, officer_decision, review_item
from fengkong.decision.outcome import Outcome, Reason


def _referral(backend: Backend) -> None:
    with backend.uow() as uow:
        uow.applications.add(application("app_1"))
        uow.decisions.add(decision("dec_1", "app_1"))
        uow.reviews.add(review_item("rev_1", decision("dec_1", "app_1")))
        uow.commit()


def test_an_officer_decision_reads_back_as_stored(backend: Backend) -> None:
    _referral(backend)
    approved = officer_decision(
        first_approved_by="zhao", offer={"apr": "0.112", "schedule": [{"due": "2026-04-02"}]}
    )
    with backend.uow() as uow:
        assert uow.officer_decisions.for_application("app_1") is None
        uow.officer_decisions.add(approved)
        uow.commit()
    with backend.uow() as uow:
        assert uow.officer_decisions.get("odc_1") == approved
        assert uow.officer_decisions.for_application("app_1") == approved
        assert uow.officer_decisions.get("odc_9") is None


def test_a_decline_keeps_its_reasons(backend: Backend) -> None:
    _referral(backend)
    declined = officer_decision(
        outcome=Outcome.DECLINE,
        reasons=(Reason("OFF_INCOME_UNVERIFIED", "Income not verified", "收入未核实"),),
        approved_amount=None,
        annual_rate=None,
        term_months=None,
    )
    with backend.uow() as uow:
        uow.officer_decisions.add(declined)
        uow.commit()
    with backend.uow() as uow:
        assert uow.officer_decisions.get("odc_1") == declined


def test_a_referral_is_settled_once(backend: Backend) -> None:
    _referral(backend)
    with backend.uow() as uow:
        uow.officer_decisions.add(officer_decision("odc_1"))
        uow.commit()
    with pytest.raises(REFUSED), backend.uow() as uow:
        uow.officer_decisions.add(officer_decision("odc_2", outcome=Outcome.DECLINE))
        uow.commit()
    with backend.uow() as uow:
        assert uow.officer_decisions.get("odc_2") is None
