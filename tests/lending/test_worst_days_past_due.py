"""A loan's worst days past due, as far as its state remembers: the arrears a repayment cleared
still count, so a loan once 90+ days behind stays bad for the model reports."""

from __future__ import annotations

from datetime import date

from fengkong.lending.accrual import accrue
from fengkong.lending.delinquency import days_past_due, worst_days_past_due
from fengkong.lending.waterfall import apply_repayment
from lending.servicing_helpers import loan


def test_arrears_cleared_by_a_repayment_still_count() -> None:
    state = loan()  # booked 2025-01-15, first instalment due 2025-02-15
    assert worst_days_past_due(accrue(state, date(2025, 2, 15)).state) == 0
    late = accrue(state, date(2025, 6, 1)).state
    assert days_past_due(late, date(2025, 6, 1)) == 106  # since 2025-02-15
    cleared = apply_repayment(late, 700_000, date(2025, 6, 1), "r1").state
    later = accrue(cleared, date(2025, 6, 10)).state
    assert days_past_due(later, date(2025, 6, 10)) == 0
    assert worst_days_past_due(later) == 106
    # behind again, by less: the worst stays the first arrears
    again = accrue(later, date(2025, 8, 1)).state
    assert days_past_due(again, date(2025, 8, 1)) < 106 and worst_days_past_due(again) == 106
