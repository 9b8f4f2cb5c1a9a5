"""Ledger checks return findings instead of raising, so stored entries that were tampered with,
or a retry applied twice, are reported together."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

from fengkong.core.money import Fen
from fengkong.ledger.accounts import CASH, PRINCIPAL_RECEIVABLE
from fengkong.ledger.findings import Problem
from fengkong.ledger.journal import (
    CREDIT,
    DEBIT,
    LEDGER_CHECKS,
    EntryKind,
    JournalEntry,
    Posting,
    check_entries_balance,
    check_idempotency_keys_unique,
    check_ledger,
)
from fengkong.ledger.loan_entries import disbursement

DAY = date(2025, 3, 31)


def disb(n: int, key: str) -> JournalEntry:
    return disbursement(
        entry_id=f"je_{n}",
        business_date=DAY,
        loan_id="L1",
        principal=Fen(100_000),
        idempotency_key=key,
    )


def test_balance_and_key_checks_are_listed_first_and_always() -> None:
    assert LEDGER_CHECKS[0] is check_entries_balance
    assert check_idempotency_keys_unique in LEDGER_CHECKS


def test_stored_unbalanced_and_empty_entries_are_reported() -> None:
    # As read back from storage, where nothing stopped a row from being edited.
    good = disb(1, "k1")
    edited = replace(
        good,
        entry_id="je_2",
        idempotency_key="k2",
        postings=(
            Posting(PRINCIPAL_RECEIVABLE, Fen(100_001), DEBIT, "L1"),
            Posting(CASH, Fen(100_000), CREDIT),
        ),
    )
    empty = JournalEntry("je_3", DAY, EntryKind.ACCRUAL, (), "k3")
    negative = replace(
        good,
        entry_id="je_4",
        idempotency_key="k4",
        postings=(Posting(CASH, Fen(-5), DEBIT), Posting(CASH, Fen(-5), CREDIT)),
    )

    findings = check_ledger((good, edited, empty, negative))

    assert [(f.entry_id, f.problem) for f in findings] == [
        ("je_2", Problem.UNBALANCED),
        ("je_3", Problem.EMPTY),
        ("je_4", Problem.NON_POSITIVE_AMOUNT),
        ("je_4", Problem.NON_POSITIVE_AMOUNT),
    ]


def test_a_retry_booked_twice_is_reported() -> None:
    findings = check_ledger((disb(1, "repay-req-9"), disb(2, "other"), disb(3, "repay-req-9")))

    assert [(f.entry_id, f.problem, f.position) for f in findings] == [
        ("je_3", Problem.DUPLICATE_IDEMPOTENCY_KEY, 2)
    ]
