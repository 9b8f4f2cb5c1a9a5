"""`delinquency` ages a loan as of the date its state is accrued through: the loan's DPD is its
oldest unpaid instalment's, the largest of the instalments' DPD, and bucket and class follow it;
a loan no longer active is 0 days past due throughout."""

from __future__ import annotations

from datetime import timedelta

from hypothesis import given
from hypothesis import strategies as st

from fengkong.lending.accrual import accrue
from fengkong.lending.delinquency import (
    classify_loan,
    days_past_due,
    delinquency,
    dpd_bucket,
    instalment_days_past_due,
)
from fengkong.lending.loan import LoanState, LoanStatus
from fengkong.lending.waterfall import apply_repayment
from lending.servicing_helpers import loans


@given(loans(), st.integers(0, 500), st.integers(0, 2_000_000))
def test_one_answer_as_of_the_accrued_date(state: LoanState, days: int, paid: int) -> None:
    on = state.accrued_through + timedelta(days=days)
    state = accrue(state, on).state
    if paid and state.status is LoanStatus.ACTIVE:
        state = apply_repayment(state, paid, on, "r1").state
    aged = delinquency(state)
    assert aged.as_of == state.accrued_through == on
    assert aged.days_past_due == days_past_due(state, on) == max(aged.instalments, default=0)
    assert aged.bucket == dpd_bucket(aged.days_past_due)
    assert aged.loan_class == classify_loan(state, on)
    if state.status is LoanStatus.ACTIVE:
        assert aged.instalments == tuple(instalment_days_past_due(p, on) for p in state.positions)
    else:
        assert aged.days_past_due == 0 and set(aged.instalments) <= {0}
