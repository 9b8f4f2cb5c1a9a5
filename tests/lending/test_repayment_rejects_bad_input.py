"""Bad repayments are refused with a typed error and the loan unchanged."""

from datetime import date

import pytest

from fengkong.core.errors import Conflict, Invalid
from fengkong.lending.accrual import accrue
from fengkong.lending.delinquency import write_off
from fengkong.lending.loan import Backdated, LoanNotActive
from fengkong.lending.waterfall import (
    DuplicateRepayment,
    UnknownRepayment,
    apply_repayment,
    reverse_repayment,
)
from lending.servicing_helpers import loan

ON = date(2025, 3, 1)


@pytest.mark.parametrize("amount", [0, -100, 1.5, True, "100"])
def test_amount_must_be_positive_fen(amount: object) -> None:
    with pytest.raises(Invalid):
        apply_repayment(loan(), amount, ON, "r1")  # type: ignore[arg-type]


def test_duplicate_repayment_id() -> None:
    state = apply_repayment(loan(), 100, ON, "r1").state
    with pytest.raises(DuplicateRepayment):
        apply_repayment(state, 100, ON, "r1")


def test_backdated_repayment() -> None:
    state = accrue(loan(), ON).state
    with pytest.raises(Backdated):
        apply_repayment(state, 100, date(2025, 2, 28), "r1")


def test_closed_loan_takes_no_repayment() -> None:
    written_off = write_off(loan(), ON, "fraud confirmed", policy=None).state
    with pytest.raises(LoanNotActive):
        apply_repayment(written_off, 100, ON, "r1")
    assert isinstance(LoanNotActive("x"), Conflict)


def test_unknown_repayment_cannot_be_reversed() -> None:
    with pytest.raises(UnknownRepayment):
        reverse_repayment(loan(), "nope", ON)
