"""For any schedule the reported rate is a root of the NPV to 1e-9, checked with exact fractions."""

from datetime import date, timedelta
from decimal import Decimal
from fractions import Fraction

from hypothesis import given, settings
from hypothesis import strategies as st

from fengkong.core.money import Fen
from fengkong.lending.cost import borrower_cash_flows, monthly_irr, xirr
from fengkong.lending.schedule import RepaymentMethod, build_schedule

EPSILON = Fraction(1, 10**9)


def npv(flows: list[tuple[int, int]], rate: Fraction) -> Fraction:
    return sum((Fraction(amount) / (1 + rate) ** t for t, amount in flows), Fraction(0))


@settings(max_examples=60, deadline=None)
@given(
    method=st.sampled_from(RepaymentMethod),
    principal=st.integers(min_value=10_000, max_value=1_000_000_000),
    rate=st.decimals(min_value=0, max_value=Decimal("0.36"), places=4),
    terms=st.integers(min_value=1, max_value=60),
    fee_per_mille=st.integers(min_value=0, max_value=100),
    start=st.dates(min_value=date(2020, 1, 1), max_value=date(2030, 12, 31)),
)
def test_monthly_irr_is_a_root(
    method: RepaymentMethod,
    principal: int,
    rate: Decimal,
    terms: int,
    fee_per_mille: int,
    start: date,
) -> None:
    schedule = build_schedule(method, Fen(principal), rate, terms, start)
    disbursed = principal - principal * fee_per_mille // 1000
    flows = borrower_cash_flows(schedule, Fen(disbursed), start)
    monthly = Fraction(monthly_irr(flows))
    by_month = [(0, disbursed)] + [(i.number, -i.total) for i in schedule]
    assert npv(by_month, monthly - EPSILON) <= 0 <= npv(by_month, monthly + EPSILON)
    if fee_per_mille == 0 and rate > 0:
        # Without fees the loan costs its contract rate, give or take the fen rounding.
        assert abs(monthly * 12 - Fraction(rate)) < Fraction(1, 1000)


@settings(max_examples=60, deadline=None)
@given(
    received=st.integers(min_value=1, max_value=10**10),
    payments=st.lists(st.integers(min_value=0, max_value=10**10), min_size=1, max_size=8),
)
def test_xirr_is_a_root_on_whole_years(received: int, payments: list[int]) -> None:
    # Loan-like: the borrower pays back at least half of what was received.
    payments[-1] += max(0, (received + 1) // 2 - sum(payments))
    origin = date(2021, 3, 1)
    flows = [(origin, received)] + [
        (origin + timedelta(days=365 * year), -amount)
        for year, amount in enumerate(payments, start=1)
    ]
    by_year = [(0, received)] + [(year, -a) for year, a in enumerate(payments, start=1)]
    rate = Fraction(xirr(flows))
    assert npv(by_year, rate - EPSILON) <= 0 <= npv(by_year, rate + EPSILON)
