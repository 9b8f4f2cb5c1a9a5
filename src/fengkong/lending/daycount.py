"""Day-count conventions: how many years lie between two dates, and what one day of interest costs.

`year_fraction` is exact for ACT/360 and the 30/360 family (a terminating decimal); for ACT/365F and
ACT/ACT the quotient is rounded to the current `Decimal` context. Code that must round interest to
the fen without a double rounding uses `year_fraction_exact`, which returns a `Fraction`.

`elapsed_share` is the part of a period that has run by a date, the ratio the accrual spreads an
instalment's interest by; `day_ratio_basis` says when that ratio is a plain ratio of actual days,
which is what lets end of day compute it for a whole batch from date columns.
"""

from __future__ import annotations

import calendar
from datetime import date
from decimal import Decimal
from enum import StrEnum
from fractions import Fraction

from fengkong.core.errors import FieldError, Invalid


class DayCount(StrEnum):
    ACT_365F = "ACT/365F"  # actual days / 365, leap years included
    ACT_360 = "ACT/360"  # actual days / 360; PBoC rule for RMB loans: daily rate = annual / 360
    THIRTY_360 = (
        "30/360"  # ISDA 30/360 (bond basis): day 31 counts as 30, day 31 ends only after 30/31
    )
    THIRTY_E_360 = "30E/360"  # Eurobond basis: every day 31 counts as 30
    ACT_ACT = "ACT/ACT"  # ISDA: days in each calendar year / length of that year


def day_count_days(start: date, end: date, convention: DayCount) -> int:
    """Days between `start` (inclusive) and `end` (exclusive) as the convention counts them."""
    _check_order(start, end)
    if convention in (DayCount.THIRTY_360, DayCount.THIRTY_E_360):
        return _thirty_360_days(start, end, convention)
    return (end - start).days


def year_fraction_exact(start: date, end: date, convention: DayCount) -> Fraction:
    """Years from `start` to `end` under `convention`, as an exact fraction."""
    _check_order(start, end)
    if convention is DayCount.ACT_ACT:
        total = Fraction(0)
        cursor = start
        while cursor < end:
            year_end = date(cursor.year + 1, 1, 1)
            segment_end = min(year_end, end)
            total += Fraction((segment_end - cursor).days, _days_in_year(cursor.year))
            cursor = segment_end
        return total
    return Fraction(day_count_days(start, end, convention), _basis(convention))


def elapsed_share(start: date, day: date, end: date, convention: DayCount) -> Fraction:
    """How much of the period `start`..`end` has run through `day`: `yf(start, day) / yf(start,
    end)` under `convention`, between 0 and 1 (0 for an empty period)."""
    if day <= start:
        return Fraction(0)
    if day >= end:
        return Fraction(1)
    whole = year_fraction_exact(start, end, convention)
    if whole == 0:
        return Fraction(0)
    return min(year_fraction_exact(start, day, convention) / whole, Fraction(1))


def day_ratio_basis(start: date, end: date, convention: DayCount) -> bool:
    """Whether `elapsed_share(start, d, end)` is `(d − start) / (end − start)` in actual days for
    every `d` from `start` to `end`: ACT/365F and ACT/360 always, ACT/ACT while the period stays
    in one calendar year, the 30/360 family never."""
    if convention in (DayCount.ACT_365F, DayCount.ACT_360):
        return True
    if convention is DayCount.ACT_ACT:
        return end <= date(start.year + 1, 1, 1)
    return False


def year_fraction(start: date, end: date, convention: DayCount) -> Decimal:
    """Years from `start` to `end` under `convention`; `end` before `start` is an error."""
    exact = year_fraction_exact(start, end, convention)
    return Decimal(exact.numerator) / Decimal(exact.denominator)


def daily_rate(annual_rate: Decimal, convention: DayCount, on: date | None = None) -> Decimal:
    """One day's interest rate. ACT/ACT needs `on`: a day in a leap year costs annual / 366."""
    if not isinstance(annual_rate, Decimal):
        raise TypeError(f"annual_rate must be a Decimal, not {type(annual_rate).__name__}")
    if convention is DayCount.ACT_ACT:
        if on is None:
            raise Invalid((FieldError(("on",), "ACT/ACT needs the date to know the year length"),))
        return annual_rate / _days_in_year(on.year)
    return annual_rate / _basis(convention)


def _basis(convention: DayCount) -> int:
    return 365 if convention is DayCount.ACT_365F else 360


def _days_in_year(year: int) -> int:
    return 366 if calendar.isleap(year) else 365


def _thirty_360_days(start: date, end: date, convention: DayCount) -> int:
    d1, d2 = start.day, end.day
    if convention is DayCount.THIRTY_E_360:
        d1, d2 = min(d1, 30), min(d2, 30)
    else:
        if d1 == 31:
            d1 = 30
        if d2 == 31 and d1 == 30:
            d2 = 30
    return 360 * (end.year - start.year) + 30 * (end.month - start.month) + (d2 - d1)


def _check_order(start: date, end: date) -> None:
    if end < start:
        raise Invalid((FieldError(("end",), f"end {end} is before start {start}"),))
