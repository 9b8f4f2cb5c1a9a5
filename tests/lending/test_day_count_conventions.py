"""Year fractions and daily rates for each day-count convention, on hand-checked dates."""

from datetime import date
from decimal import Decimal
from fractions import Fraction

import pytest

from fengkong.core.errors import Invalid
from fengkong.lending.daycount import (
    DayCount,
    daily_rate,
    day_count_days,
    year_fraction,
    year_fraction_exact,
)

# start, end, convention, days as counted, year fraction
CASES = [
    (date(2025, 1, 1), date(2025, 7, 1), DayCount.ACT_365F, 181, Fraction(181, 365)),
    (date(2024, 1, 1), date(2025, 1, 1), DayCount.ACT_365F, 366, Fraction(366, 365)),
    (date(2025, 1, 1), date(2025, 7, 1), DayCount.ACT_360, 181, Fraction(181, 360)),
    (date(2025, 1, 31), date(2025, 2, 28), DayCount.THIRTY_360, 28, Fraction(28, 360)),
    (date(2025, 1, 30), date(2025, 3, 31), DayCount.THIRTY_360, 60, Fraction(60, 360)),
    (date(2025, 2, 28), date(2025, 3, 31), DayCount.THIRTY_360, 33, Fraction(33, 360)),
    (date(2025, 2, 28), date(2025, 3, 31), DayCount.THIRTY_E_360, 32, Fraction(32, 360)),
    (date(2025, 1, 31), date(2025, 3, 31), DayCount.THIRTY_E_360, 60, Fraction(60, 360)),
    (date(2025, 1, 15), date(2026, 1, 15), DayCount.THIRTY_360, 360, Fraction(1)),
    (
        date(2023, 12, 1),
        date(2024, 2, 1),
        DayCount.ACT_ACT,
        62,
        Fraction(31, 365) + Fraction(31, 366),
    ),
    (date(2024, 1, 1), date(2026, 1, 1), DayCount.ACT_ACT, 731, Fraction(2)),
]


@pytest.mark.parametrize(("start", "end", "convention", "days", "years"), CASES)
def test_year_fraction(
    start: date, end: date, convention: DayCount, days: int, years: Fraction
) -> None:
    assert day_count_days(start, end, convention) == days
    assert year_fraction_exact(start, end, convention) == years
    decimal_years = year_fraction(start, end, convention)
    assert isinstance(decimal_years, Decimal)
    assert abs(Fraction(decimal_years) - years) < Fraction(1, 10**20)


def test_same_day_is_zero_years() -> None:
    for convention in DayCount:
        assert year_fraction(date(2025, 5, 5), date(2025, 5, 5), convention) == 0


def test_end_before_start_is_invalid() -> None:
    with pytest.raises(Invalid):
        year_fraction(date(2025, 5, 5), date(2025, 5, 4), DayCount.ACT_365F)


def test_daily_rate() -> None:
    assert daily_rate(Decimal("0.18"), DayCount.ACT_360) == Decimal("0.0005")
    assert daily_rate(Decimal("0.365"), DayCount.ACT_365F) == Decimal("0.001")
    assert daily_rate(Decimal("0.36"), DayCount.THIRTY_360) == Decimal("0.001")
    assert daily_rate(Decimal("0.366"), DayCount.ACT_ACT, on=date(2024, 6, 1)) == Decimal("0.001")
    assert daily_rate(Decimal("0.365"), DayCount.ACT_ACT, on=date(2025, 6, 1)) == Decimal("0.001")


def test_act_act_daily_rate_needs_a_date() -> None:
    with pytest.raises(Invalid):
        daily_rate(Decimal("0.12"), DayCount.ACT_ACT)


def test_daily_rate_refuses_float() -> None:
    with pytest.raises(TypeError):
        daily_rate(0.12, DayCount.ACT_360)  # type: ignore[arg-type]
