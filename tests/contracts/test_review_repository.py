"""`decision.review.ReviewRepository`: one item per referred decision, saved only over the
version read (a concurrent claim is a `Conflict`), listed by due time and standing, with its
events numbered in order."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest

from contracts.conftest import REFUSED, Backend
from contracts.rows import T0, application, at, decision, review_item
from fengkong.core.errors import Conflict
from fengkong.decision.review import ReviewAction, ReviewEvent, ReviewItem, ReviewStatus


def _referred(backend: Backend, *items: tuple[str, int]) -> list[ReviewItem]:
    """Items `rev_<n>` for decisions referred `minutes` after T0, committed."""
    made = []
    with backend.uow() as uow:
        for n, (item_id, minutes) in enumerate(items, start=1):
            dec = decision(f"dec_{n}", f"app_{n}", decided_at=at(minutes))
            uow.applications.add(application(f"app_{n}"))
            uow.decisions.add(dec)
            item = review_item(item_id, dec)
            item = replace(
                item,
                created_at=at(minutes),
                due_at=item.due_at + timedelta(minutes=minutes),
                expires_at=item.expires_at + timedelta(minutes=minutes),
            )
            uow.reviews.add(item)
            made.append(item)
        uow.commit()
    return made


def test_an_item_reads_back_as_stored(backend: Backend) -> None:
    (item,) = _referred(backend, ("rev_1", 0))
    with backend.uow() as uow:
        assert uow.reviews.get("rev_1") == item
        assert uow.reviews.get("rev_1", for_update=True) == item
        assert uow.reviews.for_decision("dec_1") == item
        assert uow.reviews.get("rev_9") is None
        assert uow.reviews.for_decision("dec_9") is None


def test_a_decision_is_queued_once(backend: Backend) -> None:
    _referred(backend, ("rev_1", 0))
    with pytest.raises(REFUSED), backend.uow() as uow:
        uow.reviews.add(review_item("rev_2", decision("dec_1", "app_1")))
        uow.commit()


def test_save_writes_over_the_version_read_only(backend: Backend) -> None:
    (item,) = _referred(backend, ("rev_1", 0))
    claimed = replace(
        item,
        status=ReviewStatus.CLAIMED,
        claimed_by="wang",
        claimed_at=at(1),
        claim_expires_at=at(31),
    )
    with backend.uow() as uow:
        saved = uow.reviews.save(claimed, expected_version=item.version)
        assert saved == replace(claimed, version=item.version + 1)
        uow.commit()
    with backend.uow() as uow:
        assert uow.reviews.get("rev_1") == saved
        with pytest.raises(Conflict, match="changed meanwhile"):
            uow.reviews.save(replace(claimed, claimed_by="li"), expected_version=item.version)
        with pytest.raises(Conflict):
            uow.reviews.save(replace(item, id="rev_9"), expected_version=0)
    with backend.uow() as uow:
        assert uow.reviews.get("rev_1").claimed_by == "wang"


def test_list_orders_by_due_time_and_filters_by_standing_at_now(backend: Backend) -> None:
    first, second, third = _referred(backend, ("rev_b", 0), ("rev_a", 10), ("rev_c", 20))
    with backend.uow() as uow:
        uow.reviews.save(
            replace(
                second,
                status=ReviewStatus.CLAIMED,
                claimed_by="wang",
                claimed_at=at(15),
                claim_expires_at=at(45),
            ),
            expected_version=second.version,
        )
        uow.reviews.save(
            replace(third, status=ReviewStatus.APPROVED, decided_by="li", decided_at=at(25)),
            expected_version=third.version,
        )
        uow.commit()
    with backend.uow() as uow:

        def listed(now_minutes: int, status: ReviewStatus | None = None) -> list[str]:
            return [i.id for i in uow.reviews.list(now=at(now_minutes), status=status)]

        assert listed(30) == ["rev_b", "rev_a", "rev_c"]
        assert [i.id for i in uow.reviews.list(now=at(30), limit=2)] == ["rev_b", "rev_a"]
        assert listed(30, ReviewStatus.OPEN) == ["rev_b"]
        assert listed(30, ReviewStatus.CLAIMED) == ["rev_a"]
        assert listed(60, ReviewStatus.OPEN) == ["rev_b", "rev_a"]  # the claim lapsed at 45
        assert listed(60, ReviewStatus.CLAIMED) == []
        assert listed(30, ReviewStatus.APPROVED) == ["rev_c"]
        expired_at = (first.expires_at - T0).total_seconds() // 60
        assert listed(int(expired_at), ReviewStatus.EXPIRED) == ["rev_b"]
        assert listed(int(expired_at), ReviewStatus.OPEN) == ["rev_a"]


def test_lapsed_lists_active_items_past_their_expiry(backend: Backend) -> None:
    first, second = _referred(backend, ("rev_1", 0), ("rev_2", 10))
    with backend.uow() as uow:
        assert uow.reviews.lapsed(first.expires_at - timedelta(seconds=1)) == []
        assert [i.id for i in uow.reviews.lapsed(first.expires_at)] == ["rev_1"]
        assert [i.id for i in uow.reviews.lapsed(second.expires_at)] == ["rev_1", "rev_2"]
        uow.reviews.save(
            replace(first, status=ReviewStatus.DECLINED, decided_by="li", decided_at=at(1)),
            expected_version=first.version,
        )
        assert [i.id for i in uow.reviews.lapsed(second.expires_at)] == ["rev_2"]


def test_events_are_kept_in_the_order_they_happened(backend: Backend) -> None:
    _referred(backend, ("rev_1", 0))

    def event(minutes: int, action: ReviewAction, officer: str = "wang") -> ReviewEvent:
        return ReviewEvent("rev_1", at(minutes), officer, action, f"{action.value} note")

    with backend.uow() as uow:
        uow.reviews.add_first_event(event(0, ReviewAction.ENQUEUED, "system"))
        uow.reviews.add_event(event(1, ReviewAction.CLAIMED))
        uow.commit()
    with backend.uow() as uow:
        uow.reviews.add_event(event(2, ReviewAction.APPROVED))
        uow.commit()
    with backend.uow() as uow:
        assert uow.reviews.events("rev_1") == [
            event(0, ReviewAction.ENQUEUED, "system"),
            event(1, ReviewAction.CLAIMED),
            event(2, ReviewAction.APPROVED),
        ]
        assert uow.reviews.events("rev_9") == []


def test_of_two_units_of_work_saving_one_item_the_second_conflicts(backend: Backend) -> None:
    """As cosmicpython's concurrent-update test: both read version 1; the first to commit wins,
    the other is a `Conflict` (at its save on a database, at its commit in memory) and leaves
    the winner's write in place. Not on SQLite: its transactions begin immediate, so the second
    waits for the first to end and then reads the new version."""
    if backend.name == "sqlite":
        pytest.skip("SQLite serialises transactions: they cannot interleave")
    (item,) = _referred(backend, ("rev_1", 0))

    def claimed_by(officer: str) -> ReviewItem:
        return replace(
            item, status=ReviewStatus.CLAIMED, claimed_by=officer, claimed_at=at(1),
            claim_expires_at=at(31),
        )  # fmt: skip

    with backend.uow() as first, backend.uow() as second:
        assert first.reviews.get("rev_1") == second.reviews.get("rev_1") == item
        first.reviews.save(claimed_by("wang"), expected_version=item.version)
        first.commit()
        with pytest.raises(Conflict):
            second.reviews.save(claimed_by("li"), expected_version=item.version)
            second.commit()
    with backend.uow() as uow:
        assert uow.reviews.get("rev_1") == replace(claimed_by("wang"), version=item.version + 1)
