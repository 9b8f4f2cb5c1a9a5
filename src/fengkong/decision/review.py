"""The review queue: referred decisions wait here for an officer.

An item is created when a decision refers; an officer claims it, then approves or declines it with
a comment. Above a configured amount two different officers must approve (four eyes): the first
approval leaves the item `awaiting_second`, and only another officer may claim and finish it.

Time is never read by a background job. A claim carries the instant it lapses and an item the
instant it expires; `as_of(item, now)` is the item as it stands at `now`, so a claim older than the
timeout is simply no longer a claim, and any officer may take the item. `expire_lapsed` writes the
expiries down (audited) for whoever wants them in the books.

The rules here are pure functions over a frozen `ReviewItem`; the use cases that load, apply,
save and audit them inside the caller's unit of work (never committing) are
`decision.review_queue`'s.
"""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from fengkong.core.errors import Conflict, FieldError, Invalid, NotFound
from fengkong.core.money import Fen, format_fen
from fengkong.core.reason import Reason
from fengkong.decision.officer_terms import OfficerTerms
from fengkong.decision.record import DecisionRecord

OFFICER_MAX_LEN = 80
# A name as typed at the command line, or an authenticated actor's audit name (`user:alice`).
_OFFICER = re.compile(r"(?:(?:user|key):)?[\w.@-]+")
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
    officers must agree on the same limit, rate and term, and on the security asked, if any."""


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
    text = f"{format_fen(terms.amount)} at {terms.annual_rate} over {terms.term_months} months"
    return text if terms.security is None else f"{text}, on condition of {terms.security}"


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
        # No other ":" above all: "system:…" names the machine in the audit log, never a person.
        raise Invalid((FieldError(("officer",), "letters, digits, '.', '_', '-' and '@' only"),))
    return cleaned


def check_comment(comment: str | None) -> str:
    cleaned = (comment or "").strip()
    if not cleaned:
        raise Invalid((FieldError(("comment",), "a comment is required"),))
    if len(cleaned) > COMMENT_MAX_LEN:
        raise Invalid((FieldError(("comment",), f"at most {COMMENT_MAX_LEN} characters"),))
    return cleaned
