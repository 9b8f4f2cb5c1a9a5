"""The review queue's use cases: queue a referred decision, list, get, claim, expire lapsed
items, and record each action with its audit record. Each loads, applies a rule of
`decision.review`, saves and audits inside the caller's unit of work, and never commits."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Protocol

from fengkong.audit.port import AuditAppender
from fengkong.core.clock import Clock
from fengkong.core.errors import FieldError, Invalid
from fengkong.core.ids import new_id
from fengkong.core.money import Fen, fen_to_yuan
from fengkong.decision.record import DecisionRecord
from fengkong.decision.review import (
    ReviewAction,
    ReviewConfig,
    ReviewEvent,
    ReviewItem,
    ReviewItemNotFound,
    ReviewStatus,
    as_of,
    check_officer,
    claim,
    new_item,
)


class ReviewRepository(Protocol):
    def add(self, item: ReviewItem) -> None: ...
    def get(self, item_id: str, *, for_update: bool = False) -> ReviewItem | None: ...
    def for_decision(self, decision_id: str) -> ReviewItem | None: ...
    def save(self, item: ReviewItem, *, expected_version: int) -> ReviewItem: ...
    def list(
        self, *, now: datetime, status: ReviewStatus | None = None, limit: int = 100
    ) -> Sequence[ReviewItem]: ...
    def lapsed(self, now: datetime) -> Sequence[ReviewItem]: ...
    def add_event(self, event: ReviewEvent) -> None: ...
    def add_first_event(self, event: ReviewEvent) -> None: ...
    def events(self, item_id: str) -> Sequence[ReviewEvent]: ...


class ReviewUnitOfWork(Protocol):
    @property
    def reviews(self) -> ReviewRepository: ...
    @property
    def audit(self) -> AuditAppender: ...


def record_action(
    uow: ReviewUnitOfWork,
    item: ReviewItem,
    action: ReviewAction,
    officer: str,
    at: datetime,
    comment: str = "",
    *,
    first: bool = False,
    **extra: object,
) -> None:
    """The event on the item and its audit record; `first`: the item's first event, of an item
    added in this transaction, so its number needs no look-up."""
    event = ReviewEvent(item.id, at, officer, action, comment)
    if first:
        uow.reviews.add_first_event(event)
    else:
        uow.reviews.add_event(event)
    payload: dict[str, object] = {
        "application_id": item.application_id,
        "decision_id": item.decision_id,
        "status": item.status.value,
        "amount_fen": int(item.amount),
        **extra,
    }
    if comment:
        payload["comment"] = comment
    uow.audit.append(
        at=at,
        actor=officer if officer.startswith("system:") else f"officer:{officer}",
        action=f"review.{action.value}",
        subject_type="review_item",
        subject_id=item.id,
        payload=payload,
    )


def referral_amount(decision: DecisionRecord) -> Fen:
    """What the officer is asked to lend: the amount requested, as the decision's inputs hold it."""
    requested = decision.inputs.get("amount_fen")
    if requested is None:
        requested = decision.approved_amount
    if requested is None:
        raise Invalid(
            (FieldError(("amount_fen",), f"decision {decision.id} records no requested amount"),)
        )
    return Fen(int(requested))


def enqueue_referral(
    uow: ReviewUnitOfWork,
    decision: DecisionRecord,
    clock: Clock,
    config: ReviewConfig,
    *,
    amount: Fen | None = None,
    never_queued: bool = False,
) -> ReviewItem:
    """Queue a referred decision, in the caller's transaction (after `uow.decisions.add`). Once per
    decision: a second call returns the item already queued. With `never_queued` the caller
    knows there is none (the decision has just been made; the unique decision id of the queue
    would refuse a second item at the commit): the look-up is skipped, and the item waits for
    the commit with the decision's other writes."""
    if not never_queued:
        existing = uow.reviews.for_decision(decision.id)
        if existing is not None:
            return existing
    now = clock.now()
    item = new_item(
        new_id("rev", clock),
        decision,
        referral_amount(decision) if amount is None else amount,
        now,
        config,
    )
    uow.reviews.add(item)
    record_action(
        uow,
        item,
        ReviewAction.ENQUEUED,
        "system:review",
        now,
        first=True,
        due_at=item.due_at.isoformat(),
        four_eyes=item.four_eyes,
        reasons=[r.code for r in item.reasons],
    )
    return item


