"""Repayments in the database, and the journal entries they post in bulk; on PostgreSQL a
repayment's reads and its writes are one round trip each. Stores never commit."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from fengkong.db.ledger_tables import journal_entries, journal_postings
from fengkong.db.lending_loans import SqlLoans
from fengkong.db.lending_pg import (
    PG_INSERT_ENTRY,
    PG_INSERT_POSTING,
    PG_INSERT_REPAYMENT,
    PG_LOAN,
    PG_REPAYMENT_BY_KEY,
    PG_SAVE_LOAN,
    SAVED_COLUMNS,
    LendingStore,
    driver,
)
from fengkong.db.lending_rows import (
    entry_rows,
    loan_record,
    loan_values,
    posting_rows,
    repayment_record,
    repayment_row,
)
from fengkong.db.lending_tables import repayments
from fengkong.ledger.journal import JournalEntry
from fengkong.lending.errors import DuplicateKey, StaleLoan
from fengkong.lending.records import LoanRecord, RepaymentRecord


class SqlRepayments(SqlLoans, LendingStore):
    # -- a repayment in two round trips (PostgreSQL)

    def repayment_and_loan(
        self, key: str, loan_id: str
    ) -> tuple[RepaymentRecord | None, LoanRecord | None]:
        """The repayment stored under idempotency key `key`, if any, and the loan, locked: on
        PostgreSQL both statements go in one round trip (with the transaction's BEGIN), the
        loan's `FOR UPDATE` first, so the key is read once a concurrent request on the loan has
        committed (each statement reads what is committed when it starts)."""
        if not self._copies:
            locked = self.lock_loan(loan_id)
            return self.repayment_by_key(key), locked
        from psycopg.rows import dict_row, namedtuple_row  # PostgreSQL only: not loaded on SQLite

        connection = driver(self.session)
        with (
            connection.cursor(row_factory=namedtuple_row) as by_key,
            connection.cursor(row_factory=dict_row) as loan,
        ):
            with connection.pipeline():
                loan.execute(PG_LOAN, {"loan_id": loan_id})
                by_key.execute(PG_REPAYMENT_BY_KEY, {"key": key})
            stored, row = by_key.fetchone(), loan.fetchone()
        return (
            None if stored is None else repayment_record(stored),
            None if row is None else loan_record(row),
        )

    def record_repayment(
        self,
        entries: Sequence[JournalEntry],
        request_hash: str,
        loan: LoanRecord,
        repayment: RepaymentRecord,
        now: datetime,
    ) -> LoanRecord:
        """A repayment's writes: its new journal entries (fresh keys, as `post_entries`), the
        loan saved if the row is still at `loan.revision` (else `StaleLoan`) and the repayment
        row (`DuplicateKey` if a concurrent retry took its idempotency key first). On
        PostgreSQL all of it is one round trip; either error leaves the transaction to be
        rolled back, which the unit of work does."""
        if not self._copies:
            self.post_entries(entries, request_hash, now)
            saved = self.save_loan(loan, now)
            self.add_repayment(repayment, now)
            return saved
        import psycopg  # PostgreSQL only: not loaded on SQLite
        from psycopg.types.json import Json

        values = loan_values(loan, now)
        update = {name: values[name] for name in SAVED_COLUMNS if name != "updated_at"}
        update.update(
            state=Json(values["state"]),
            revision=loan.revision + 1,
            updated_at=now,
            b_id=loan.loan_id,
            b_revision=loan.revision,
        )
        connection = driver(self.session)
        try:
            with connection.cursor() as writes, connection.cursor() as moved:
                with connection.pipeline():
                    if entries:
                        writes.executemany(PG_INSERT_ENTRY, entry_rows(entries, request_hash, now))
                        writes.executemany(PG_INSERT_POSTING, posting_rows(entries))
                    moved.execute(PG_SAVE_LOAN, update)
                    writes.execute(PG_INSERT_REPAYMENT, repayment_row(repayment, now))
                updated = moved.rowcount
        except psycopg.errors.UniqueViolation as exc:
            raise DuplicateKey(
                f"idempotency key {repayment.idempotency_key!r} is taken ({exc.diag.constraint_name})"
            ) from exc
        if updated != 1:
            raise StaleLoan(f"loan {loan.loan_id} changed since it was read; retry")
        return replace(loan, revision=loan.revision + 1)

    def repayment_by_key(self, key: str) -> RepaymentRecord | None:
        row = self.session.execute(
            sa.select(repayments).where(repayments.c.idempotency_key == key)
        ).first()
        return None if row is None else repayment_record(row)

    def get_repayment(self, repayment_id: str) -> RepaymentRecord | None:
        row = self.session.execute(
            sa.select(repayments).where(repayments.c.id == repayment_id)
        ).first()
        return None if row is None else repayment_record(row)

    def add_repayment(self, record: RepaymentRecord, now: datetime) -> None:
        try:
            with self.session.begin_nested():
                self.session.execute(
                    repayments.insert().values(
                        id=record.repayment_id,
                        loan_id=record.loan_id,
                        idempotency_key=record.idempotency_key,
                        request_hash=record.request_hash,
                        kind=record.kind.value,
                        amount_fen=int(record.amount),
                        business_date=record.business_date,
                        status=record.status,
                        entry_ids=list(record.entry_ids),
                        result=dict(record.result),
                        reversal_key=record.reversal_key,
                        reversal_request_hash=record.reversal_request_hash,
                        created_at=now,
                    )
                )
        except IntegrityError as exc:
            raise DuplicateKey(f"idempotency key {record.idempotency_key!r} is taken") from exc

    def save_repayment(self, record: RepaymentRecord) -> None:
        try:
            with self.session.begin_nested():
                self.session.execute(
                    repayments.update()
                    .where(repayments.c.id == record.repayment_id)
                    .values(
                        status=record.status,
                        result=dict(record.result),
                        reversal_key=record.reversal_key,
                        reversal_request_hash=record.reversal_request_hash,
                    )
                )
        except IntegrityError as exc:
            raise DuplicateKey(f"reversal key {record.reversal_key!r} is taken") from exc

    # -- journal, in bulk

    def post_entries(
        self, entries: Sequence[JournalEntry], request_hash: str, posted_at: datetime
    ) -> None:
        """Insert many new entries in two statements. Unlike `SqlJournal.post` this does not
        answer a retry: a repeated idempotency key fails the whole transaction, which is what
        end of day wants (it never posts a key twice, and a clash means a bug, not a retry)."""
        if not entries:
            return
        self.session.execute(journal_entries.insert(), entry_rows(entries, request_hash, posted_at))
        self.session.execute(journal_postings.insert(), posting_rows(entries))
