"""The review queue: referred decisions wait here for an officer.

An item is created when a decision refers; an officer claims it, then approves or declines it with
a comment. Above a configured amount two different officers must approve (four eyes): the first
approval leaves the item `awaiting_second`, and only another officer may claim and finish it.

Time is never read by a background job. A claim carries the instant it lapses and an item the
instant it expires; `as_of(item, now)` is the item as it stands at `now`, so a claim older than the
timeout is simply no longer a claim, and any officer may take the item. `expire_lapsed` writes the
expiries down (audited) for whoever wants them in the books.

The rules are pure functions over a frozen `ReviewItem`; the use cases below them load, apply,
save and audit inside the caller's unit of work, and never commit.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any, Protocol

from fengkong.audit.port import AuditAppender
from fengkong.core.clock import Clock
from fengkong.core.errors import Conflict, FieldError, Invalid, NotFound
from fengkong.core.ids import new_id
from fengkong.core.money import Fen, fen_to_yuan, format_fen
from fengkong.core.reason import Reason
from fengkong.decision.officer_terms import OfficerTerms
from fengkong.decision.record import DecisionRecord

OFFICER_MAX_LEN = 80
_OFFICER = re.compile(r"[\w.@-]+")
COMMENT_MAX_LEN = 2000
FOUR_EYES_ABOVE = Fen(2_000_000)  # 20,000.00 yuan


class ReviewStatus(StrEnum):
    OPEN = "open"
    CLAIMED = "claimed"
    AWAITING_SECOND = "awaiting_second"  # four eyes: one approval given, a second officer needed
    APPROVED = "approved"
    DECLINED = "declined"
    EXPIRED = "expired"


ACTIVE = frozenset({ReviewStatus.OPEN, ReviewStatus.CLAIMED, ReviewStatus.AWAITING_SECOND})


class ReviewAction(StrEnum):
    ENQUEUED = "enqueued"
    CLAIMED = "claimed"
    FIRST_APPROVAL = "first_approval"
    APPROVED = "approved"
    DECLINED = "declined"
    EXPIRED = "expired"


class ReviewItemNotFound(NotFound):
    pass


class ReviewClosed(Conflict):
    """The item was already approved, declined or expired."""


class AlreadyClaimed(Conflict):
    pass


class NotClaimedByYou(Conflict):
    pass


class FourEyesViolation(Conflict):
    """The officer who gave the first approval tried to give the second as well."""


class TermsDiffer(Conflict):
    """The second approval of a four-eyes item named other terms than the first: the two
    officers must agree on the same limit, rate and term."""


@dataclass(frozen=True, slots=True)
class ReviewConfig:
    sla: timedelta = timedelta(hours=24)  # created → due
    claim_timeout: timedelta = timedelta(minutes=30)  # a claim older than this lapses
    four_eyes_above: Fen = FOUR_EYES_ABOVE  # amounts strictly above need two officers
    expire_after: timedelta = timedelta(days=14)  # an undecided item lapses with the application

    def __post_init__(self) -> None:
        errors = [
            FieldError((name,), "must be positive")
            for name in ("sla", "claim_timeout", "expire_after")
            if getattr(self, name) <= timedelta(0)
        ]
        if self.four_eyes_above < 0:
            errors.append(FieldError(("four_eyes_above",), "must not be negative"))
        if self.expire_after < self.sla:
            errors.append(FieldError(("expire_after",), "must not be shorter than the SLA"))
        if errors:
            raise Invalid(tuple(errors))

    @classmethod
    def from_settings(cls, settings: object) -> ReviewConfig:
        """Read `review_sla_hours`, `review_claim_timeout_minutes`, `review_four_eyes_above_fen`
        and `review_expire_after_days` from settings when they exist; defaults otherwise."""
        default = cls()

        def pick(name: str, fallback: Any) -> Any:
            value = getattr(settings, name, None)
            return fallback if value is None else value

        return cls(
            sla=timedelta(hours=pick("review_sla_hours", default.sla / timedelta(hours=1))),
            claim_timeout=timedelta(
                minutes=pick(
                    "review_claim_timeout_minutes", default.claim_timeout / timedelta(minutes=1)
                )
            ),
            four_eyes_above=Fen(int(pick("review_four_eyes_above_fen", default.four_eyes_above))),
            expire_after=timedelta(
                days=pick("review_expire_after_days", default.expire_after / timedelta(days=1))
            ),
        )


@dataclass(frozen=True, slots=True)
class ReviewItem:
    id: str
    application_id: str
    decision_id: str
    reasons: tuple[Reason, ...]
    amount: Fen
    four_eyes: bool  # fixed when the item is created, so a config change never moves the goalposts
    created_at: datetime
    due_at: datetime
    expires_at: datetime
    status: ReviewStatus
    claimed_by: str | None = None
    claimed_at: datetime | None = None
    claim_expires_at: datetime | None = None
    first_approved_by: str | None = None
    first_approved_at: datetime | None = None
    decided_by: str | None = None
    decided_at: datetime | None = None
    version: int = 0  # bumped on every save: the optimistic lock
    proposed: OfficerTerms | None = None  # four eyes: the terms of the first approval

    def overdue(self, now: datetime) -> bool:
        return self.status in ACTIVE and now >= self.due_at


@dataclass(frozen=True, slots=True)
class ReviewEvent:
    """One action on an item, with the officer's comment; kept beside the audit record so the
    console can show an item's history without reading the chain."""

    item_id: str
    at: datetime
    officer: str
    action: ReviewAction
    comment: str


