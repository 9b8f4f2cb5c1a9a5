"""Every builder's entry balances and passes the ledger checks; the usual movements land on the
right accounts."""

from __future__ import annotations

from datetime import date
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from fengkong.core.money import Fen
from fengkong.ledger.accounts import (
    CASH,
    FEE_INCOME,
    FEE_RECEIVABLE,
    INTEREST_RECEIVABLE,
    LOSS_ALLOWANCE,
    PENALTY_RECEIVABLE,
    PRINCIPAL_RECEIVABLE,
    UNAPPLIED,
    WRITE_OFF_LOSS,
    AccountKey,
)
from fengkong.ledger.journal import JournalEntry, balances, check_ledger
from fengkong.ledger.loan_entries import (
    Receivables,
    RepaymentAllocation,
    disbursement,
    repayment,
    write_off,
)

DAY = date(2025, 3, 31)
IDS: dict[str, Any] = {"business_date": DAY}


@given(data=st.data())
def test_every_built_entry_balances(
    journal_entries: st.SearchStrategy[tuple[JournalEntry, ...]], data: st.DataObject
) -> None:
    entries = data.draw(journal_entries)
    for entry in entries:
        assert entry.postings
        assert entry.total_debits == entry.total_credits
        assert all(p.amount > 0 for p in entry.postings)
    assert check_ledger(entries) == ()


def test_disbursement_pays_principal_in_full_and_bills_the_fee() -> None:
    entry = disbursement(
        entry_id="je_1",
        **IDS,
        loan_id="L1",
        principal=Fen(1_000_000),
        origination_fee=Fen(2_000),
        idempotency_key="disb-L1",
    )

    assert balances([entry]) == {
        AccountKey(PRINCIPAL_RECEIVABLE.code, "L1"): 1_000_000,
        AccountKey(CASH.code): -1_000_000,
        AccountKey(FEE_RECEIVABLE.code, "L1"): 2_000,
        AccountKey(FEE_INCOME.code): 2_000,
    }


def test_repayment_credits_each_waterfall_part() -> None:
    # paid 1,300.00: penalty 5.00, fee 20.00, interest 75.00, principal 1,000.00, 200.00 over
    allocation = RepaymentAllocation(
        penalty=Fen(500),
        fee=Fen(2_000),
        interest=Fen(7_500),
        principal=Fen(100_000),
        overpayment=Fen(20_000),
    )
    entry = repayment(
        entry_id="je_2", **IDS, loan_id="L1", allocation=allocation, idempotency_key="rp-1"
    )

    assert balances([entry]) == {
        AccountKey(CASH.code): 130_000,
        AccountKey(PENALTY_RECEIVABLE.code, "L1"): -500,
        AccountKey(FEE_RECEIVABLE.code, "L1"): -2_000,
        AccountKey(INTEREST_RECEIVABLE.code, "L1"): -7_500,
        AccountKey(PRINCIPAL_RECEIVABLE.code, "L1"): -100_000,
        AccountKey(UNAPPLIED.code, "L1"): 20_000,
    }


def test_write_off_uses_the_allowance_first_then_books_a_loss() -> None:
    # owed 1,000.00 principal + 50.00 interest; 800.00 allowance held for the loan
    entry = write_off(
        entry_id="je_3",
        **IDS,
        loan_id="L1",
        written_off=Receivables(principal=Fen(100_000), interest=Fen(5_000)),
        allowance_available=Fen(80_000),
        idempotency_key="wo-L1",
    )

    assert balances([entry]) == {
        AccountKey(LOSS_ALLOWANCE.code, "L1"): -80_000,
        AccountKey(WRITE_OFF_LOSS.code): 25_000,
        AccountKey(PRINCIPAL_RECEIVABLE.code, "L1"): -100_000,
        AccountKey(INTEREST_RECEIVABLE.code, "L1"): -5_000,
    }
