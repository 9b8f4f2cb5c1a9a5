"""What a loan's or a credit line's file shows beside its state: the balance its journal postings
leave on each of its ledger sub-accounts, its latest journal entries, and its audit trail (every action recorded on it,
oldest first). Read-only: the officer console's loan and line pages read them."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Protocol

from fengkong.audit.chain import AuditRecord
from fengkong.core.uow import UnitOfWork
from fengkong.ledger.accounts import Account, AccountKey, account_by_code
from fengkong.ledger.journal import JournalEntry
from fengkong.lending.ports import LineBook, LoanReader
from fengkong.lending.services import load_line, load_loan

LOAN_SUBJECT = "loan"
ENTRIES_SHOWN = 200  # the latest; end of day posts about one a day
LINE_SUBJECT = "credit_line"


class AuditTrail(Protocol):
    def for_subject(self, subject_type: str, subject_id: str) -> Sequence[AuditRecord]: ...


class LoanBalances(Protocol):
    def balances(self, loan_id: str | None = None) -> dict[AccountKey, int]: ...
    def entries_of_loan(self, loan_id: str, limit: int) -> Sequence[JournalEntry]: ...


class LoanStores(LoanReader, LineBook, Protocol):
    """The loans and lines a trail is read for (to refuse an unknown id)."""


class TrailUnitOfWork(UnitOfWork, Protocol):
    @property
    def lending(self) -> LoanStores: ...
    @property
    def journal(self) -> LoanBalances: ...
    @property
    def audit(self) -> AuditTrail: ...


# The audit actions end of day writes when a loan's five-tier class moves (`eod_loans`).
CLASS_MOVES = ("loan.reclassified", "loan.written_off")


@dataclass(frozen=True, slots=True)
class ClassMove:
    """A step of the loan's delinquency history: its class moved on a business date."""

    on: str  # the business date, ISO
    days_past_due: int
    bucket: str
    class_before: str
    class_after: str
    written_off: bool


@dataclass(frozen=True, slots=True)
class LoanTrail:
    """A loan's ledger sub-accounts with their balances (signed fen, debits positive), in the
    chart's order, and its audit trail."""

    balances: tuple[tuple[Account, int], ...]
    audit: tuple[AuditRecord, ...]
    entries: tuple[JournalEntry, ...] = ()  # the latest journal entries on it, newest first

    @property
    def delinquency(self) -> tuple[ClassMove, ...]:
        """Each move of the loan's class, oldest first, as end of day recorded it."""
        return tuple(
            ClassMove(
                on=str(r.payload.get("business_date", "")),
                days_past_due=int(r.payload.get("days_past_due", 0)),
                bucket=str(r.payload.get("bucket", "")),
                class_before=str(r.payload.get("class_before", "")),
                class_after=str(r.payload.get("class_after", "")),
                written_off=r.action == "loan.written_off",
            )
            for r in self.audit
            if r.action in CLASS_MOVES
        )


def loan_trail(loan_id: str, uow: Callable[[], TrailUnitOfWork]) -> LoanTrail:
    """The loan's balances by account and its audit records; `LoanNotFound` for an unknown id."""
    with uow() as work:
        load_loan(work.lending, loan_id)
        balances = work.journal.balances(loan_id)
        entries = tuple(work.journal.entries_of_loan(loan_id, ENTRIES_SHOWN))
        records = tuple(work.audit.for_subject(LOAN_SUBJECT, loan_id))
    keys = sorted((k for k in balances if k.loan_id == loan_id), key=AccountKey.sort_key)
    rows = tuple((account_by_code(k.code), balances[k]) for k in keys)
    return LoanTrail(rows, records, entries)


def line_trail(line_id: str, uow: Callable[[], TrailUnitOfWork]) -> tuple[AuditRecord, ...]:
    """The line's audit records, oldest first; `LineNotFound` for an unknown id."""
    with uow() as work:
        load_line(work.lending, line_id)
        return tuple(work.audit.for_subject(LINE_SUBJECT, line_id))


__all__ = ["ClassMove", "LoanTrail", "TrailUnitOfWork", "line_trail", "loan_trail"]
