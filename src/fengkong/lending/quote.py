"""A quote: what a loan under a product costs, before anything is booked.

It applies the product's origination fee the way the product collects it, builds the schedule and
prices the result, so the APR a legal cap is checked against always includes the fee. The
decision's offer (`decision.pricing`) is priced by the same functions: `financing` for the fee and
the schedule, `nominal_apr` for the disclosed APR and `apr_within` for the cap check.

The APR is the monthly IRR × 12 of the borrower's flows (`lending.cost`, PBoC Announcement [2021]
No. 3). When every instalment falls on a whole month from the payout (no broken first period, the
case of every offer), it is solved in closed integer form:
- `apr_within` decides "APR ≤ cap" exactly: with the cap's monthly rate c = p/q, the payments
  discounted at c are at most what was paid out iff
  Σ payment_k · q^k · (q+p)^(N−k) ≤ paid_out · (q+p)^N;
- `nominal_apr` finds the APR by Newton's method in `Decimal` from the left of the root (the NPV
  is convex and falling, so Newton climbs to it without overshooting), rounded to 1e-12.
Otherwise both fall back on `lending.cost`'s dated IRR.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal, localcontext
from fractions import Fraction

from fengkong.core.errors import Invalid
from fengkong.core.money import HALF_UP, Fen, to_fen
from fengkong.lending.cost import (
    RateConvention,
    annual_percentage_rate,
    borrower_cash_flows,
    total_cost,
)
from fengkong.lending.product import FeeCollection, Product, RepaymentMethod
from fengkong.lending.schedule import (
    MONTHS_PER_YEAR,
    NO_FEE,
    Instalment,
    build_schedule,
    due_dates,
)

_APR_QUANTUM = Decimal("1e-12")
_PRECISION = 40


@dataclass(frozen=True, slots=True)
class Quote:
    product_code: str
    product_version: int
    amount: Fen  # what the borrower asked for
    principal: Fen  # what the schedule amortises: amount, plus the fee when it is financed
    disbursed: Fen  # what reaches the borrower: amount, less the fee when it is deducted
    origination_fee: Fen
    annual_rate: Decimal
    schedule: tuple[Instalment, ...]
    total_cost: Fen  # everything repaid minus everything received
    apr: Decimal  # nominal: monthly IRR × 12
    effective_apr: Decimal  # XIRR, ACT/365


@dataclass(frozen=True, slots=True)
class Financing:
    """How a product collects its origination fee on one loan, and the schedule that results:
    the one definition `quote` and the decision's offer (`decision.pricing`) both price."""

    principal: Fen  # amount, plus the fee when it is financed
    disbursed: Fen  # amount, less the fee when it is deducted
    origination_fee: Fen
    outside_schedule: Fen  # the fee not in the instalments (deducted or financed), else 0
    schedule: tuple[Instalment, ...]


@dataclass(frozen=True, slots=True)
class _FeeApplied:
    fee: Fen
    principal: Fen  # amount, plus the fee when it is financed
    disbursed: Fen  # amount, less the fee when it is deducted
    spread: Fen  # the fee when it is spread over the instalments, else 0


def _apply_fee(product: Product, amount: Fen) -> _FeeApplied:
    """The product's origination fee on `amount`, as the product collects it."""
    fee = product.origination_fee.amount(amount)
    collection = product.origination_fee.collection
    return _FeeApplied(
        fee=fee,
        principal=Fen(amount + fee) if collection is FeeCollection.FINANCED else amount,
        disbursed=Fen(amount - fee) if collection is FeeCollection.DEDUCTED else amount,
        spread=fee if collection is FeeCollection.SPREAD else NO_FEE,
    )


def financing(
    product: Product,
    amount: Fen,
    terms: int,
    annual_rate: Decimal,
    start: date,
    first_due: date | None = None,
) -> Financing:
    """Apply the product's origination fee to `amount` as the product collects it and build the
    schedule; the request is not checked against the product here (`quote` does that)."""
    applied = _apply_fee(product, amount)
    schedule = build_schedule(
        product.repayment_method,
        applied.principal,
        annual_rate,
        terms,
        start,
        first_due,
        basis=product.interest_basis,
        day_count=product.day_count,
        fee=applied.spread,
    )
    outside_schedule = Fen(applied.fee - applied.spread)
    return Financing(applied.principal, applied.disbursed, applied.fee, outside_schedule, schedule)