# ---------------------------------------------------------------- pure rules


def new_item(
    item_id: str,
    decision: DecisionRecord,
    amount: Fen,
    now: datetime,
    config: ReviewConfig,
) -> ReviewItem:
    return ReviewItem(
        id=item_id,
        application_id=decision.application_id,
        decision_id=decision.id,
        reasons=tuple(decision.reasons),
        amount=amount,
        four_eyes=amount > config.four_eyes_above,
        created_at=now,
        due_at=now + config.sla,
        expires_at=now + config.expire_after,
        status=ReviewStatus.OPEN,
    )


def _claim_active(item: ReviewItem, now: datetime) -> bool:
    return (
        item.claimed_by is not None
        and item.claim_expires_at is not None
        and now < item.claim_expires_at
    )


def _unclaimed(item: ReviewItem) -> ReviewItem:
    return dataclasses.replace(item, claimed_by=None, claimed_at=None, claim_expires_at=None)


def as_of(item: ReviewItem, now: datetime) -> ReviewItem:
    """The item as it stands at `now`: expired past its expiry, unclaimed past its claim's."""
    if item.status not in ACTIVE:
        return item
    if now >= item.expires_at:
        return dataclasses.replace(_unclaimed(item), status=ReviewStatus.EXPIRED)
    if item.claimed_by is not None and not _claim_active(item, now):
        lapsed = _unclaimed(item)
        if item.status == ReviewStatus.CLAIMED:
            return dataclasses.replace(lapsed, status=ReviewStatus.OPEN)
        return lapsed
    return item


def _open_for_action(item: ReviewItem) -> None:
    if item.status not in ACTIVE:
        raise ReviewClosed(f"review item {item.id} is {item.status.value}")


def claim(item: ReviewItem, officer: str, now: datetime, config: ReviewConfig) -> ReviewItem:
    """Take the item for `claim_timeout`. Claiming again one's own claim renews it."""
    item = as_of(item, now)
    _open_for_action(item)
    if _claim_active(item, now) and item.claimed_by != officer:
        assert item.claim_expires_at is not None
        raise AlreadyClaimed(
            f"review item {item.id} is claimed by {item.claimed_by} until "
            f"{item.claim_expires_at.isoformat()}"
        )
    if item.status == ReviewStatus.AWAITING_SECOND and item.first_approved_by == officer:
        raise FourEyesViolation(
            f"{officer} gave the first approval of review item {item.id}; "
            "a different officer must give the second"
        )
    status = (
        ReviewStatus.AWAITING_SECOND
        if item.status == ReviewStatus.AWAITING_SECOND
        else ReviewStatus.CLAIMED
    )
    return dataclasses.replace(
        item,
        status=status,
        claimed_by=officer,
        claimed_at=now,
        claim_expires_at=now + config.claim_timeout,
    )


