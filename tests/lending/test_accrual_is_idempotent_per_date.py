"""Accrual for a date is applied once: again changes nothing, and catching up equals day by day."""

from datetime import date, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from fengkong.lending.accrual import accrue
from fengkong.lending.loan import InterestAccrued, LoanState, MoneyEvent, PenaltyAccrued
from fengkong.lending.schedule import RepaymentMethod
from lending.servicing_helpers import START, loan, loans


@settings(max_examples=60)
@given(
    state=loans(),
    days=st.lists(st.integers(min_value=0, max_value=150), min_size=1, max_size=5),
)
def test_same_date_twice_changes_nothing_and_catch_up_matches(
    state: LoanState, days: list[int]
) -> None:
    target = START + timedelta(days=sum(days))
    stepwise = state
    events: list[MoneyEvent] = []
    on = START
    for gap in days:
        on += timedelta(days=gap)
        result = accrue(stepwise, on)
        events.extend(result.events)
        stepwise = result.state
        again = accrue(stepwise, on)
        assert again.state == stepwise and again.events == ()
    direct = accrue(state, target)
    assert stepwise == direct.state
    assert tuple(events) == direct.events
    assert all(e.amount > 0 for e in direct.events)  # type: ignore[union-attr]
    assert [e.on for e in direct.events] == sorted(e.on for e in direct.events)


@settings(max_examples=60)
@given(state=loans())
def test_by_each_due_date_exactly_the_scheduled_interest_has_accrued(state: LoanState) -> None:
    for position in state.positions:
        accrued = accrue(state, position.due)
        charged = accrued.state.position(position.number).charged.interest
        assert charged == position.instalment.interest
        assert (
            sum(
                e.amount
                for e in accrued.events
                if isinstance(e, InterestAccrued) and e.instalment == position.number
            )
            == position.instalment.interest
        )


def test_interest_accrues_pro_rata_over_the_period() -> None:
    # instalment 2 charges 92.12 for 15 Feb - 15 Mar (28 days): 14 days is half of it
    state = accrue(loan(), date(2025, 3, 1)).state
    assert state.positions[1].charged.interest == 4606


def test_no_penalty_within_the_grace_days() -> None:
    state = loan(grace_days=3, late_fee=1000)
    within = accrue(state, date(2025, 2, 18))
    assert not any(isinstance(e, PenaltyAccrued) for e in within.events)
    assert within.state.positions[0].charged.fee == 0
    after = accrue(within.state, date(2025, 2, 19))
    # 788.49 × 18 % / 360 = 0.394245 yuan on the first day after the grace days
    first = [e for e in after.events if getattr(e, "instalment", None) == 1]
    assert [type(e).__name__ for e in first] == ["FeeCharged", "PenaltyAccrued"]
    assert after.state.positions[0].charged.penalty == 39
    assert after.state.positions[0].charged.fee == 1000


def test_daily_penalties_do_not_lose_fractions_of_a_fen() -> None:
    # 100 fen overdue at 18 % costs 0.05 fen a day: rounded daily it would never charge anything
    state = loan(principal=1200, terms=12, rate="0.12", method=RepaymentMethod.EQUAL_PRINCIPAL)
    overdue = accrue(state, date(2025, 2, 15) + timedelta(days=360)).state
    assert overdue.positions[0].charged.penalty == 18  # 100 × 18 % × 360/360
