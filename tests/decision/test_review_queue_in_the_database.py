"""The review queue as stored, on SQLite and PostgreSQL: items are listed by due time and by their
standing now, every action lands with its audit record in the same transaction, and a failed
action leaves neither."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
import sqlalchemy as sa

from factories import queue_referral
from fengkong.core.clock import FakeClock
from fengkong.core.errors import Conflict, Invalid
from fengkong.core.money import Fen
from fengkong.db.database import Database
from fengkong.db.uow import SqlUnitOfWork
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

CONFIG = ReviewConfig(
    sla=timedelta(hours=4),
    claim_timeout=timedelta(minutes=30),
    four_eyes_above=Fen(2_000_000),
    expire_after=timedelta(days=2),
)


def refer(db: Database, clock: FakeClock, amount_fen: int = 500_000) -> ReviewItem:
    """A referred decision as the decision service stores it, queued in the same transaction."""
    with SqlUnitOfWork(db) as uow:
        item = queue_referral(uow, clock, CONFIG, amount_fen)
        decision = uow.decisions.get(item.decision_id)
        assert decision is not None
        assert enqueue_referral(uow, decision, clock, CONFIG) == item  # once per decision
        uow.commit()
    return item


def _actions(db: Database) -> list[str]:
    with SqlUnitOfWork(db) as uow:
        return [r.action for r in uow.audit.stream()]


def test_enqueue_stores_the_item_and_audits_it(db: Database, clock: FakeClock) -> None:
    item = refer(db, clock)
    with SqlUnitOfWork(db) as uow:
        stored, events = get_item(uow, item.id, clock)
    assert stored == item
    assert stored.due_at == clock.now() + timedelta(hours=4)
    assert stored.reasons[0].code == "POL_SCORE_IN_REVIEW_BAND"
    assert [e.action.value for e in events] == ["enqueued"]
    assert _actions(db) == ["review.enqueued"]


def test_list_orders_by_due_time_and_filters_by_standing(db: Database, clock: FakeClock) -> None:
    first = refer(db, clock)
    clock.advance(timedelta(minutes=10))
    second = refer(db, clock)
    clock.advance(timedelta(minutes=10))
    third = refer(db, clock)
    with SqlUnitOfWork(db) as uow:
        claim_item(uow, second.id, "wang", clock, CONFIG)
        uow.commit()
    with SqlUnitOfWork(db) as uow:
        assert [i.id for i in list_items(uow, clock)] == [first.id, second.id, third.id]
        assert [i.id for i in list_items(uow, clock, status=ReviewStatus.OPEN)] == [
            first.id,
            third.id,
        ]
        assert [i.id for i in list_items(uow, clock, status=ReviewStatus.CLAIMED)] == [second.id]
    clock.advance(timedelta(minutes=30))  # wang's claim lapses
    with SqlUnitOfWork(db) as uow:
        assert [i.id for i in list_items(uow, clock, status=ReviewStatus.OPEN)] == [
            first.id,
            second.id,
            third.id,
        ]
        assert list_items(uow, clock, status=ReviewStatus.CLAIMED) == ()
    clock.advance(timedelta(days=2))
    with SqlUnitOfWork(db) as uow:
        expired = list_items(uow, clock, status=ReviewStatus.EXPIRED)
        assert {i.id for i in expired} == {first.id, second.id, third.id}
        assert list_items(uow, clock, status=ReviewStatus.OPEN) == ()


def test_claim_approve_decline_are_audited_with_the_comment(db: Database, clock: FakeClock) -> None:
    small, other = refer(db, clock), refer(db, clock)
    with SqlUnitOfWork(db) as uow:
        claim_item(uow, small.id, "wang", clock, CONFIG)
        approved = approve_referral(uow, small.id, "wang", "income verified by phone", clock).item
        claim_item(uow, other.id, "li", clock, CONFIG)
        declined = decline_referral(
            uow, other.id, "li", "  stated income not credible ", clock
        ).item
        uow.commit()
    assert approved.status == ReviewStatus.APPROVED and approved.decided_by == "wang"
    assert declined.status == ReviewStatus.DECLINED
    with SqlUnitOfWork(db) as uow:
        records = uow.audit.for_subject("review_item", other.id)
        _, events = get_item(uow, other.id, clock)
        report = verify_books(uow.audit.stream(), uow.audit.head(), uow.journal.entries())
    assert [r.action for r in records] == ["review.enqueued", "review.claimed", "review.declined"]
    assert records[-1].actor == "officer:li"
    assert records[-1].payload["comment"] == "stated income not credible"
    assert [e.comment for e in events][-1] == "stated income not credible"
    assert report.ok


def test_four_eyes_in_the_database(db: Database, clock: FakeClock) -> None:
    item = refer(db, clock, amount_fen=3_000_000)
    assert item.four_eyes
    with SqlUnitOfWork(db) as uow:
        claim_item(uow, item.id, "wang", clock, CONFIG)
        first = approve_referral(uow, item.id, "wang", "looks fine", clock).item
        uow.commit()
    assert first.status == ReviewStatus.AWAITING_SECOND
    with SqlUnitOfWork(db) as uow, pytest.raises(Conflict):
        claim_item(uow, item.id, "wang", clock, CONFIG)
    with SqlUnitOfWork(db) as uow:
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
    assert _actions(db)[-3:] == ["review.claimed", "review.approved", "decision.officer"]
    assert "review.first_approval" in _actions(db)


def test_a_refused_action_changes_nothing(db: Database, clock: FakeClock) -> None:
    item = refer(db, clock)
    before = _actions(db)
    with SqlUnitOfWork(db) as uow, pytest.raises(Conflict):
        approve_referral(uow, item.id, "wang", "no claim", clock)
    with SqlUnitOfWork(db) as uow, pytest.raises(Invalid, match="comment"):
        claim_item(uow, item.id, "wang", clock, CONFIG)
        decline_referral(uow, item.id, "wang", "   ", clock)
    with SqlUnitOfWork(db) as uow, pytest.raises(ReviewItemNotFound):
        claim_item(uow, "rev_missing", "wang", clock, CONFIG)
    assert _actions(db) == before
    with SqlUnitOfWork(db) as uow:
        assert get_item(uow, item.id, clock)[0].status == ReviewStatus.OPEN


def test_expire_lapsed_writes_the_expiry_down(db: Database, clock: FakeClock) -> None:
    old = refer(db, clock)
    clock.advance(timedelta(days=1))
    young = refer(db, clock)
    clock.advance(timedelta(days=1))
    with SqlUnitOfWork(db) as uow:
        expired = expire_lapsed(uow, clock)
        uow.commit()
    assert [i.id for i in expired] == [old.id]
    with SqlUnitOfWork(db) as uow:
        assert get_item(uow, old.id, clock)[0].status == ReviewStatus.EXPIRED
        assert get_item(uow, young.id, clock)[0].status == ReviewStatus.OPEN
        assert expire_lapsed(uow, clock) == ()
    assert _actions(db).count("review.expired") == 1


def test_two_officers_claiming_at_once_one_wins(db: Database, clock: FakeClock) -> None:
    item = refer(db, clock)
    barrier = threading.Barrier(2)
    results: dict[str, str] = {}

    def attempt(officer: str) -> None:
        barrier.wait()
        try:
            with SqlUnitOfWork(db) as uow:
                claim_item(uow, item.id, officer, clock, CONFIG)
                uow.commit()
            results[officer] = "won"
        except Conflict:
            results[officer] = "lost"

    threads = [threading.Thread(target=attempt, args=(o,)) for o in ("wang", "li")]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(results.values()) == ["lost", "won"]
    winner = next(o for o, r in results.items() if r == "won")
    with SqlUnitOfWork(db) as uow:
        assert get_item(uow, item.id, clock)[0].claimed_by == winner
    assert _actions(db).count("review.claimed") == 1


def test_a_new_decision_is_queued_without_a_look_up_and_only_once(
    db: Database, clock: FakeClock
) -> None:
    """`never_queued` (the decision service's case) skips the look-up and holds the item and its
    first event for the commit; a second item for the same decision is still refused, by the
    queue's unique decision id, and nothing of that transaction is stored."""
    item = refer(db, clock)
    with SqlUnitOfWork(db) as uow:
        decision = uow.decisions.get(item.decision_id)
        assert decision is not None
        with pytest.raises(sa.exc.IntegrityError):  # at the commit, or at an earlier flush
            enqueue_referral(uow, decision, clock, CONFIG, never_queued=True)
            uow.commit()
    with SqlUnitOfWork(db) as uow:
        assert list_items(uow, clock) == (item,)
        assert [e.action.value for e in get_item(uow, item.id, clock)[1]] == ["enqueued"]
    assert _actions(db) == ["review.enqueued"]
