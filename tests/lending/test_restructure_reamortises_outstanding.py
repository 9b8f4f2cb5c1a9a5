"""Restructuring moves exactly the principal outstanding onto a new schedule, with its reason."""

from datetime import date, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from fengkong.core.errors import Invalid
from fengkong.lending.accrual import accrue
from fengkong.lending.loan import LoanState, Restructured, RestructureKind
from fengkong.lending.restructure import extend_term, reamortise
from fengkong.lending.schedule import RepaymentMethod
from fengkong.lending.waterfall import apply_repayment
from lending.servicing_helpers import START, loan, loans, no_negative_amounts


@settings(max_examples=60)
@given(
    state=loans(),
    paid=st.integers(min_value=1, max_value=3_000_000),
    day=st.integers(min_value=1, max_value=400),
    new_terms=st.integers(min_value=1, max_value=36),
    method=st.sampled_from(RepaymentMethod),
)
def test_new_principal_parts_sum_to_the_outstanding_principal(
    state: LoanState, paid: int, day: int, new_terms: int, method: RepaymentMethod
) -> None:
    on = START + timedelta(days=day)
    state = apply_repayment(state, paid, START + timedelta(days=day // 2 + 1), "r1").state
    if state.status.value != "active":
        return
    owed = accrue(state, on).state
    result = reamortise(state, on, new_terms, "hardship", method=method)
    after = result.state
    record = after.restructurings[-1]
    new = [p for p in after.positions if p.number >= record.first_new_instalment]
    assert len(new) == new_terms
    assert sum(p.instalment.principal for p in new) == owed.principal_outstanding
    assert after.principal_outstanding == owed.principal_outstanding
    assert all(p.due > on for p in new)
    # arrears stay owed: interest, fees and penalty are not touched
    assert after.outstanding.interest == owed.outstanding.interest
    assert after.outstanding.penalty == owed.outstanding.penalty
    assert no_negative_amounts(after)
    assert isinstance(result.events[-1], Restructured)


def test_extension_adds_terms_and_records_why() -> None:
    state = apply_repayment(loan(), 88_849, date(2025, 2, 15), "r1").state
    result = extend_term(state, date(2025, 3, 1), 6, "展期: seasonal income")
    record = result.state.restructurings[-1]
    assert record.kind is RestructureKind.EXTENSION
    assert (record.old_terms, record.new_terms) == (11, 17)
    assert record.reason == "展期: seasonal income"
    assert record.outstanding_principal == 921_151
    new = [p for p in result.state.positions if p.number >= record.first_new_instalment]
    assert new[0].due == date(2025, 3, 15)  # the borrower's day of the month is kept
    assert new[-1].due == date(2026, 7, 15)
    # the broken first period (14 days) is charged by the day: 921,151 × 12 % × 14/360
    assert new[0].instalment.interest == 4299
    # the old instalment 2 keeps only the interest earned before the restructuring
    old_second = result.state.position(2)
    assert (old_second.charged.interest, old_second.interest_to_accrue) == (4606, 0)


def test_a_reason_is_required() -> None:
    with pytest.raises(Invalid):
        reamortise(loan(), date(2025, 3, 1), 12, " ")
