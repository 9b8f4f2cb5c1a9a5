"""What lending stores: a loan with what servicing keeps beside its state, payouts, repayments,
credit lines and their draws. Frozen records; the repositories (`lending.ports`) read and save
them, and `revision` is the row version a save checks."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from typing import Any

from fengkong.core.money import Fen
from fengkong.lending.delinquency import LoanClass
from fengkong.lending.line import CreditLine
from fengkong.lending.loan import LoanState, LoanStatus
from fengkong.lending.payment import PayoutStatus

NO_FEN = Fen(0)


class LoanStage(StrEnum):
    PENDING_DISBURSEMENT = "pending_disbursement"
    ACTIVE = "active"
    SETTLED = "settled"
    WRITTEN_OFF = "written_off"
    CANCELLED = "cancelled"  # the payout failed every attempt: the booking was reversed


@dataclass(frozen=True, slots=True)
class LoanRecord:
    """A stored loan: the pure state plus what servicing keeps beside it. `revision` is the row
    version checked on save; `allowance` and `reserve` are what is provisioned for this loan."""

    loan_id: str
    state: LoanState
    stage: LoanStage
    booked_on: date
    amount: Fen  # what the borrower asked for and receives
    application_id: str | None = None
    line_id: str | None = None
    acceptance_key: str | None = None
    allowance: Fen = NO_FEN
    reserve: Fen = NO_FEN
    eod_date: date | None = None
    days_past_due: int = 0
    bucket: str = "M0"
    loan_class: LoanClass = LoanClass.NORMAL
    revision: int = 0


@dataclass(frozen=True, slots=True)
class PayoutRecord:
    payout_id: str
    loan_id: str
    idempotency_key: str
    amount: Fen
    status: PayoutStatus
    attempts: int = 0
    reference: str | None = None
    last_error: str | None = None


class RepaymentKind(StrEnum):
    REPAYMENT = "repayment"
    SETTLEMENT = "settlement"


@dataclass(frozen=True, slots=True)
class RepaymentRecord:
    repayment_id: str
    loan_id: str
    idempotency_key: str
    request_hash: str
    kind: RepaymentKind
    amount: Fen
    business_date: date
    status: str  # "applied" or "reversed"
    entry_ids: tuple[str, ...]
    result: Mapping[str, Any]
    reversal_key: str | None = None
    reversal_request_hash: str | None = None


@dataclass(frozen=True, slots=True)
class LineRecord:
    line: CreditLine
    idempotency_key: str
    request_hash: str
    revision: int = 0
    application_id: str | None = None  # the application it was opened on: its borrower


@dataclass(frozen=True, slots=True)
class DrawRecord:
    loan_id: str
    line_id: str
    idempotency_key: str
    request_hash: str
    amount: Fen
    terms: int
    drawn_on: date


def stage_of(state: LoanState) -> LoanStage:
    """The stage a running loan's status puts it in (booked and cancelled loans have no state
    of their own to say so)."""
    return {
        LoanStatus.ACTIVE: LoanStage.ACTIVE,
        LoanStatus.SETTLED: LoanStage.SETTLED,
        LoanStatus.WRITTEN_OFF: LoanStage.WRITTEN_OFF,
    }[state.status]


__all__ = [
    "NO_FEN",
    "DrawRecord",
    "LineRecord",
    "LoanRecord",
    "LoanStage",
    "PayoutRecord",
    "RepaymentKind",
    "RepaymentRecord",
    "stage_of",
]