def monthly_instalment(product: Product, amount: Fen, term: int, rate: Decimal) -> Fen:
    """The largest regular instalment of the loan (the bullet of 先息后本 aside), for affordability:
    the level payment on a 30/360 month, without building the schedule."""
    applied = _apply_fee(product, amount)
    principal = Decimal(applied.principal)
    spread = Decimal(applied.spread) / term
    monthly = rate / MONTHS_PER_YEAR
    method = product.repayment_method
    if method is RepaymentMethod.INTEREST_ONLY_BULLET:
        payment = principal * monthly
    elif method is RepaymentMethod.EQUAL_PRINCIPAL or monthly == 0:
        payment = principal / term + (principal * monthly)
    else:
        growth = (1 + monthly) ** term
        payment = principal * monthly * growth / (growth - 1)
    return to_fen(payment + spread, HALF_UP)


def _whole_months(financed: Financing, start: date) -> bool:
    """Does every instalment fall on a whole month from the payout, so the time of each flow in
    anchored months (as `lending.cost` counts it) is its number?"""
    dues = tuple(instalment.due for instalment in financed.schedule)
    return dues == due_dates(start, len(dues))


def _repays_more(financed: Financing) -> bool:
    return sum(i.total for i in financed.schedule) > financed.disbursed


def apr_within(financed: Financing, start: date, cap: Decimal) -> bool:
    """Exactly whether the nominal APR (monthly IRR × 12, fees included) is at most `cap`."""
    if not _whole_months(financed, start):
        return nominal_apr(financed, start) <= cap
    monthly = Fraction(cap) / MONTHS_PER_YEAR
    p, q = monthly.numerator, monthly.denominator
    growth = q + p
    discounted = 0  # Σ pay_k · q^k · (q+p)^(N−k), built by Horner's rule
    q_power = 1
    for instalment in financed.schedule:
        q_power *= q
        discounted = discounted * growth + instalment.total * q_power
    return bool(discounted <= financed.disbursed * growth ** len(financed.schedule))


def nominal_apr(financed: Financing, start: date) -> Decimal:
    """The APR of the loan paid out on `start`: monthly IRR × 12, fees included, to 1e-12."""
    if not (_whole_months(financed, start) and _repays_more(financed)):
        flows = borrower_cash_flows(financed.schedule, financed.disbursed, start)
        return annual_percentage_rate(flows, RateConvention.NOMINAL_MONTHLY)
    payments = [Decimal(i.total) for i in financed.schedule]
    paid_out = Decimal(financed.disbursed)
    with localcontext() as ctx:
        ctx.prec = _PRECISION
        rate = Decimal(0)  # NPV is convex and falling; from the left Newton climbs to the root
        for _ in range(200):
            v = 1 / (1 + rate)
            value, slope, factor = -paid_out, Decimal(0), Decimal(1)
            for k, payment in enumerate(payments, start=1):
                factor *= v
                value += payment * factor
                slope -= k * payment * factor * v
            step = value / slope
            rate -= step
            if abs(step) < Decimal("1e-30"):
                break
        return (rate * MONTHS_PER_YEAR).quantize(_APR_QUANTUM)


def quote(
    product: Product,
    amount: Fen,
    terms: int,
    annual_rate: Decimal,
    start: date,
    first_due: date | None = None,
) -> Quote:
    """Price a loan of `amount` over `terms` months at `annual_rate`, paid out on `start`."""
    errors = product.request_errors(amount, terms, annual_rate)
    if errors:
        raise Invalid(errors)
    financed = financing(product, amount, terms, annual_rate, start, first_due)
    flows = borrower_cash_flows(financed.schedule, financed.disbursed, start)
    return Quote(
        product_code=product.code,
        product_version=product.version,
        amount=amount,
        principal=financed.principal,
        disbursed=financed.disbursed,
        origination_fee=financed.origination_fee,
        annual_rate=annual_rate,
        schedule=financed.schedule,
        total_cost=total_cost(financed.schedule, financed.outside_schedule),
        apr=nominal_apr(financed, start),
        effective_apr=annual_percentage_rate(flows, RateConvention.EFFECTIVE_ANNUAL),
    )
