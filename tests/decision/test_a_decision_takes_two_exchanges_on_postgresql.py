"""On PostgreSQL with its fraud stores in the same database, a decision takes two pooled
connections, one per exchange: its reads with its velocity record and link update, and its
transaction. Nothing is recorded for a request its product refuses. On SQLite the stores are
asked apart."""

from __future__ import annotations

from importlib import resources
from typing import Any

import pytest
import sqlalchemy as sa

from factories import body
from fakes.access import approver
from fengkong.api.schemas import ApplicationIn
from fengkong.bootstrap import Context
from fengkong.core.errors import Invalid
from fengkong.decision import policy_registry as registry
from fengkong.decision.service import submit_application

DEMO = resources.files("fengkong.decision").joinpath("policies/demo-german.yaml").read_text("utf-8")


def _checkouts(context: Context, document: dict[str, Any] | None = None) -> int:
    count = 0

    def counted(*_: Any) -> None:
        nonlocal count
        count += 1

    sa.event.listen(context.db.engine, "checkout", counted)
    try:
        request = ApplicationIn.model_validate(document or body()).to_request(
            context.clock.business_date()
        )
        submit_application(request, context.decisions)
    finally:
        sa.event.remove(context.db.engine, "checkout", counted)
    return count


def test_velocity_and_links_go_together_only_on_postgresql(context: Context) -> None:
    assert context.fraud is not None
    assert (context.fraud.together is not None) == (context.db.dialect == "postgresql")


@pytest.mark.postgres
@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_a_decision_takes_two_exchanges(context: Context) -> None:
    _checkouts(context)  # the first learns the live policy, and sends its signals after the reads
    assert _checkouts(context) == 2


@pytest.mark.postgres
@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_the_sales_channel_costs_no_exchange(context: Context) -> None:
    """The channel goes in the application's insert, held with the decision's other writes."""
    _checkouts(context)
    partner = body(channel={"source": "partner", "partner": "ant-01"})
    assert _checkouts(context, partner) == 2
    with context.db.engine.connect() as conn:
        stored = conn.execute(sa.text("select channel, channel_partner from applications"))
        assert sorted(tuple(r) for r in stored) == [("api", None), ("partner", "ant-01")]


def _recorded(context: Context) -> tuple[int, int]:
    with context.db.engine.connect() as conn:
        events = conn.execute(sa.text("select count(*) from velocity_events")).scalar_one()
        linked = conn.execute(sa.text("select count(*) from link_applications")).scalar_one()
    return int(events), int(linked)


@pytest.mark.parametrize("term_months", [17, 360])  # not among the demo product's terms
def test_nothing_is_recorded_for_a_request_the_product_refuses(
    context: Context, term_months: int
) -> None:
    _checkouts(context)  # the live policy is known: the next decision may send its signals early
    before = _recorded(context)
    request = ApplicationIn.model_validate(body(term_months=term_months)).to_request(
        context.clock.business_date()
    )
    with pytest.raises(Invalid) as refused:
        submit_application(request, context.decisions)
    assert refused.value.errors[0].loc == ("term_months",)
    assert _recorded(context) == before


def test_a_policy_activated_elsewhere_decides_what_the_last_one_refused(
    context: Context,
) -> None:
    """The early check uses the policy named last: a request only the newly active policy offers
    is decided by it, its signals sent after the reads name it."""
    _checkouts(context)
    # other terms are another product: a version of its own (one code@version, one set of terms)
    text = (
        DEMO.replace("\nversion: 2\n", "\nversion: 3\n", 1)
        .replace("  version: 3\n", "  version: 4\n", 1)
        .replace("terms: [4,", "terms: [4, 17,", 1)
    )
    with context.uow() as uow:
        policy, _ = registry.submit(uow, text, author="zhang", clock=context.clock)
        registry.request_activation(uow, policy.version, requested_by="zhang", clock=context.clock)
        registry.approve_activation(
            uow, policy.version, checker=approver("li"), clock=context.clock
        )
        uow.commit()
    before = _recorded(context)
    request = ApplicationIn.model_validate(body(term_months=17)).to_request(
        context.clock.business_date()
    )
    decided = submit_application(request, context.decisions)
    assert decided.policy_version == "demo-german-v3"
    assert _recorded(context)[1] == before[1] + 1  # linked once, after the reads
    assert "velocity.resident_id.24h.count" in decided.features
