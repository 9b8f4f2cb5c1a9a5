"""Repayment schedules: pure functions from (principal, rate, terms, dates) to instalments.

Conventions, stated once:
- Periods are calendar months. Due dates fall on the anchor day (the day of `first_due`, else of
  `start`) of each month, clamped to the month's last day: 31 Jan → 29 Feb → 31 Mar.
- `InterestBasis.MONTHLY` (default): every period charges annual / 12 on the opening balance,
  whatever its length in days; this is the rate the annuity formula uses.
  `FIRST_PERIOD_DAILY` charges the first (broken) period by the day count and the rest monthly;
  `DAILY` charges every period by the day count. In both daily bases the principal parts still
  follow the monthly schedule, so only the interest (and the total) of an instalment moves.
- Interest, instalment amounts and fee parts are rounded HALF_UP to the fen (ADR 0001, through
  `core.money`), each from its exact value (no double rounding). Principal parts sum exactly to the principal: each level part is
  capped at the balance left, and the last instalment takes whatever remains.
"""

from __future__ import annotations

import calendar
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from enum import StrEnum
from fractions import Fraction

from fengkong.core.errors import FieldError, Invalid
from fengkong.core.money import HALF_UP, Fen, ratio_to_fen, to_fen
from fengkong.lending.daycount import DayCount, year_fraction_exact

MONTHS_PER_YEAR = 12
NO_FEE = Fen(0)


class RepaymentMethod(StrEnum):
    EQUAL_INSTALMENT = "equal_instalment"  # 等额本息
    EQUAL_PRINCIPAL = "equal_principal"  # 等额本金
    INTEREST_ONLY_BULLET = "interest_only_bullet"  # 先息后本


class InterestBasis(StrEnum):
    MONTHLY = "monthly"
    FIRST_PERIOD_DAILY = "first_period_daily"
    DAILY = "daily"


@dataclass(frozen=True, slots=True)
class Instalment:
    """One due date of a schedule. Amounts in fen; `total` is derived so it can never disagree."""

    number: int
    due: date
    principal: Fen
    interest: Fen
    fee: Fen
    opening_principal: Fen
    closing_principal: Fen

    @property
    def total(self) -> Fen:
        return Fen(self.principal + self.interest + self.fee)


def add_months(anchor: date, months: int, day: int | None = None) -> date:
    """`anchor` moved by `months` calendar months onto `day` (default: anchor's day), clamped."""
    wanted_day = anchor.day if day is None else day
    month_index = anchor.year * MONTHS_PER_YEAR + (anchor.month - 1) + months
    year, month0 = divmod(month_index, MONTHS_PER_YEAR)
    last_day = calendar.monthrange(year, month0 + 1)[1]
    return date(year, month0 + 1, min(wanted_day, last_day))


def due_dates(start: date, terms: int, first_due: date | None = None) -> tuple[date, ...]:
    """Monthly due dates, each computed from the anchor, never from the previous (clamped) one."""
    _check_terms(terms)
    if first_due is None:
        return tuple(add_months(start, k) for k in range(1, terms + 1))
    if first_due <= start:
        raise Invalid(
            (FieldError(("first_due",), f"first due date {first_due} must be after {start}"),)
        )
    return tuple(add_months(first_due, k) for k in range(terms))


def equal_instalment(
    principal: Fen,
    annual_rate: Decimal,
    terms: int,
    start: date,
    first_due: date | None = None,
    *,
    basis: InterestBasis = InterestBasis.MONTHLY,
    day_count: DayCount = DayCount.ACT_360,
    fee: Fen = NO_FEE,
) -> tuple[Instalment, ...]:
    """等额本息: a level payment P·r / (1 − (1+r)^−n), r = annual / 12, rounded HALF_UP to the fen.

    Every instalment but the last totals that payment (under the monthly basis); the last pays off
    the balance, so it differs by the accumulated rounding (a few fen on ordinary loans).
    `fee` is a total spread over the instalments like the principal of `equal_principal`.
    """
    rate = _check_inputs(principal, annual_rate, terms, fee)
    dues = due_dates(start, terms, first_due)
    monthly = rate / MONTHS_PER_YEAR
    if monthly == 0:
        payment = to_fen(Fraction(principal, terms), HALF_UP)
    else:
        growth = (1 + monthly) ** terms
        payment = to_fen(principal * monthly * growth / (growth - 1), HALF_UP)
    p, q = monthly.numerator, monthly.denominator
    principal_parts: list[Fen] = []
    balance = principal
    for number in range(1, terms + 1):
        if number == terms:
            part = balance
        else:
            part = min(Fen(payment - ratio_to_fen(balance * p, q, HALF_UP)), balance)
        principal_parts.append(part)
        balance = Fen(balance - part)
    return _assemble(principal, rate, start, dues, principal_parts, basis, day_count, fee)


def equal_principal(
    principal: Fen,
    annual_rate: Decimal,
    terms: int,
    start: date,
    first_due: date | None = None,
    *,
    basis: InterestBasis = InterestBasis.MONTHLY,
    day_count: DayCount = DayCount.ACT_360,
    fee: Fen = NO_FEE,
) -> tuple[Instalment, ...]:
    """等额本金: principal / n a month (HALF_UP, last takes the rest), interest on the balance."""
    rate = _check_inputs(principal, annual_rate, terms, fee)
    dues = due_dates(start, terms, first_due)
    parts = _level_parts(principal, terms)
    return _assemble(principal, rate, start, dues, parts, basis, day_count, fee)


