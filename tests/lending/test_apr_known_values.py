"""The APR is the IRR of the borrower's cash flows; checked on loans whose rate is known."""

from datetime import date, timedelta
from decimal import Decimal
from fractions import Fraction

import pytest

from fengkong.core.errors import Invalid
from fengkong.core.money import Fen
from fengkong.lending.cost import (
    RateConvention,
    annual_percentage_rate,
    borrower_cash_flows,
    monthly_irr,
    xirr,
)
from fengkong.lending.schedule import equal_instalment

START = date(2025, 1, 1)
TEXTBOOK = equal_instalment(Fen(1_000_000), Decimal("0.12"), 12, START)


def npv_in_months(flows: list[tuple[int, int]], rate: Fraction) -> Fraction:
    return sum((Fraction(amount) / (1 + rate) ** month for month, amount in flows), Fraction(0))


def test_textbook_loan_costs_twelve_percent_nominal() -> None:
    flows = borrower_cash_flows(TEXTBOOK, Fen(1_000_000), START)
    apr = annual_percentage_rate(flows)
    assert isinstance(apr, Decimal)
    # 888.49 is 888.4879 rounded up, so the rate is a hair above 12 %.
    assert Decimal("0.12") < apr < Decimal("0.120002")
    # Independent check: the exact NPV changes sign within 1e-10 of the monthly rate.
    by_month = [(0, 1_000_000)] + [(i.number, -i.total) for i in TEXTBOOK]
    monthly = Fraction(monthly_irr(flows))
    assert npv_in_months(by_month, monthly - Fraction(1, 10**10)) < 0
    assert npv_in_months(by_month, monthly + Fraction(1, 10**10)) > 0
    assert apr == (monthly_irr(flows) * 12).quantize(Decimal("1e-12"))


def test_exact_one_percent_a_month() -> None:
    # 31 Jan → 28 Feb counts as one whole month, as schedules roll.
    flows = [(date(2025, 1, 31), 10_000), (date(2025, 2, 28), -10_100)]
    assert monthly_irr(flows) == Decimal("0.01")
    assert annual_percentage_rate(flows) == Decimal("0.12")


def test_effective_annual_convention() -> None:
    flows = borrower_cash_flows(TEXTBOOK, Fen(1_000_000), START)
    effective = annual_percentage_rate(flows, RateConvention.EFFECTIVE_ANNUAL)
    assert effective == xirr(flows)
    # Near (1.01)^12 − 1 = 12.6825 %; real month lengths move it a little.
    assert Decimal("0.126") < effective < Decimal("0.128")


def test_xirr_of_one_year_at_ten_percent() -> None:
    flows = [(date(2023, 1, 1), 1_000_000), (date(2024, 1, 1), -1_100_000)]
    assert xirr(flows) == Decimal("0.1")


def test_up_front_fee_raises_the_rate() -> None:
    fee = Fen(20_000)  # 2 % deducted from the payout
    flows = borrower_cash_flows(TEXTBOOK, Fen(1_000_000 - fee), START)
    apr = annual_percentage_rate(flows)
    by_month = [(0, 1_000_000 - fee)] + [(i.number, -i.total) for i in TEXTBOOK]
    monthly = apr / 12
    assert Decimal("0.158") < apr < Decimal("0.159")
    assert npv_in_months(by_month, Fraction(monthly) - Fraction(1, 10**9)) < 0
    assert npv_in_months(by_month, Fraction(monthly) + Fraction(1, 10**9)) > 0
    assert xirr(flows) > xirr(borrower_cash_flows(TEXTBOOK, Fen(1_000_000), START))


def test_lenders_view_gives_the_same_rate() -> None:
    flows = borrower_cash_flows(TEXTBOOK, Fen(1_000_000), START)
    assert annual_percentage_rate([(d, -a) for d, a in flows]) == annual_percentage_rate(flows)


def test_flows_on_the_same_day_are_netted_and_order_does_not_matter() -> None:
    flows = list(borrower_cash_flows(TEXTBOOK, Fen(1_000_000), START))
    with_fee_line = [(START, 1_000_000), (START, -20_000), *reversed(flows[1:])]
    net = [(START, 980_000), *flows[1:]]
    assert annual_percentage_rate(with_fee_line) == annual_percentage_rate(net)


def test_paying_back_less_than_received_is_a_negative_rate() -> None:
    flows = [(START, 100_000), (START + timedelta(days=365), -90_000)]
    assert xirr(flows) == Decimal("-0.1")


@pytest.mark.parametrize(
    "flows",
    [
        [(START, 100), (date(2025, 2, 1), 100)],
        [(START, 100), (date(2025, 2, 1), -50), (date(2025, 3, 1), 10), (date(2025, 4, 1), -70)],
        [(START, 100), (START, -100)],
        [],
    ],
)
def test_flows_without_a_unique_rate_are_invalid(flows: list[tuple[date, int]]) -> None:
    with pytest.raises(Invalid):
        annual_percentage_rate(flows)


def test_float_amounts_are_refused() -> None:
    with pytest.raises(TypeError):
        annual_percentage_rate([(START, 100.0), (date(2025, 2, 1), -101)])  # type: ignore[list-item]
