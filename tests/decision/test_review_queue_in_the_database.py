"""The review queue as stored, on SQLite and PostgreSQL: of two officers claiming one item at
once exactly one wins, and the queue's unique decision id refuses a second item at the commit.
The use cases themselves run on the in-memory unit of work (`test_review_queue_use_cases.py`)."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
import sqlalchemy as sa

from factories import queue_referral
from fengkong.core.clock import FakeClock
from fengkong.core.errors import Conflict
from fengkong.core.money import Fen
from fengkong.db.database import Database
from fengkong.db.uow import SqlUnitOfWork
from fengkong.decision.review import ReviewConfig, ReviewItem
from fengkong.decision.review_queue import (
    claim_item,
    enqueue_referral,
    get_item,
    list_items,
)

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
