"""The records servicing keeps: bound cards and debit attempts (auto-debit), collection cases,
actions and promises to pay, reminders, and the line borrowers the black-list trigger checks. Plain
data, shared by the use cases and by the storage ports (`lending.servicing_ports`)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any

from fengkong.core.money import Fen

NO_FEN = Fen(0)


class CardStatus(StrEnum):
    ACTIVE = "active"
    UNBOUND = "unbound"


class DebitStatus(StrEnum):
    PENDING = "pending"  # stored; the channel's answer not yet recorded
    SUCCEEDED = "succeeded"  # debited and the repayment posted
    FAILED = "failed"  # the channel declined
    UNPOSTED = "unposted"  # debited, but the loan refused the repayment: for an officer


@dataclass(frozen=True, slots=True)
class BoundCard:
    loan_id: str
    card_enc: str = field(repr=False)
    card_bidx: str = field(repr=False)
    display: str = ""
    status: CardStatus = CardStatus.ACTIVE


@dataclass(frozen=True, slots=True)
class DebitAttempt:
    attempt_id: str
    loan_id: str
    due_date: date
    attempt: int
    business_date: date
    amount: Fen
    status: DebitStatus
    idempotency_key: str
    reference: str | None = None
    error: str | None = None
    repayment_id: str | None = None


class CaseStatus(StrEnum):
    OPEN = "open"
    CLOSED = "closed"


class CollectionActionKind(StrEnum):
    CALL = "call"  # 电话催收
    SMS = "sms"  # 短信
    VISIT = "visit"  # 上门
    LEGAL = "legal"  # 法律诉讼


class PromiseStatus(StrEnum):
    OPEN = "open"
    KEPT = "kept"
    BROKEN = "broken"


@dataclass(frozen=True, slots=True)
class CollectionCase:
    loan_id: str
    status: CaseStatus
    opened_on: date
    days_past_due: int
    bucket: str
    bucket_rank: int
    overdue: Fen
    updated_on: date
    score: int | None = None
    pd: Decimal | None = None
    flags: tuple[str, ...] = ()
    closed_on: date | None = None


@dataclass(frozen=True, slots=True)
class CollectionAction:
    action_id: str
    loan_id: str
    kind: CollectionActionKind
    note: str
    officer: str
    business_date: date


@dataclass(frozen=True, slots=True)
class PromiseToPay:
    promise_id: str
    loan_id: str
    amount: Fen
    promised_on: date
    made_on: date
    officer: str
    status: PromiseStatus = PromiseStatus.OPEN
    paid: Fen = NO_FEN
    closed_on: date | None = None


@dataclass(frozen=True, slots=True)
class ReminderRecord:
    reminder_id: str
    subject_type: str
    subject_id: str
    kind: str
    business_date: date
    language: str
    channel: str
    status: str  # pending | sent | failed
    detail: Mapping[str, Any]
    error: str | None = None
    sent_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class LineBorrower:
    """Who borrows on a line, as the black list knows people: blind indexes (and ciphertext)."""

    line_id: str
    application_id: str | None = None
    id_number_enc: str | None = field(default=None, repr=False)
    id_number_bidx: str | None = field(default=None, repr=False)
    phone_enc: str | None = field(default=None, repr=False)
    phone_bidx: str | None = field(default=None, repr=False)
    bank_card_enc: str | None = field(default=None, repr=False)
    bank_card_bidx: str | None = field(default=None, repr=False)
    language: str = "zh-CN"


@dataclass(frozen=True, slots=True)
class BlacklistHit:
    line_id: str
    entry_id: str
    key_type: str
