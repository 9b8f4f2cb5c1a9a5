"""Reversing repayments, latest first, gives back the loan as if they had never been made."""

from datetime import date, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from fengkong.core.errors import Conflict
from fengkong.lending.accrual import accrue
from fengkong.lending.loan import LoanState, PenaltyAccrued, RepaymentReversed
from fengkong.lending.waterfall import apply_repayment, reverse_repayment, settle, settlement_quote
from lending.servicing_helpers import START, loan, loans

payments = st.lists(
    st.tuples(st.integers(min_value=0, max_value=40), st.integers(min_value=1, max_value=600_000)),
    min_size=1,
    max_size=6,
)


@settings(max_examples=60)
@given(state=loans(), steps=payments, first_day=st.integers(min_value=0, max_value=200))
def test_repayments_then_reversals_return_to_the_prior_state(
    state: LoanState, steps: list[tuple[int, int]], first_day: int
) -> None:
    on = START + timedelta(days=first_day)
    prior = accrue(state, on).state
    current = prior
    ids = []
    for index, (gap, amount) in enumerate(steps):
        if current.status.value != "active":
            break
        on += timedelta(days=gap)
        current = apply_repayment(current, amount, on, f"r{index}").state
        ids.append(f"r{index}")
    for repayment_id in reversed(ids):
        current = reverse_repayment(current, repayment_id, on).state
    assert current == accrue(prior, on).state


def test_same_day_reversal_is_exact() -> None:
    on = date(2025, 3, 1)
    before = accrue(loan(), on).state
    after = apply_repayment(before, 123_456, on, "r1").state
    assert reverse_repayment(after, "r1", on).state == before


def test_a_late_reversal_charges_the_penalty_the_payment_had_avoided() -> None:
    paid = apply_repayment(loan(), 88_849, date(2025, 2, 15), "r1").state
    later = accrue(paid, date(2025, 2, 25)).state
    assert later.positions[0].charged.penalty == 0
    result = reverse_repayment(later, "r1", date(2025, 2, 25))
    reversed_event, *catch_up = result.events
    assert isinstance(reversed_event, RepaymentReversed)
    # 788.49 × 18 % × 10/360 = 3.94245 yuan
    assert catch_up == [PenaltyAccrued(date(2025, 2, 25), 1, 394)]  # type: ignore[arg-type]
    assert result.state.positions[0].charged.penalty == 394


def test_a_settlement_can_be_reversed() -> None:
    on = date(2025, 4, 2)
    before = accrue(loan(), on).state
    quote = settlement_quote(before, on)
    settled = settle(before, quote.payable, on, "s1").state
    assert settled.status.value == "settled"
    assert reverse_repayment(settled, "s1", on).state == before


def test_only_the_latest_repayment_can_be_reversed() -> None:
    on = date(2025, 3, 1)
    state = apply_repayment(loan(), 1_000, on, "r1").state
    state = apply_repayment(state, 1_000, on, "r2").state
    with pytest.raises(Conflict):
        reverse_repayment(state, "r1", on)
