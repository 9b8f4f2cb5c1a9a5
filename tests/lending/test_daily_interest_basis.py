"""Daily bases charge a broken first period (or every period) by its days under the day count."""

from datetime import date
from decimal import Decimal

from fengkong.core.money import Fen
from fengkong.lending.daycount import DayCount
from fengkong.lending.schedule import InterestBasis, equal_instalment, equal_principal

START = date(2025, 1, 15)
FIRST_DUE = date(2025, 2, 28)  # 44 days


def test_first_broken_period_by_days() -> None:
    schedule = equal_principal(
        Fen(1_000_000),
        Decimal("0.12"),
        3,
        START,
        FIRST_DUE,
        basis=InterestBasis.FIRST_PERIOD_DAILY,
        day_count=DayCount.ACT_360,
    )
    # 1,000,000 × 0.12 × 44 / 360 = 14,666.67 fen; then a plain month on the balance.
    assert [i.interest for i in schedule] == [14_667, 6_667, 3_333]
    assert [i.due for i in schedule] == [FIRST_DUE, date(2025, 3, 28), date(2025, 4, 28)]


def test_every_period_by_days_act_365() -> None:
    schedule = equal_principal(
        Fen(1_000_000),
        Decimal("0.12"),
        3,
        START,
        FIRST_DUE,
        basis=InterestBasis.DAILY,
        day_count=DayCount.ACT_365F,
    )
    # 44, 28 and 31 days: 14,465.75 / 6,136.99 / 3,397.27 fen.
    assert [i.interest for i in schedule] == [14_466, 6_137, 3_397]


def test_equal_instalment_keeps_monthly_principal_parts_under_daily_basis() -> None:
    monthly = equal_instalment(Fen(1_000_000), Decimal("0.12"), 12, START, FIRST_DUE)
    daily = equal_instalment(
        Fen(1_000_000), Decimal("0.12"), 12, START, FIRST_DUE, basis=InterestBasis.DAILY
    )
    assert [i.principal for i in daily] == [i.principal for i in monthly]
    assert daily[0].interest == 14_667
    # 921,151 × 0.12 × 28 / 360 = 8,597.41 fen, against a flat month's 9,211.51.
    assert (daily[1].interest, monthly[1].interest) == (8_597, 9_212)


def test_monthly_basis_ignores_the_length_of_the_first_period() -> None:
    schedule = equal_principal(Fen(1_000_000), Decimal("0.12"), 3, START, FIRST_DUE)
    assert schedule[0].interest == 10_000