def _held_by(item: ReviewItem, officer: str, now: datetime) -> ReviewItem:
    item = as_of(item, now)
    _open_for_action(item)
    if not _claim_active(item, now) or item.claimed_by != officer:
        holder = f"it is claimed by {item.claimed_by}" if item.claimed_by else "it is not claimed"
        raise NotClaimedByYou(
            f"{officer} cannot act on review item {item.id}: {holder}; claim it first"
        )
    return item


def approve(
    item: ReviewItem, officer: str, now: datetime, terms: OfficerTerms | None = None
) -> ReviewItem:
    """Approve on `terms`: final, or the first of two approvals when the item needs four eyes,
    whose terms the second must repeat."""
    item = _held_by(item, officer, now)
    if item.status == ReviewStatus.AWAITING_SECOND:
        if item.first_approved_by == officer:  # claim() already refuses this; kept as a backstop
            raise FourEyesViolation(f"{officer} already approved review item {item.id}")
        if terms is not None and item.proposed is not None and terms != item.proposed:
            raise TermsDiffer(
                f"{item.first_approved_by} approved review item {item.id} for "
                f"{_terms_text(item.proposed)}; the second approval must confirm the same "
                f"terms, not {_terms_text(terms)} (decline it to refuse them)"
            )
        return dataclasses.replace(
            _unclaimed(item), status=ReviewStatus.APPROVED, decided_by=officer, decided_at=now
        )
    if item.four_eyes:
        return dataclasses.replace(
            _unclaimed(item),
            status=ReviewStatus.AWAITING_SECOND,
            first_approved_by=officer,
            first_approved_at=now,
            proposed=terms,
        )
    return dataclasses.replace(
        _unclaimed(item),
        status=ReviewStatus.APPROVED,
        decided_by=officer,
        decided_at=now,
        proposed=terms,
    )


def _terms_text(terms: OfficerTerms) -> str:
    return f"{format_fen(terms.amount)} at {terms.annual_rate} over {terms.term_months} months"


def check_may_act(item: ReviewItem, officer: str, now: datetime) -> ReviewItem:
    """The item as of `now`, if `officer` holds its claim; else the `Conflict` that says why."""
    return _held_by(item, officer, now)


def decline(item: ReviewItem, officer: str, now: datetime) -> ReviewItem:
    """Decline: one officer suffices, also when a first approval was given."""
    item = _held_by(item, officer, now)
    return dataclasses.replace(
        _unclaimed(item), status=ReviewStatus.DECLINED, decided_by=officer, decided_at=now
    )


def check_officer(officer: str | None) -> str:
    cleaned = (officer or "").strip()
    if not cleaned:
        raise Invalid((FieldError(("officer",), "an officer identity is required"),))
    if len(cleaned) > OFFICER_MAX_LEN:
        raise Invalid((FieldError(("officer",), f"at most {OFFICER_MAX_LEN} characters"),))
    if not _OFFICER.fullmatch(cleaned):
        # No ":" above all: "system:…" names the machine in the audit log, never a person.
        raise Invalid((FieldError(("officer",), "letters, digits, '.', '_', '-' and '@' only"),))
    return cleaned


def check_comment(comment: str | None) -> str:
    cleaned = (comment or "").strip()
    if not cleaned:
        raise Invalid((FieldError(("comment",), "a comment is required"),))
    if len(cleaned) > COMMENT_MAX_LEN:
        raise Invalid((FieldError(("comment",), f"at most {COMMENT_MAX_LEN} characters"),))
    return cleaned


# ---------------------------------------------------------------- ports and use cases


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
