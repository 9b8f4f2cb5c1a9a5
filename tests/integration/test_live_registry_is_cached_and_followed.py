"""The decision path keeps what the registries last named (policy, models) and asks them one short
question per application: an activation or a promotion made anywhere — here by another process on
the same database — decides from the next application on, while an application that finds nothing
changed reads no document and no model row."""

from __future__ import annotations

from collections.abc import Iterator
from importlib import resources
from typing import Any

import pytest
import sqlalchemy as sa

from factories import body, make_champion
from fakes.access import approver
from fengkong.api.schemas import ApplicationIn
from fengkong.bootstrap import Context, bootstrap
from fengkong.core.clock import FakeClock
from fengkong.core.errors import Unavailable
from fengkong.core.settings import Settings
from fengkong.db.driver_reads import DriverReader
from fengkong.decision import policy_registry as registry
from fengkong.decision.bundle import read_shipped_bundle
from fengkong.decision.record import DecisionRecord
from fengkong.decision.service import submit_application
from fengkong.scoring.train import TrainedScorecard

DEMO = resources.files("fengkong.decision").joinpath("policies/demo-german.yaml").read_text("utf-8")


@pytest.fixture
def other(settings: Settings, clock: FakeClock) -> Iterator[Context]:
    """A second process's wiring over the same database, with caches of its own."""
    ctx = bootstrap(settings, clock=clock, policy=read_shipped_bundle("demo-german.yaml"))
    yield ctx
    ctx.close()


def _decide(context: Context) -> DecisionRecord:
    request = ApplicationIn.model_validate(body()).to_request(context.clock.business_date())
    return submit_application(request, context.decisions)


def _activate(context: Context, n: int) -> str:
    text = DEMO.replace("\nversion: 2\n", f"\nversion: {n}\n", 1)
    with context.uow() as uow:
        policy, _ = registry.submit(uow, text, author="zhang", clock=context.clock)
        registry.request_activation(uow, policy.version, requested_by="zhang", clock=context.clock)
        registry.approve_activation(
            uow, policy.version, checker=approver("li"), clock=context.clock
        )
        uow.commit()
    return policy.version


def _promote(context: Context, trained: TrainedScorecard) -> str:
    with context.uow() as uow:
        version = make_champion(uow, context.artifacts_dir, trained, context.clock)
        uow.commit()
    return version


def test_an_activation_elsewhere_decides_the_next_application(
    context: Context, other: Context
) -> None:
    first = _decide(context)
    assert first.policy_version == "demo-german-v2"
    assert _decide(context).policy_version == "demo-german-v2"  # from the cache
    version = _activate(other, 3)
    decided = _decide(context)
    assert decided.policy_version == version == "demo-german-v3"
    assert decided.policy_sha256 != first.policy_sha256
    assert _decide(other).policy_version == version
    _activate(other, 4)
    assert _decide(context).policy_version == "demo-german-v4"


def test_a_promotion_elsewhere_scores_the_next_application(
    context: Context, other: Context, trained: TrainedScorecard
) -> None:
    assert _decide(context).model_version == "application-v1"
    version = _promote(other, trained)
    assert version != "application-v1"
    assert _decide(context).model_version == version


def test_a_first_promotion_elsewhere_scores_the_next_application(
    settings: Settings, clock: FakeClock, other: Context, trained: TrainedScorecard
) -> None:
    """A process that last found no champion scores with the one the reads name: what it
    remembered cannot score, and must not refuse the application."""
    ctx = bootstrap(settings, clock=clock, policy=read_shipped_bundle("demo-german.yaml"))
    try:
        with pytest.raises(Unavailable, match="no champion"):
            _decide(ctx)
        version = _promote(other, trained)
        assert _decide(ctx).model_version == version
    finally:
        ctx.close()


def test_an_unchanged_registry_costs_one_statement(
    context: Context, monkeypatch: pytest.MonkeyPatch
) -> None:
    _activate(context, 3)
    _decide(context)  # learns what is live
    seen: list[str] = []

    def record(_conn: object, _cursor: object, statement: str, *_args: object) -> None:
        if "policy_versions" in statement or "model_versions" in statement:
            seen.append(statement)

    # The registries are read through SQLAlchemy or straight through the driver (`sending`,
    # which `rows_of` uses too): count both.
    sent_by_driver = DriverReader.sending

    def sending(reader: DriverReader, *queries: Any, calls: Any = ()) -> Any:
        for statement, _ in queries:
            record(None, None, str(statement.compile(dialect=reader.dialect)))
        return sent_by_driver(reader, *queries, calls=calls)

    monkeypatch.setattr(DriverReader, "sending", sending)
    sa.event.listen(context.db.engine, "before_cursor_execute", record)
    try:
        decided = _decide(context)
    finally:
        sa.event.remove(context.db.engine, "before_cursor_execute", record)
    assert decided.policy_version == "demo-german-v3"
    assert len(seen) == 1
    assert "document" not in seen[0]


def test_the_live_roles_applicant_and_lists_are_read_in_one_exchange(
    context: Context, monkeypatch: pytest.MonkeyPatch
) -> None:
    _decide(context)
    exchanges: list[str] = []
    sent_by_driver = DriverReader.sending

    def sending(reader: DriverReader, *queries: Any, calls: Any = ()) -> Any:
        exchanges.append(" ".join(str(q.compile(dialect=reader.dialect)) for q, _ in queries))
        return sent_by_driver(reader, *queries, calls=calls)

    monkeypatch.setattr(DriverReader, "sending", sending)
    _decide(context)
    reading_the_registry = [e for e in exchanges if "policy_versions" in e]
    assert len(reading_the_registry) == 1
    assert "FROM consents" in reading_the_registry[0]  # the applicant's consents
    assert "FROM decisions" in reading_the_registry[0]  # and history, in the same exchange
    assert "FROM fraud_list_entries" in reading_the_registry[0]  # and the list look-up
    assert len(exchanges) == 1
