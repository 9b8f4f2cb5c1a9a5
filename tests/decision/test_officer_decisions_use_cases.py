"""An officer settles a referral, on the in-memory unit of work: an approval on terms within the
referring policy's bounds stores the officer's decision beside the automatic one, a decline
stores its reason and is flagged on the identity-link graph kept in the books in the same
commit, and a settled referral cannot be settled again."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest

from factories import queue_referral
from fakes import MemoryStore, MemoryUnitOfWork
from fakes.tables import LinkFlags
from fengkong.core.clock import FakeClock
from fengkong.core.errors import Conflict, Invalid
from fengkong.core.money import Fen
from fengkong.decision.declines import decline_and_flag
from fengkong.decision.fraud_stage import FraudServices
from fengkong.decision.officer import approve_referral, decline_referral
from fengkong.decision.officer_terms import AskedTerms
from fengkong.decision.outcome import Outcome
from fengkong.decision.review import ReviewConfig, ReviewItem, ReviewStatus
from fengkong.decision.review_queue import claim_item

NewUow = Callable[[], MemoryUnitOfWork]
CONFIG = ReviewConfig(sla=timedelta(hours=4), four_eyes_above=Fen(2_000_000))


def _claimed(memory_uow: NewUow, clock: FakeClock, officer: str = "wang") -> ReviewItem:
    with memory_uow() as uow:
        item = queue_referral(uow, clock, CONFIG)
        claim_item(uow, item.id, officer, clock, CONFIG)
        uow.commit()
    return item


def _trail(memory_uow: NewUow, item: ReviewItem) -> list[str]:
    with memory_uow() as uow:
        return [r.action for r in uow.audit.for_subject("review_item", item.id)]


def test_an_approval_within_bounds_stores_the_officers_decision(
    memory_uow: NewUow, clock: FakeClock
) -> None:
    item = _claimed(memory_uow, clock)
    asked = AskedTerms(amount=Fen(400_000), term_months=12)
    with memory_uow() as uow:
        reviewed = approve_referral(uow, item.id, "wang", "income verified", clock, asked)
        uow.commit()

    decision = reviewed.decision
    assert decision is not None and reviewed.item.status == ReviewStatus.APPROVED
    assert (decision.outcome, decision.approved_amount, decision.decided_by) == (
        Outcome.APPROVE,
        Fen(400_000),
        "wang",
    )
    assert Decimal(decision.annual_rate or "0") > 0 and decision.offer is not None
    with memory_uow() as uow:
        assert uow.officer_decisions.for_application(item.application_id) == decision
        automatic = uow.decisions.get(item.decision_id)
        assert automatic is not None and automatic.outcome == Outcome.REFER  # never rewritten
        officer_records = [r for r in uow.audit.stream() if r.action == "decision.officer"]
    assert [r.subject_id for r in officer_records] == [item.application_id]
    assert _trail(memory_uow, item) == ["review.enqueued", "review.claimed", "review.approved"]


def test_terms_beyond_the_policys_bounds_are_refused_and_nothing_is_stored(
    memory_uow: NewUow, clock: FakeClock
) -> None:
    item = _claimed(memory_uow, clock)
    with memory_uow() as uow, pytest.raises(Invalid):
        approve_referral(uow, item.id, "wang", "generous", clock, AskedTerms(amount=Fen(10**9)))
    with memory_uow() as uow:
        assert uow.officer_decisions.for_application(item.application_id) is None
        held = uow.reviews.get(item.id)
    assert held is not None and held.status == ReviewStatus.CLAIMED and held.claimed_by == "wang"
    assert _trail(memory_uow, item) == ["review.enqueued", "review.claimed"]


def test_a_decline_keeps_its_reason_and_a_settled_referral_stays_settled(
    memory_uow: NewUow, clock: FakeClock
) -> None:
    item = _claimed(memory_uow, clock)
    with memory_uow() as uow:
        declined = decline_referral(
            uow, item.id, "wang", "stated income not credible", clock, "REV_DECLINED"
        )
        uow.commit()
    assert declined.decision is not None and declined.decision.outcome == Outcome.DECLINE
    assert [r.code for r in declined.decision.reasons] == ["REV_DECLINED"]
    assert declined.decision.approved_amount is None
    with memory_uow() as uow, pytest.raises(Conflict):
        approve_referral(uow, item.id, "wang", "changed my mind", clock)
    with memory_uow() as uow, pytest.raises(Invalid, match="reason_code"):
        decline_referral(uow, item.id, "wang", "again", clock, "REV_NO_SUCH_REASON")


def _books_graph() -> FraudServices:
    """Fraud services whose link graph is kept in the books: a decline's flag is then written
    by the unit of work (`link_outcomes`), and no store of their own is asked."""
    unused: Any = None
    return FraudServices(
        velocity=unused, lists=unused, links=unused, hasher=lambda *_: "", links_in_books=True
    )


def test_an_officers_decline_is_flagged_on_the_graph_with_the_commit(
    memory_store: MemoryStore, memory_uow: NewUow, clock: FakeClock
) -> None:
    item = _claimed(memory_uow, clock)
    memory_store.tables.linked[item.application_id] = LinkFlags(declined=False, defaulted=False)

    reviewed = decline_and_flag(
        memory_uow, _books_graph(), item.id, "wang", "device seen in a ring", clock
    )

    assert reviewed.decision is not None and reviewed.decision.outcome == Outcome.DECLINE
    assert memory_store.tables.linked[item.application_id] == LinkFlags(True, False)


def test_a_decline_the_graph_never_took_is_still_stored(
    memory_store: MemoryStore, memory_uow: NewUow, clock: FakeClock
) -> None:
    item = _claimed(memory_uow, clock)

    decline_and_flag(memory_uow, _books_graph(), item.id, "wang", "no answer on the phone", clock)

    assert item.application_id not in memory_store.tables.linked
    with memory_uow() as uow:
        stored = uow.officer_decisions.for_application(item.application_id)
    assert stored is not None and stored.outcome == Outcome.DECLINE
