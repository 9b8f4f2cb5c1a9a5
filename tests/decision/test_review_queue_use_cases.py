"""The review queue's use cases, on the in-memory unit of work: items are listed by due time and
by their standing now, every action lands with its audit record in the same transaction, and a
failed action leaves neither. The queue as stored (SQLite, PostgreSQL) is held to the same
answers by `tests/contracts/test_review_repository.py`."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import pytest

from factories import queue_referral
from fakes import MemoryUnitOfWork
from fengkong.core.clock import FakeClock
from fengkong.core.errors import Conflict, Invalid
from fengkong.core.money import Fen
from fengkong.decision.officer import approve_referral, decline_referral
from fengkong.decision.review import ReviewConfig, ReviewItem, ReviewItemNotFound, ReviewStatus
from fengkong.decision.review_queue import (
    claim_item,
    enqueue_referral,
    expire_lapsed,
    get_item,
    list_items,
)
from fengkong.ledger.verify import verify_books

NewUow = Callable[[], MemoryUnitOfWork]
CONFIG = ReviewConfig(
    sla=timedelta(hours=4),
    claim_timeout=timedelta(minutes=30),
    four_eyes_above=Fen(2_000_000),
    expire_after=timedelta(days=2),
)


def refer(memory_uow: NewUow, clock: FakeClock, amount_fen: int = 500_000) -> ReviewItem:
    """A referred decision as the decision service stores it, queued in the same transaction."""
    with memory_uow() as uow:
        item = queue_referral(uow, clock, CONFIG, amount_fen)
        decision = uow.decisions.get(item.decision_id)
        assert decision is not None
        assert enqueue_referral(uow, decision, clock, CONFIG) == item  # once per decision
        uow.commit()
    return item


def _actions(memory_uow: NewUow) -> list[str]:
    with memory_uow() as uow:
        return [r.action for r in uow.audit.stream()]


def test_enqueue_stores_the_item_and_audits_it(memory_uow: NewUow, clock: FakeClock) -> None:
    item = refer(memory_uow, clock)
    with memory_uow() as uow:
        stored, events = get_item(uow, item.id, clock)
    assert stored == item
    assert stored.due_at == clock.now() + timedelta(hours=4)
    assert stored.reasons[0].code == "POL_SCORE_IN_REVIEW_BAND"
    assert [e.action.value for e in events] == ["enqueued"]
    assert _actions(memory_uow) == ["review.enqueued"]


def test_list_orders_by_due_time_and_filters_by_standing(
    memory_uow: NewUow, clock: FakeClock
) -> None:
    first = refer(memory_uow, clock)
    clock.advance(timedelta(minutes=10))
    second = refer(memory_uow, clock)
    clock.advance(timedelta(minutes=10))
    third = refer(memory_uow, clock)
    with memory_uow() as uow:
        claim_item(uow, second.id, "wang", clock, CONFIG)
        uow.commit()
    with memory_uow() as uow:
        assert [i.id for i in list_items(uow, clock)] == [first.id, second.id, third.id]
        assert [i.id for i in list_items(uow, clock, status=ReviewStatus.OPEN)] == [
            first.id,
            third.id,
        ]
        assert [i.id for i in list_items(uow, clock, status=ReviewStatus.CLAIMED)] == [second.id]
    clock.advance(timedelta(minutes=30))  # wang's claim lapses
    with memory_uow() as uow:
        assert [i.id for i in list_items(uow, clock, status=ReviewStatus.OPEN)] == [
            first.id,
            second.id,
            third.id,
        ]
        assert list_items(uow, clock, status=ReviewStatus.CLAIMED) == ()
    clock.advance(timedelta(days=2))
    with memory_uow() as uow:
        expired = list_items(uow, clock, status=ReviewStatus.EXPIRED)
        assert {i.id for i in expired} == {first.id, second.id, third.id}
        assert list_items(uow, clock, status=ReviewStatus.OPEN) == ()


def test_claim_approve_decline_are_audited_with_the_comment(
    memory_uow: NewUow, clock: FakeClock
) -> None:
    small, other = refer(memory_uow, clock), refer(memory_uow, clock)
    with memory_uow() as uow:
        claim_item(uow, small.id, "wang", clock, CONFIG)
        approved = approve_referral(uow, small.id, "wang", "income verified by phone", clock).item
        claim_item(uow, other.id, "li", clock, CONFIG)
        declined = decline_referral(
            uow, other.id, "li", "  stated income not credible ", clock
        ).item
        uow.commit()
    assert approved.status == ReviewStatus.APPROVED and approved.decided_by == "wang"
    assert declined.status == ReviewStatus.DECLINED
    with memory_uow() as uow:
        records = uow.audit.for_subject("review_item", other.id)
        _, events = get_item(uow, other.id, clock)
        report = verify_books(uow.audit.stream(), uow.audit.head(), uow.journal.entries())
    assert [r.action for r in records] == ["review.enqueued", "review.claimed", "review.declined"]
    assert records[-1].actor == "officer:li"
    assert records[-1].payload["comment"] == "stated income not credible"
    assert [e.comment for e in events][-1] == "stated income not credible"
    assert report.ok


def test_four_eyes_in_the_database(memory_uow: NewUow, clock: FakeClock) -> None:
    item = refer(memory_uow, clock, amount_fen=3_000_000)
    assert item.four_eyes
    with memory_uow() as uow:
        claim_item(uow, item.id, "wang", clock, CONFIG)
        first = approve_referral(uow, item.id, "wang", "looks fine", clock).item
        uow.commit()
    assert first.status == ReviewStatus.AWAITING_SECOND
    with memory_uow() as uow, pytest.raises(Conflict):
        claim_item(uow, item.id, "wang", clock, CONFIG)
    with memory_uow() as uow:
        assert [i.id for i in list_items(uow, clock, status=ReviewStatus.AWAITING_SECOND)] == [
            item.id
        ]
        claim_item(uow, item.id, "li", clock, CONFIG)
        done = approve_referral(uow, item.id, "li", "agree", clock).item
        uow.commit()
    assert (done.status, done.first_approved_by, done.decided_by) == (
        ReviewStatus.APPROVED,
        "wang",
        "li",
    )
    assert _actions(memory_uow)[-3:] == ["review.claimed", "review.approved", "decision.officer"]
    assert "review.first_approval" in _actions(memory_uow)


def test_a_refused_action_changes_nothing(memory_uow: NewUow, clock: FakeClock) -> None:
    item = refer(memory_uow, clock)
    before = _actions(memory_uow)
    with memory_uow() as uow, pytest.raises(Conflict):
        approve_referral(uow, item.id, "wang", "no claim", clock)
    with memory_uow() as uow, pytest.raises(Invalid, match="comment"):
        claim_item(uow, item.id, "wang", clock, CONFIG)
        decline_referral(uow, item.id, "wang", "   ", clock)
    with memory_uow() as uow, pytest.raises(ReviewItemNotFound):
        claim_item(uow, "rev_missing", "wang", clock, CONFIG)
    assert _actions(memory_uow) == before
    with memory_uow() as uow:
        assert get_item(uow, item.id, clock)[0].status == ReviewStatus.OPEN


def test_expire_lapsed_writes_the_expiry_down(memory_uow: NewUow, clock: FakeClock) -> None:
    old = refer(memory_uow, clock)
    clock.advance(timedelta(days=1))
    young = refer(memory_uow, clock)
    clock.advance(timedelta(days=1))
    with memory_uow() as uow:
        expired = expire_lapsed(uow, clock)
        uow.commit()
    assert [i.id for i in expired] == [old.id]
    with memory_uow() as uow:
        assert get_item(uow, old.id, clock)[0].status == ReviewStatus.EXPIRED
        assert get_item(uow, young.id, clock)[0].status == ReviewStatus.OPEN
        assert expire_lapsed(uow, clock) == ()
    assert _actions(memory_uow).count("review.expired") == 1
