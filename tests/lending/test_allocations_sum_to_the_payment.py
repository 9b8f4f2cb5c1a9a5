"""Whatever happens to a loan, every payment is allocated to the fen and nothing goes negative."""

from datetime import timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from fengkong.lending.loan import (
    CreditApplied,
    LoanState,
    LoanStatus,
    RepaymentApplied,
    Transition,
)
from fengkong.lending.waterfall import (
    Waterfall,
    WaterfallStyle,
    apply_credit,
    apply_repayment,
    settle,
    settlement_quote,
)
from lending.servicing_helpers import START, loans, no_negative_amounts

operations = st.lists(
    st.tuples(
        st.sampled_from(("repay", "credit", "settle")),
        st.integers(min_value=0, max_value=60),
        st.integers(min_value=1, max_value=2_000_000),
    ),
    min_size=1,
    max_size=8,
)


@settings(max_examples=80)
@given(
    state=loans(),
    steps=operations,
    style=st.sampled_from(WaterfallStyle),
)
def test_allocations_sum_and_outstanding_never_negative(
    state: LoanState, steps: list[tuple[str, int, int]], style: WaterfallStyle
) -> None:
    waterfall = Waterfall(style=style)
    on = START
    for index, (operation, gap, amount) in enumerate(steps):
        if state.status is not LoanStatus.ACTIVE:
            break
        on += timedelta(days=gap)
        owed_before = state.unapplied_credit
        result: Transition
        if operation == "repay":
            result = apply_repayment(state, amount, on, f"r{index}", waterfall)
            applied = [e for e in result.events if isinstance(e, RepaymentApplied)]
            assert [e.allocation.total for e in applied] == [amount]
        elif operation == "credit":
            result = apply_credit(state, on, waterfall)
            used = sum(e.allocation.applied for e in result.events if isinstance(e, CreditApplied))
            assert result.state.unapplied_credit == owed_before - used
        else:
            quote = settlement_quote(state, on)
            result = settle(
                state, quote.payable + amount % 100, on, f"s{index}", waterfall=waterfall
            )
            assert result.state.status is LoanStatus.SETTLED
            assert result.state.outstanding.total == 0
            assert result.state.unapplied_credit == amount % 100 + max(
                0, quote.credit - quote.total
            )
        for event in result.events:
            if isinstance(event, RepaymentApplied):
                assert event.allocation.total == event.amount
                assert all(line.amount > 0 for line in event.allocation.lines)
        state = result.state
        assert no_negative_amounts(state)
        assert state.principal_outstanding >= 0