def interest_only_bullet(
    principal: Fen,
    annual_rate: Decimal,
    terms: int,
    start: date,
    first_due: date | None = None,
    *,
    basis: InterestBasis = InterestBasis.MONTHLY,
    day_count: DayCount = DayCount.ACT_360,
    fee: Fen = NO_FEE,
) -> tuple[Instalment, ...]:
    """先息后本: interest only each month, the whole principal with the last instalment."""
    rate = _check_inputs(principal, annual_rate, terms, fee)
    dues = due_dates(start, terms, first_due)
    parts = [Fen(0)] * (terms - 1) + [principal]
    return _assemble(principal, rate, start, dues, parts, basis, day_count, fee)


ScheduleBuilder = Callable[..., tuple[Instalment, ...]]

SCHEDULE_BUILDERS: dict[RepaymentMethod, ScheduleBuilder] = {
    RepaymentMethod.EQUAL_INSTALMENT: equal_instalment,
    RepaymentMethod.EQUAL_PRINCIPAL: equal_principal,
    RepaymentMethod.INTEREST_ONLY_BULLET: interest_only_bullet,
}


def build_schedule(
    method: RepaymentMethod,
    principal: Fen,
    annual_rate: Decimal,
    terms: int,
    start: date,
    first_due: date | None = None,
    *,
    basis: InterestBasis = InterestBasis.MONTHLY,
    day_count: DayCount = DayCount.ACT_360,
    fee: Fen = NO_FEE,
) -> tuple[Instalment, ...]:
    """The schedule for `method`; the same arguments as the builder it dispatches to."""
    try:
        builder = SCHEDULE_BUILDERS[RepaymentMethod(method)]
    except ValueError as exc:
        allowed = ", ".join(m.value for m in RepaymentMethod)
        raise Invalid(
            (FieldError(("method",), f"unknown repayment method {method!r}; one of {allowed}"),)
        ) from exc
    return builder(
        principal, annual_rate, terms, start, first_due, basis=basis, day_count=day_count, fee=fee
    )


def _assemble(
    principal: Fen,
    rate: Fraction,
    start: date,
    dues: tuple[date, ...],
    principal_parts: list[Fen],
    basis: InterestBasis,
    day_count: DayCount,
    fee: Fen,
) -> tuple[Instalment, ...]:
    fee_parts = _level_parts(fee, len(dues)) if fee else [Fen(0)] * len(dues)
    instalments: list[Instalment] = []
    balance = principal
    period_start = start
    monthly = rate / MONTHS_PER_YEAR
    for index, (due, part, fee_part) in enumerate(
        zip(dues, principal_parts, fee_parts, strict=True)
    ):
        daily = basis is InterestBasis.DAILY or (
            basis is InterestBasis.FIRST_PERIOD_DAILY and index == 0
        )
        factor = rate * year_fraction_exact(period_start, due, day_count) if daily else monthly
        closing = Fen(balance - part)
        instalments.append(
            Instalment(
                number=index + 1,
                due=due,
                principal=part,
                interest=ratio_to_fen(balance * factor.numerator, factor.denominator, HALF_UP),
                fee=fee_part,
                opening_principal=balance,
                closing_principal=closing,
            )
        )
        balance = closing
        period_start = due
    return tuple(instalments)


def _level_parts(total: Fen, terms: int) -> list[Fen]:
    """`total / terms` HALF_UP per part, capped at what is left; the last part takes the rest."""
    level = to_fen(Fraction(total, terms), HALF_UP)
    parts: list[Fen] = []
    left = total
    for _ in range(terms - 1):
        part = min(level, left)
        parts.append(part)
        left = Fen(left - part)
    parts.append(left)
    return parts


def _check_inputs(principal: Fen, annual_rate: Decimal, terms: int, fee: Fen) -> Fraction:
    if not isinstance(annual_rate, Decimal):
        raise TypeError(f"annual_rate must be a Decimal, not {type(annual_rate).__name__}")
    errors: list[FieldError] = []
    if isinstance(principal, bool) or not isinstance(principal, int) or principal < 1:
        errors.append(
            FieldError(("principal",), f"principal must be at least 1 fen: {principal!r}")
        )
    if not annual_rate.is_finite() or annual_rate < 0:
        errors.append(FieldError(("annual_rate",), f"annual rate must be ≥ 0: {annual_rate}"))
    if isinstance(fee, bool) or not isinstance(fee, int) or fee < 0:
        errors.append(FieldError(("fee",), f"fee must be a non-negative number of fen: {fee!r}"))
    errors.extend(_terms_errors(terms))
    if errors:
        raise Invalid(tuple(errors))
    return Fraction(annual_rate)


def _terms_errors(terms: int) -> list[FieldError]:
    if isinstance(terms, bool) or not isinstance(terms, int) or terms < 1:
        return [FieldError(("terms",), f"terms must be a whole number of months ≥ 1: {terms!r}")]
    return []


def _check_terms(terms: int) -> None:
    errors = _terms_errors(terms)
    if errors:
        raise Invalid(tuple(errors))
