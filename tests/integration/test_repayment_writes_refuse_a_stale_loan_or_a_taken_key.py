"""A repayment's reads and writes (`repayment_and_loan`, `record_repayment`), on SQLite and on
PostgreSQL where they are pipelined: a stale loan and an idempotency key already taken are each
refused, and the unit of work leaves the ledger, the loan and the repayments as they were; and a
money operation's read of its loan or line locks it."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal

import pytest
import sqlalchemy as sa

from fengkong.core.money import Fen
from fengkong.db.database import Database
from fengkong.db.uow import SqlUnitOfWork
from fengkong.ledger.accounts import CASH, UNAPPLIED, Side
from fengkong.ledger.journal import EntryKind, JournalEntry, Posting
from fengkong.lending.credit_lines import open_line
from fengkong.lending.disbursement import disburse
from fengkong.lending.errors import DuplicateKey, StaleLoan
from fengkong.lending.origination import accept_offer
from fengkong.lending.records import RepaymentKind, RepaymentRecord
from fengkong.lending.repayment import post_repayment
from lending.test_service_support import (
    assert_books_balance,
    ledger_snapshot,
    lending_services,
    migrated,
    new_clock,
    seed_approved,
)


def _booked(database_url: str) -> tuple[Database, str]:
    db = migrated(database_url)
    clock = new_clock()
    svc = lending_services(db, clock)
    loan_id = accept_offer(seed_approved(db, clock), "a", svc).record.loan_id
    disburse(loan_id, "d", svc)
    post_repayment(loan_id, 10_000, "paid-once", svc)
    return db, loan_id


def _credit(loan_id: str, entry_id: str) -> JournalEntry:
    """Cash held as the borrower's credit: 100.00 yuan, balanced."""
    return JournalEntry(
        entry_id=entry_id,
        business_date=new_clock().business_date(),
        kind=EntryKind.REPAYMENT,
        postings=(
            Posting(CASH, Fen(10_000), Side.DEBIT),
            Posting(UNAPPLIED, Fen(10_000), Side.CREDIT, loan_id),
        ),
        idempotency_key=f"loan:{loan_id}:test:{entry_id}",
    )


def _repayment(loan_id: str, repayment_id: str, key: str) -> RepaymentRecord:
    return RepaymentRecord(
        repayment_id=repayment_id,
        loan_id=loan_id,
        idempotency_key=key,
        request_hash="0" * 64,
        kind=RepaymentKind.REPAYMENT,
        amount=Fen(10_000),
        business_date=new_clock().business_date(),
        status="applied",
        entry_ids=("je_test",),
        result={},
    )


def _stored(db: Database, loan_id: str) -> tuple[object, ...]:
    with SqlUnitOfWork(db) as uow:
        loan = uow.lending.get_loan(loan_id)
        assert loan is not None
        stored = (loan.revision, loan.state, uow.lending.get_repayment("rp_test"))
    return (ledger_snapshot(db), *stored)


def test_reads_the_stored_repayment_and_the_loan_together(database_url: str) -> None:
    db, loan_id = _booked(database_url)
    with SqlUnitOfWork(db) as uow:
        existing, loan = uow.lending.repayment_and_loan("paid-once", loan_id)
        assert existing is not None and existing.loan_id == loan_id
        assert existing.amount == 10_000 and existing.result["amount_fen"] == 10_000
        assert loan is not None and loan.loan_id == loan_id and loan.revision >= 1
        assert uow.lending.repayment_and_loan("never-used", "loan_nope") == (None, None)
    db.dispose()


def test_a_stale_loan_is_refused_and_nothing_is_written(database_url: str) -> None:
    db, loan_id = _booked(database_url)
    before = _stored(db, loan_id)
    with SqlUnitOfWork(db) as uow:
        _, loan = uow.lending.repayment_and_loan("fresh-key", loan_id)
        assert loan is not None
        stale = replace(loan, revision=loan.revision - 1)
        with pytest.raises(StaleLoan):
            uow.lending.record_repayment(
                (_credit(loan_id, "je_test"),),
                "0" * 64,
                stale,
                _repayment(loan_id, "rp_test", "fresh-key"),
                new_clock().now(),
            )
    assert _stored(db, loan_id) == before
    assert_books_balance(db)
    db.dispose()


def test_a_taken_idempotency_key_is_refused_and_nothing_is_written(database_url: str) -> None:
    db, loan_id = _booked(database_url)
    before = _stored(db, loan_id)
    with SqlUnitOfWork(db) as uow:
        _, loan = uow.lending.repayment_and_loan("paid-once", loan_id)
        assert loan is not None
        with pytest.raises(DuplicateKey):
            uow.lending.record_repayment(
                (_credit(loan_id, "je_test"),),
                "0" * 64,
                loan,
                _repayment(loan_id, "rp_test", "paid-once"),
                new_clock().now(),
            )
    assert _stored(db, loan_id) == before
    assert_books_balance(db)
    db.dispose()


def test_a_money_operation_locks_its_loan_and_line(database_url: str) -> None:
    """While one transaction holds a loan (or line) it read for a money operation, another
    cannot take it: on PostgreSQL it waits (here it gives up after 100 ms, to tell); it takes
    it once the first has ended. SQLite's write lock is taken when each transaction begins."""
    if not database_url.startswith("postgresql"):
        pytest.skip("SQLite serialises transactions: they cannot interleave")
    import psycopg

    # The pipelined repayment read raises the driver's error, SQLAlchemy's statements their own.
    timed_out = (sa.exc.OperationalError, psycopg.errors.LockNotAvailable)
    db, loan_id = _booked(database_url)
    svc = lending_services(db, new_clock())
    line_id = open_line(1_000_000, Decimal("0.18"), "line", svc).line_id
    for lock in (
        lambda uow: uow.lending.repayment_and_loan("k", loan_id)[1],
        lambda uow: uow.lending.lock_loan(loan_id),
        lambda uow: uow.lending.lock_line(line_id),
    ):
        with SqlUnitOfWork(db) as holder:
            assert lock(holder) is not None
            with SqlUnitOfWork(db) as waiter:
                waiter.lending.session.execute(sa.text("set local lock_timeout = '100ms'"))
                with pytest.raises(timed_out, match="lock timeout"):
                    lock(waiter)
        with SqlUnitOfWork(db) as after:
            assert lock(after) is not None
    db.dispose()
