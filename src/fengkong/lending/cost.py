"""The all-in cost of a loan: total cost in fen and the annual percentage rate as an IRR.

The APR is the rate that discounts the borrower's cash flows to zero: what the borrower actually
receives (net of any fee deducted up front) is positive at day 0, every instalment is negative.
This is the figure a legal price cap (24 % a year in China) is checked against, so it is solved in
`Decimal` by bisection to 1e-14 and reported to 12 decimals; no float is involved.

Two annualisations, named by `RateConvention`:
- NOMINAL_MONTHLY: the monthly IRR × 12. PBoC Announcement [2021] No. 3 asks lenders to show the
  annualised rate by the IRR method and, unless stated as compound, this simple annualisation is
  the one shown; 10,000 yuan over 12 months at 888.49 a month is 12 %.
- EFFECTIVE_ANNUAL: XIRR, (1 + x)^(days / 365) with ACT/365 days; the same loan comes out near
  (1.01)^12 - 1 ≈ 12.68 %, between 12.6 % and 12.8 % as the calendar spaces its due dates.

For the monthly IRR the time of a flow is counted in months from the first flow: whole months on
the same anchor day (clamped to month end, as schedules roll) plus the fraction of the next month.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date
from decimal import Decimal, localcontext
from enum import StrEnum
from fractions import Fraction
from itertools import pairwise

from fengkong.core.errors import FieldError, Invalid
from fengkong.core.money import Fen
from fengkong.lending.schedule import MONTHS_PER_YEAR, NO_FEE, Instalment, add_months

CashFlow = tuple[date, int]

_PRECISION = 40
_TOLERANCE = Decimal("1e-14")
_RESULT_QUANTUM = Decimal("1e-12")
_DAYS_PER_YEAR = 365


class RateConvention(StrEnum):
    NOMINAL_MONTHLY = "nominal_monthly"
    EFFECTIVE_ANNUAL = "effective_annual"


def annual_percentage_rate(
    cash_flows: Sequence[CashFlow],
    convention: RateConvention = RateConvention.NOMINAL_MONTHLY,
) -> Decimal:
    """The annualised IRR of dated cash flows in fen (as a fraction: 0.12 is 12 %)."""
    if convention is RateConvention.EFFECTIVE_ANNUAL:
        return xirr(cash_flows)
    return (monthly_irr(cash_flows) * MONTHS_PER_YEAR).quantize(_RESULT_QUANTUM)


def monthly_irr(cash_flows: Sequence[CashFlow]) -> Decimal:
    """The rate per month that discounts the flows to zero, time counted in anchored months."""
    flows = _normalise(cash_flows)
    origin = flows[0][0]
    times = tuple((_months_between(origin, day), amount) for day, amount in flows)
    return _solve(times)


def xirr(cash_flows: Sequence[CashFlow]) -> Decimal:
    """The effective annual rate that discounts the flows to zero, time in ACT/365 years."""
    flows = _normalise(cash_flows)
    origin = flows[0][0]
    times = tuple((Fraction((day - origin).days, _DAYS_PER_YEAR), amount) for day, amount in flows)
    return _solve(times)


def borrower_cash_flows(
    schedule: Iterable[Instalment], disbursed: Fen, disbursed_on: date
) -> tuple[CashFlow, ...]:
    """The borrower's view of a loan: `disbursed` received, each instalment total paid."""
    paid = tuple((instalment.due, -instalment.total) for instalment in schedule)
    return ((disbursed_on, int(disbursed)), *paid)


def total_cost(schedule: Iterable[Instalment], fees: Fen = NO_FEE) -> Fen:
    """Interest plus fees the borrower pays over the loan; `fees` are those outside the schedule
    (an origination fee deducted from the payout, say)."""
    return Fen(sum(instalment.interest + instalment.fee for instalment in schedule) + fees)


def _normalise(cash_flows: Sequence[CashFlow]) -> tuple[CashFlow, ...]:
    """Flows merged by date, zeros dropped, in date order; refuses what has no unique IRR."""
    merged: dict[date, int] = {}
    for index, (day, amount) in enumerate(cash_flows):
        if isinstance(amount, bool) or not isinstance(amount, int):
            raise TypeError(f"cash flow {index} must be integer fen, not {type(amount).__name__}")
        merged[day] = merged.get(day, 0) + amount
    flows = tuple((day, merged[day]) for day in sorted(merged) if merged[day] != 0)
    signs = [amount > 0 for _, amount in flows]
    changes = sum(1 for before, after in pairwise(signs) if before != after)
    # Descartes' rule of signs (it holds for real exponents too): one change, exactly one root.
    if changes != 1:
        raise Invalid(
            (
                FieldError(
                    ("cash_flows",),
                    "cash flows must change sign exactly once in date order "
                    f"(money in, then money out); they change {changes} times",
                ),
            )
        )
    return flows


def _months_between(origin: date, day: date) -> Fraction:
    whole = (day.year - origin.year) * MONTHS_PER_YEAR + (day.month - origin.month)
    while add_months(origin, whole) > day:
        whole -= 1
    month_start = add_months(origin, whole)
    month_end = add_months(origin, whole + 1)
    return whole + Fraction((day - month_start).days, (month_end - month_start).days)


def _solve(times: tuple[tuple[Fraction, int], ...]) -> Decimal:
    """Bisection for the rate i > -1 with sum(amount · (1 + i)^-t) = 0."""
    with localcontext() as ctx:
        ctx.prec = _PRECISION
        exponents = tuple(
            (Decimal(t.numerator) / Decimal(t.denominator), Decimal(amount)) for t, amount in times
        )

        def npv(rate: Decimal) -> Decimal:
            log_growth = (1 + rate).ln()
            return sum((amount * (-t * log_growth).exp() for t, amount in exponents), Decimal(0))

        low, high = Decimal("-0.5"), Decimal(1)
        npv_low, npv_high = npv(low), npv(high)
        # With one sign change, npv at high rates takes the sign of the first flow and near -1
        # the sign of the last, so widening both ends must bracket the root.
        for _ in range(200):
            if (npv_low > 0) != (npv_high > 0) or npv_low == 0 or npv_high == 0:
                break
            low = -1 + (1 + low) / 4
            high = high * 4
            npv_low, npv_high = npv(low), npv(high)
        else:
            raise Invalid((FieldError(("cash_flows",), "no rate discounts these flows to zero"),))
        if npv_low == 0:
            return low.quantize(_RESULT_QUANTUM)
        if npv_high == 0:
            return high.quantize(_RESULT_QUANTUM)
        while high - low > _TOLERANCE:
            middle = (low + high) / 2
            npv_middle = npv(middle)
            if npv_middle == 0:
                return middle.quantize(_RESULT_QUANTUM)
            if (npv_middle > 0) == (npv_low > 0):
                low, npv_low = middle, npv_middle
            else:
                high = middle
        return ((low + high) / 2).quantize(_RESULT_QUANTUM)
