"""The credit decision use case on the in-memory unit of work: the application, its consents,
the decision and their audit records commit together; a referral joins the officers' queue in the
same transaction; approvals not yet booked count as the applicant's exposure next time; a request
the product cannot offer stores nothing. The same decisions stored in the database are read back
in `tests/integration/test_persistence.py` and replayed in
`tests/integration/test_decisions_replay_identically.py`."""

from __future__ import annotations

from typing import Any

import pytest

from factories import body, risky_body
from fakes.decisions import MemoryContext
from fengkong.api.schemas import ApplicationIn
from fengkong.audit.verify import verify
from fengkong.core.errors import Invalid
from fengkong.decision.bundle import ActivePolicy, PolicyBundle, read_shipped_bundle
from fengkong.decision.outcome import Outcome
from fengkong.decision.record import DecisionRecord
from fengkong.decision.review import ReviewStatus
from fengkong.decision.service import get_application, submit_application
from fengkong.onboarding.consent import Purpose


def _without_fraud_stage() -> ActivePolicy:
    """The demo policy without its fraud stage: velocity and link signals need their stores,
    which the database tests run (`tests/decision/test_decline_flags_links_with_the_decision.py`,
    `tests/fraud/`); without them every application would be referred for missing facts."""
    demo = read_shipped_bundle("demo-german.yaml")
    head, rest = demo.document.split("\nfraud:\n", 1)
    tail = rest[rest.index("\nsegments:") :]
    return ActivePolicy.of(PolicyBundle("demo-german-no-fraud.yaml", head + tail))


@pytest.fixture
def ctx(memory_context: MemoryContext) -> MemoryContext:
    """`memory_context` (its champion scorecard registered) deciding under `_without_fraud_stage`."""
    return MemoryContext(
        memory_context.store,
        memory_context.clock,
        _without_fraud_stage(),
        memory_context.artifacts_dir,
        vault=memory_context.vault,
    )


def _decide(ctx: MemoryContext, payload: dict[str, Any]) -> DecisionRecord:
    request = ApplicationIn.model_validate(payload).to_request(ctx.clock.business_date())
    return submit_application(request, ctx.decisions)


def _actions(ctx: MemoryContext) -> list[str]:
    with ctx.uow() as uow:
        assert verify(uow.audit.stream(), head=uow.audit.head()) == ()
        return [r.action for r in uow.audit.stream()]


def test_an_approval_stores_application_consents_decision_and_audit(
    ctx: MemoryContext,
) -> None:
    before = _actions(ctx)
    decision = _decide(ctx, body())

    assert decision.outcome == Outcome.APPROVE
    assert decision.approved_amount is not None and decision.annual_rate is not None
    assert decision.model_version == "application-v1"
    with ctx.uow() as uow:
        stored = uow.applications.get(decision.application_id)
        assert uow.decisions.get(decision.id) == decision
        assert uow.decisions.for_application(decision.application_id) == decision
        assert stored is not None and "张三" not in repr(stored)
        (given,) = uow.consents.for_subject(stored.id_number_bidx)
        assert given.purpose == Purpose.CREDIT_BUREAU and given.recorded_by == "applicant"
        assert uow.policy_bundles.get(decision.policy_sha256) is not None
        trail = [r.action for r in uow.audit.for_subject("application", decision.application_id)]
    assert trail == ["decision.made"]
    assert _actions(ctx) == [*before, "consent.recorded", "decision.made"]
    view = get_application(decision.application_id, ctx.decisions)
    assert view.outcome == Outcome.APPROVE


def test_a_decline_is_stored_and_queues_nothing(ctx: MemoryContext) -> None:
    decision = _decide(ctx, risky_body())

    assert decision.outcome == Outcome.DECLINE and decision.approved_amount is None
    assert decision.reasons
    with ctx.uow() as uow:
        assert uow.decisions.get(decision.id) == decision
        assert uow.reviews.for_decision(decision.id) is None


def test_a_referral_joins_the_officers_queue_with_the_decision(
    ctx: MemoryContext,
) -> None:
    payload = {k: v for k, v in body().items() if k != "existing_monthly_debt"}
    decision = _decide(ctx, payload)

    assert decision.outcome == Outcome.REFER
    with ctx.uow() as uow:
        item = uow.reviews.for_decision(decision.id)
        assert item is not None and item.status == ReviewStatus.OPEN
        assert [e.action.value for e in uow.reviews.events(item.id)] == ["enqueued"]
    assert _actions(ctx)[-2:] == ["decision.made", "review.enqueued"]


def test_an_approval_not_yet_booked_counts_as_exposure_next_time(
    ctx: MemoryContext,
) -> None:
    first = _decide(ctx, body())
    assert first.outcome == Outcome.APPROVE and first.approved_amount is not None

    second = _decide(ctx, body())

    assert first.facts["existing_exposure"] == 0
    assert second.facts["existing_exposure"] == first.approved_amount


def test_a_product_the_policy_cannot_offer_stores_nothing(ctx: MemoryContext) -> None:
    before = _actions(ctx)
    with pytest.raises(Invalid) as refused:
        _decide(ctx, body(product="mortgage"))
    assert refused.value.errors[0].loc == ("product",)
    with pytest.raises(Invalid):
        _decide(ctx, body(term_months=120))
    assert _actions(ctx) == before
    assert ctx.store.tables.applications == {} and ctx.store.tables.decisions == {}
