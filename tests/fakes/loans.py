"""In-memory twins of `db/lending_loans.py` and `db/lending_repayments.py`: loans saved against
their revision (`StaleLoan` otherwise), schedules, contracts, payouts and repayments, each
idempotency key unique (`lending.errors.DuplicateKey` when taken), and the journal entries a
repayment or end of day posts in bulk."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime

from fakes.records import DuplicateKey as RowTaken
from fakes.tables import PostedEntry, StoredPayout, Tables
from fengkong.ledger.journal import JournalEntry
from fengkong.lending.contract import Contract
from fengkong.lending.errors import DuplicateKey, StaleLoan
from fengkong.lending.records import LoanRecord, PayoutRecord, RepaymentRecord
from fengkong.lending.schedule import Instalment


def unique(tables: Tables, column: str, value: str | None, row: str) -> None:
    """Take `value` of the unique `column` ("table.column") for `row`, or `DuplicateKey`."""
    if value is None:
        return
    key = f"{column}:{value}"
    held = tables.lending_keys.get(key)
    if held is not None and held != row:
        raise DuplicateKey(f"{column} {value!r} is taken")
    tables.lending_keys[key] = row


def release(tables: Tables, column: str, value: str | None) -> None:
    if value is not None:
        tables.lending_keys.pop(f"{column}:{value}", None)


class MemoryLoans:
    def __init__(self, tables: Tables) -> None:
        self.tables = tables

    # -- loans

    def add_loan(self, record: LoanRecord, now: datetime) -> None:
        if record.loan_id in self.tables.loans:
            raise DuplicateKey(f"loan {record.loan_id} clashes with a stored one")
        # Check every unique column before taking any, as one INSERT would.
        for column, value in self._loan_keys(record):
            if value is not None and f"{column}:{value}" in self.tables.lending_keys:
                raise DuplicateKey(f"loan {record.loan_id} clashes with a stored one")
        for column, value in self._loan_keys(record):
            unique(self.tables, column, value, record.loan_id)
        self.tables.loans[record.loan_id] = record

    @staticmethod
    def _loan_keys(record: LoanRecord) -> tuple[tuple[str, str | None], ...]:
        return (
            ("loans.application_id", record.application_id),
            ("loans.acceptance_key", record.acceptance_key),
        )

    def get_loan(self, loan_id: str) -> LoanRecord | None:
        return self.tables.loans.get(loan_id)

    def lock_loan(self, loan_id: str) -> LoanRecord | None:
        """No lock here: the loser of a race fails at commit and the use case retries."""
        return self.get_loan(loan_id)

    def loan_for_application(self, application_id: str) -> LoanRecord | None:
        loan_id = self.tables.lending_keys.get(f"loans.application_id:{application_id}")
        return None if loan_id is None else self.tables.loans.get(loan_id)

    def save_loan(self, record: LoanRecord, now: datetime) -> LoanRecord:
        """Write the record if the row is still at `record.revision`; else `StaleLoan`. What
        identifies the loan (its application and acceptance key) never changes."""
        stored = self._at_revision(record)
        self.tables.loans[record.loan_id] = replace(
            record,
            revision=record.revision + 1,
            application_id=stored.application_id,
            acceptance_key=stored.acceptance_key,
        )
        return replace(record, revision=record.revision + 1)

    def _at_revision(self, record: LoanRecord) -> LoanRecord:
        stored = self.tables.loans.get(record.loan_id)
        if stored is None or stored.revision != record.revision:
            raise StaleLoan(f"loan {record.loan_id} changed since it was read; retry")
        return stored

    def worst_dpd_on_line(self, line_id: str) -> int:
        return max(
            (
                r.days_past_due
                for r in self.tables.loans.values()
                if r.line_id == line_id and r.stage.value == "active"
            ),
            default=0,
        )

    # -- schedules and contracts

    def set_instalments(self, loan_id: str, instalments: Sequence[Instalment]) -> None:
        self.tables.instalments[loan_id] = tuple(sorted(instalments, key=lambda i: i.number))

    def instalments(self, loan_id: str) -> tuple[Instalment, ...]:
        return self.tables.instalments.get(loan_id, ())

    def add_contract(self, contract: Contract, now: datetime) -> None:
        if contract.loan_id in self.tables.contracts:
            raise RowTaken(f"loan_contracts: {contract.loan_id!r} is taken")
        self.tables.contracts[contract.loan_id] = contract

    def contract(self, loan_id: str) -> Contract | None:
        return self.tables.contracts.get(loan_id)

    # -- payouts

    def payout_by_key(self, key: str) -> PayoutRecord | None:
        payout_id = self.tables.lending_keys.get(f"payouts.idempotency_key:{key}")
        return None if payout_id is None else self.tables.payouts[payout_id].payout

    def payouts_for_loan(self, loan_id: str) -> tuple[PayoutRecord, ...]:
        rows = [p for p in self.tables.payouts.values() if p.payout.loan_id == loan_id]
        return tuple(p.payout for p in sorted(rows, key=lambda p: p.created_at))

    def save_payout(self, payout: PayoutRecord, now: datetime) -> None:
        """Update the payout's standing, or store it new; what it pays never changes."""
        stored = self.tables.payouts.get(payout.payout_id)
        if stored is not None:
            old = stored.payout
            new = replace(
                old,
                status=payout.status,
                attempts=payout.attempts,
                reference=payout.reference,
                last_error=payout.last_error,
            )
            self.tables.payouts[payout.payout_id] = replace(stored, payout=new)
            return
        unique(self.tables, "payouts.idempotency_key", payout.idempotency_key, payout.payout_id)
        self.tables.payouts[payout.payout_id] = StoredPayout(payout, now)

    # -- repayments

    def repayment_and_loan(
        self, key: str, loan_id: str
    ) -> tuple[RepaymentRecord | None, LoanRecord | None]:
        return self.repayment_by_key(key), self.get_loan(loan_id)

    def repayment_by_key(self, key: str) -> RepaymentRecord | None:
        repayment_id = self.tables.lending_keys.get(f"repayments.idempotency_key:{key}")
        return None if repayment_id is None else self.tables.repayments[repayment_id]

    def record_repayment(
        self,
        entries: Sequence[JournalEntry],
        request_hash: str,
        loan: LoanRecord,
        repayment: RepaymentRecord,
        now: datetime,
    ) -> LoanRecord:
        """A repayment's entries, the loan (`StaleLoan` if it moved) and the repayment row
        (`DuplicateKey` if its key is taken), all or none: the unit of work rolls back on
        either error, so checking both first is what the database's rollback leaves."""
        self._at_revision(loan)
        taken = self.tables.lending_keys.get(
            f"repayments.idempotency_key:{repayment.idempotency_key}"
        )
        if repayment.repayment_id in self.tables.repayments or taken is not None:
            raise DuplicateKey(f"idempotency key {repayment.idempotency_key!r} is taken")
        self.post_entries(entries, request_hash, now)
        saved = self.save_loan(loan, now)
        self.add_repayment(repayment, now)
        return saved

    def get_repayment(self, repayment_id: str) -> RepaymentRecord | None:
        return self.tables.repayments.get(repayment_id)

    def add_repayment(self, record: RepaymentRecord, now: datetime) -> None:
        if record.repayment_id in self.tables.repayments:
            raise DuplicateKey(f"idempotency key {record.idempotency_key!r} is taken")
        unique(
            self.tables, "repayments.idempotency_key", record.idempotency_key, record.repayment_id
        )
        unique(self.tables, "repayments.reversal_key", record.reversal_key, record.repayment_id)
        self.tables.repayments[record.repayment_id] = replace(record, result=dict(record.result))

    def save_repayment(self, record: RepaymentRecord) -> None:
        """Update the repayment's standing (status, result, reversal); no row, no change."""
        stored = self.tables.repayments.get(record.repayment_id)
        if stored is None:
            return
        if record.reversal_key != stored.reversal_key:
            unique(self.tables, "repayments.reversal_key", record.reversal_key, stored.repayment_id)
            release(self.tables, "repayments.reversal_key", stored.reversal_key)
        self.tables.repayments[record.repayment_id] = replace(
            stored,
            status=record.status,
            result=dict(record.result),
            reversal_key=record.reversal_key,
            reversal_request_hash=record.reversal_request_hash,
        )

    # -- journal, in bulk

    def post_entries(
        self, entries: Sequence[JournalEntry], request_hash: str, posted_at: datetime
    ) -> None:
        """New entries only: a taken entry id or idempotency key is refused (the database's
        integrity error), never answered as a retry (that is `Journal.post`)."""
        journal = self.tables.journal
        keys = {p.entry.idempotency_key for p in journal.values()}
        for e in entries:
            if e.entry_id in journal or e.idempotency_key in keys:
                raise RowTaken(f"journal_entries: {e.entry_id!r} or its key is taken")
            keys.add(e.idempotency_key)
        for e in entries:
            journal[e.entry_id] = PostedEntry(e, request_hash, posted_at)
