"""`new_entry` (and so every builder) refuses, with `Invalid`, an entry that is empty, unbalanced,
or moves a zero, negative or non-integer amount."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from fengkong.core.errors import Invalid
from fengkong.core.money import Fen
from fengkong.ledger.accounts import CASH, INTEREST_INCOME, PRINCIPAL_RECEIVABLE
from fengkong.ledger.journal import CREDIT, DEBIT, EntryKind, Posting, new_entry
from fengkong.ledger.loan_entries import RepaymentAllocation, disbursement, provision, repayment

DAY = date(2025, 3, 31)


def entry(*postings: Posting) -> object:
    return new_entry(
        entry_id="je_1",
        business_date=DAY,
        kind=EntryKind.DISBURSEMENT,
        postings=postings,
        idempotency_key="key_1",
    )


def test_empty_entry_is_refused() -> None:
    with pytest.raises(Invalid, match="postings"):
        entry()


@given(debit=st.integers(1, 10**12), credit=st.integers(1, 10**12))
def test_unbalanced_entry_is_refused(debit: int, credit: int) -> None:
    postings = (
        Posting(PRINCIPAL_RECEIVABLE, Fen(debit), DEBIT, "L1"),
        Posting(CASH, Fen(credit), CREDIT),
    )
    if debit == credit:
        assert entry(*postings)
    else:
        with pytest.raises(Invalid, match="unbalanced"):
            entry(*postings)


@given(amount=st.integers(max_value=0))
def test_zero_or_negative_amount_is_refused_even_when_balanced(amount: int) -> None:
    with pytest.raises(Invalid, match="positive"):
        entry(Posting(CASH, Fen(amount), DEBIT), Posting(INTEREST_INCOME, Fen(amount), CREDIT))


@pytest.mark.parametrize("amount", [1.0, True, "100"])
def test_amount_that_is_not_integer_fen_is_refused(amount: object) -> None:
    with pytest.raises(Invalid, match="integer fen"):
        entry(Posting(CASH, amount, DEBIT), Posting(INTEREST_INCOME, amount, CREDIT))  # type: ignore[arg-type]


def test_per_loan_account_without_loan_id_is_refused() -> None:
    with pytest.raises(Invalid, match="per loan"):
        entry(Posting(PRINCIPAL_RECEIVABLE, Fen(100), DEBIT), Posting(CASH, Fen(100), CREDIT))


@given(amount=st.integers(max_value=0))
def test_builders_refuse_non_positive_amounts(amount: int) -> None:
    ids: dict[str, Any] = {"entry_id": "je_1", "business_date": DAY, "idempotency_key": "k"}
    with pytest.raises(Invalid):
        disbursement(**ids, loan_id="L1", principal=amount)
    with pytest.raises(Invalid):
        repayment(**ids, loan_id="L1", allocation=RepaymentAllocation(principal=Fen(amount)))
    if amount == 0:
        with pytest.raises(Invalid):
            provision(**ids, change=0)