def list_items(
    uow: ReviewUnitOfWork, clock: Clock, *, status: ReviewStatus | None = None, limit: int = 100
) -> tuple[ReviewItem, ...]:
    """Items as they stand now, soonest due first; `status` filters on that standing."""
    if not 0 < limit <= 1000:
        raise Invalid((FieldError(("limit",), "must be between 1 and 1000"),))
    now = clock.now()
    items = (as_of(i, now) for i in uow.reviews.list(now=now, status=status, limit=limit))
    return tuple(i for i in items if status is None or i.status == status)


def get_item(
    uow: ReviewUnitOfWork, item_id: str, clock: Clock
) -> tuple[ReviewItem, tuple[ReviewEvent, ...]]:
    item = uow.reviews.get(item_id)
    if item is None:
        raise ReviewItemNotFound(f"no review item {item_id!r}")
    return as_of(item, clock.now()), tuple(uow.reviews.events(item_id))


def load_item(uow: ReviewUnitOfWork, item_id: str) -> ReviewItem:
    item = uow.reviews.get(item_id, for_update=True)
    if item is None:
        raise ReviewItemNotFound(f"no review item {item_id!r}")
    return item


def claim_item(
    uow: ReviewUnitOfWork, item_id: str, officer: str, clock: Clock, config: ReviewConfig
) -> ReviewItem:
    officer = check_officer(officer)
    stored = load_item(uow, item_id)
    now = clock.now()
    claimed = uow.reviews.save(claim(stored, officer, now, config), expected_version=stored.version)
    assert claimed.claim_expires_at is not None
    record_action(
        uow,
        claimed,
        ReviewAction.CLAIMED,
        officer,
        now,
        claim_expires_at=claimed.claim_expires_at.isoformat(),
    )
    return claimed


def expire_lapsed(uow: ReviewUnitOfWork, clock: Clock) -> tuple[ReviewItem, ...]:
    """Write down, audited, the expiry of every active item past its `expires_at`."""
    now = clock.now()
    done = []
    for stored in uow.reviews.lapsed(now):
        expired = uow.reviews.save(as_of(stored, now), expected_version=stored.version)
        record_action(uow, expired, ReviewAction.EXPIRED, "system:review", now)
        done.append(expired)
    return tuple(done)


def describe(item: ReviewItem) -> Mapping[str, object]:
    """A plain mapping of an item, for `--json` and logs."""
    return {
        "id": item.id,
        "application_id": item.application_id,
        "decision_id": item.decision_id,
        "status": item.status.value,
        "amount_fen": int(item.amount),
        "amount": str(fen_to_yuan(item.amount)),  # a plain decimal string, no separators
        "four_eyes": item.four_eyes,
        "reasons": [r.as_dict() for r in item.reasons],
        "created_at": item.created_at.isoformat(),
        "due_at": item.due_at.isoformat(),
        "expires_at": item.expires_at.isoformat(),
        "claimed_by": item.claimed_by,
        "claimed_at": None if item.claimed_at is None else item.claimed_at.isoformat(),
        "claim_expires_at": None
        if item.claim_expires_at is None
        else item.claim_expires_at.isoformat(),
        "first_approved_by": item.first_approved_by,
        "decided_by": item.decided_by,
        "decided_at": None if item.decided_at is None else item.decided_at.isoformat(),
        "proposed": None if item.proposed is None else item.proposed.as_dict(),
    }
