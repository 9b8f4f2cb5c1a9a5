"""Servicing around a booked loan: what guarantees, auto-debit, reminders, collections, collateral
and the black-list trigger share — their configuration, the services they run on, the reminder
channel port, and the end-of-day steps (`servicing_steps`) that `eod.run_end_of_day` runs after
the loan chunks of each date.

Every step is idempotent for its date: what it does is recorded under a unique key (a debit per
loan, due date and attempt; a reminder per subject, kind and date; a call per guarantee; a margin
call per loan and opening date; a black-list action per line and list entry), so a rerun of the
date after a crash does nothing twice. State changes are audited in the transaction making them.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Protocol

from fengkong.core.clock import Clock
from fengkong.core.errors import FieldError, Invalid
from fengkong.core.money import Fen
from fengkong.lending.collateral import (
    DEFAULT_COLLATERAL_POLICY,
    DEFAULT_HAIRCUTS,
    CollateralPolicy,
    CollateralType,
)
from fengkong.lending.errors import LoanNotFound
from fengkong.lending.loan import LoanState
from fengkong.lending.records import LoanRecord
from fengkong.lending.services import LendingServices
from fengkong.lending.servicing_ports import ContactLookup, LoanLookup, ServicingUnitOfWork

SYSTEM = "system:servicing"
LANGUAGES = ("zh-CN", "en")


class BlacklistAction(StrEnum):
    CLOSE = "close"
    FREEZE = "freeze"


@dataclass(frozen=True, slots=True)
class ServicingConfig:
    """Everything servicing is configured by; the integrator maps settings onto it."""

    guarantee_call_dpd: int = 30  # call the guarantors once a loan is this many days past due
    debit_retry_days: tuple[int, ...] = (1, 3)  # days after the due date a failed debit retries
    remind_before_days: tuple[int, ...] = (3, 1)  # days before a due date
    remind_after_days: tuple[int, ...] = (1, 3, 7)  # days past due
    language: str = "zh-CN"  # of reminders, unless the borrower chose another
    collateral: CollateralPolicy = DEFAULT_COLLATERAL_POLICY
    haircuts: Mapping[CollateralType, Decimal] = field(
        default_factory=lambda: dict(DEFAULT_HAIRCUTS)
    )
    blacklist_action: BlacklistAction = BlacklistAction.CLOSE
    collections_min_dpd: int = 1  # a loan this far past due joins the collections queue
    # How a borrower disputes a rule's action on their line (a hotline, say), named in the line
    # notices; empty names customer service alone.
    dispute_contact: str = ""

    def __post_init__(self) -> None:
        errors: list[FieldError] = []
        if self.guarantee_call_dpd < 1:
            errors.append(FieldError(("guarantee_call_dpd",), "must be ≥ 1"))
        for name in ("debit_retry_days", "remind_before_days", "remind_after_days"):
            days = getattr(self, name)
            if any(d < 1 for d in days) or len(set(days)) != len(days):
                errors.append(FieldError((name,), "distinct whole days ≥ 1"))
        if self.language not in LANGUAGES:
            errors.append(FieldError(("language",), f"one of {', '.join(LANGUAGES)}"))
        if set(self.haircuts) != set(CollateralType):
            errors.append(FieldError(("haircuts",), "need a haircut for every collateral type"))
        if self.collections_min_dpd < 1:
            errors.append(FieldError(("collections_min_dpd",), "must be ≥ 1"))
        if errors:
            raise Invalid(tuple(errors))


# ---- the reminder channel port ------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ReminderMessage:
    """One notification. `phone_masked` is all a log may show; `phone` (clear) travels only to a
    channel that must deliver it (an SMS gateway) and is never part of the repr."""

    reminder_id: str
    subject_type: str  # loan | credit_line | guarantee
    subject_id: str
    kind: str
    language: str
    text: str
    phone_masked: str | None = None
    phone: str | None = field(default=None, repr=False)


@dataclass(frozen=True, slots=True)
class Delivery:
    delivered: bool
    error: str = ""


class ReminderChannel(Protocol):
    name: str

    def send(self, message: ReminderMessage) -> Delivery: ...


class PersonalDataVault(Protocol):
    def encrypt(self, field: str, clear: str) -> str: ...
    def decrypt(self, field: str, token: str) -> str: ...
    def blind_index(self, field: str, clear: str) -> str: ...


# ---- services -------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ServicingServices:
    lending: LendingServices
    vault: PersonalDataVault
    channel: ReminderChannel
    config: ServicingConfig = field(default_factory=ServicingConfig)
    # A unit of work of the same database as `lending.uow`'s, with `servicing` on it too
    # (`db.uow.SqlUnitOfWork` is both); the lending use cases servicing calls open their own.
    uow: Callable[[], ServicingUnitOfWork] = field(kw_only=True)

    @property
    def clock(self) -> Clock:
        return self.lending.clock


@dataclass(frozen=True, slots=True)
class PinnedDate:
    """A clock whose business date is the end-of-day date being run: a repayment taken by an
    end-of-day step (a catch-up run included) is dated the day it belongs to."""

    clock: Clock
    day: date

    def now(self) -> datetime:
        return self.clock.now()

    def business_date(self) -> date:
        return self.day


def lending_on(svc: ServicingServices, day: date) -> LendingServices:
    return replace(svc.lending, clock=PinnedDate(svc.lending.clock, day))


def require_loan(uow: LoanLookup, loan_id: str) -> LoanRecord:
    """The loan a servicing request names, or `LoanNotFound` (404, CLI `loan_not_found`): every
    use case keyed by a loan id asks here first, so an unknown loan is never an empty answer."""
    record = uow.lending.get_loan(loan_id)
    if record is None:
        raise LoanNotFound(f"no loan {loan_id!r}")
    return record


def require_text(value: str, loc: str, max_length: int = 400) -> str:
    if not isinstance(value, str) or not value.strip() or len(value.strip()) > max_length:
        raise Invalid((FieldError((loc,), f"required, 1-{max_length} characters"),))
    return value.strip()


def require_language(language: str | None, config: ServicingConfig) -> str:
    chosen = language or config.language
    if chosen not in LANGUAGES:
        raise Invalid((FieldError(("language",), f"one of {', '.join(LANGUAGES)}"),))
    return chosen


@dataclass(frozen=True, slots=True)
class Contact:
    """How to reach a borrower: the phone as vault ciphertext, and the language they read."""

    phone_enc: str | None
    language: str


def contact_for_loan(uow: ContactLookup, record: LoanRecord, config: ServicingConfig) -> Contact:
    """The borrower of a loan: its application's phone, or the line's bound borrower."""
    if record.application_id is not None:
        application = uow.applications.get(record.application_id)
        if application is not None:
            return Contact(application.phone_enc, config.language)
    if record.line_id is not None:
        keys = uow.servicing.line_borrower(record.line_id)
        if keys is not None:
            return Contact(keys.phone_enc, keys.language)
    return Contact(None, config.language)


def amount_due(state: LoanState, on: date, *, today_included: bool = True) -> Fen:
    """What the borrower owes on `on` by the schedule: principal, scheduled interest (accrued or
    not) and fees of every instalment due by then (today's too unless excluded), plus penalty."""
    return Fen(
        sum(
            p.scheduled_unpaid + p.outstanding.penalty
            for p in state.positions
            if p.due < on or (today_included and p.due == on)
        )
    )


def overdue_amount(state: LoanState, on: date) -> Fen:
    """What fell due before `on` and is still unpaid."""
    return amount_due(state, on, today_included=False)
