"""Lawful pricing: the all-in annualised cost of an offer must not exceed the legal cap.

The cost is the IRR of the borrower's cash flows over the actual schedule, every fee included
(the origination fee deducted, financed or spread, as the product collects it), annualised as the
monthly IRR × 12, the convention `lending.cost` documents for PBoC Announcement [2021] No. 3.
The cap is 24 % a year by default, or 4 × the one-year LPR when configured with its value and date.

Offers are due on the same day of each month from the payout (no broken first period), so every
flow falls on a whole month and "APR ≤ cap" is decided exactly in integers: with the cap's monthly
rate c = p/q, the payments discounted at c are at most what was paid out iff
Σ payment_k · q^k · (q+p)^(N−k) ≤ paid_out · (q+p)^N. `lending.quote` builds the same schedule and
solves the same IRR by bisection in `Decimal`; here the disclosed APR is found by Newton's
method in `Decimal` from the exact bracket, which converges in fewer iterations than bisection
and agrees with it at the APR's 1e-12 quantum.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_FLOOR, Decimal, localcontext
from fractions import Fraction

from fengkong.core.errors import FieldError, Invalid
from fengkong.core.money import Fen, format_fen
from fengkong.lending.product import Product
from fengkong.lending.quote import financing
from fengkong.lending.schedule import Instalment

DEFAULT_CAP = Decimal("0.24")
LPR_MULTIPLE = 4
RATE_QUANTUM = Decimal("0.000001")  # rates are searched and offered on a 0.0001 % grid
_APR_QUANTUM = Decimal("1e-12")
_MONTHS = 12


@dataclass(frozen=True, slots=True)
class PriceCap:
    """The most the all-in annualised cost may be, and where that figure comes from."""

    annual: Decimal
    basis: str
    lpr: Decimal | None = None
    lpr_date: date | None = None

    @classmethod
    def default(cls) -> PriceCap:
        return cls(DEFAULT_CAP, "24 % a year")

    @classmethod
    def four_times_lpr(cls, lpr: Decimal, published: date) -> PriceCap:
        if not isinstance(lpr, Decimal) or not Decimal(0) < lpr < Decimal("0.25"):
            raise Invalid(
                (FieldError(("lpr",), f"one-year LPR must be a Decimal in (0, 0.25): {lpr!r}"),)
            )
        return cls(
            LPR_MULTIPLE * lpr,
            f"4 × one-year LPR {lpr * 100:f} % published {published.isoformat()}",
            lpr,
            published,
        )


def price_cap_from_config(config: Mapping[str, object] | None) -> PriceCap:
    """`{"lpr": "0.031", "lpr_date": "2025-05-20"}` → 4 × LPR; `{"annual": "0.24"}`; None → 24 %."""
    if not config:
        return PriceCap.default()
    if "lpr" in config:
        published = config.get("lpr_date")
        if isinstance(published, str):
            published = date.fromisoformat(published)
        if not isinstance(published, date):
            raise Invalid((FieldError(("lpr_date",), "the LPR needs the date it was published"),))
        return PriceCap.four_times_lpr(Decimal(str(config["lpr"])), published)
    annual = Decimal(str(config["annual"]))
    if not Decimal(0) < annual <= Decimal(1):
        raise Invalid((FieldError(("annual",), f"cap must be in (0, 1]: {annual}"),))
    return PriceCap(annual, f"{annual * 100:f} % a year")


@dataclass(frozen=True, slots=True)
class Offer:
    """What an approved applicant is shown: price, every cost, and the schedule."""

    product_code: str
    product_version: int
    amount: Fen  # the limit granted
    term_months: int
    annual_rate: Decimal  # the contract (nominal) rate
    principal: Fen  # what the schedule amortises
    disbursed: Fen  # what reaches the borrower
    origination_fee: Fen
    total_interest: Fen
    total_fees: Fen
    total_repayable: Fen
    apr: Decimal  # all-in: monthly IRR × 12, fees included
    cap: Decimal
    cap_basis: str
    schedule: tuple[Instalment, ...]

    @property
    def total_cost(self) -> Fen:
        return Fen(self.total_interest + self.total_fees)

    def disclosure_en(self) -> str:
        return (
            f"{format_fen(self.amount)} over {self.term_months} months at {self.annual_rate * 100:f} %;"
            f" APR (all-in, fees included) {self.apr * 100:.2f} %; total interest "
            f"{format_fen(self.total_interest)}, fees {format_fen(self.total_fees)}"
        )

    def disclosure_zh(self) -> str:
        return (
            f"借款 {format_fen(self.amount)}，{self.term_months} 期，年利率 {self.annual_rate * 100:f}%；"
            f"综合年化成本（含费用）{self.apr * 100:.2f}%；利息合计 {format_fen(self.total_interest)}，"
            f"费用合计 {format_fen(self.total_fees)}"
        )


@dataclass(frozen=True, slots=True)
class _Priced:
    principal: Fen
    disbursed: Fen
    fee: Fen
    schedule: tuple[Instalment, ...]


def _price(product: Product, amount: Fen, term: int, rate: Decimal, start: date) -> _Priced:
    """Fee handling and schedule exactly as `lending.quote.quote` builds them: the same function."""
    financed = financing(product, amount, term, rate, start)
    return _Priced(
        financed.principal, financed.disbursed, financed.origination_fee, financed.schedule
    )


def _within(priced: _Priced, cap: Decimal) -> bool:
    """Exactly: is the monthly IRR of the flows at most cap / 12?"""
    monthly = Fraction(cap) / _MONTHS
    p, q = monthly.numerator, monthly.denominator
    growth = q + p
    discounted = 0  # Σ pay_k · q^k · (q+p)^(N−k), built by Horner's rule
    q_power = 1
    for instalment in priced.schedule:
        q_power *= q
        discounted = discounted * growth + instalment.total * q_power
    return bool(discounted <= priced.disbursed * growth ** len(priced.schedule))


def _apr(priced: _Priced) -> Decimal:
    """Monthly IRR × 12 to 1e-12: Newton's method on the whole-month NPV, in Decimal."""
    payments = [Decimal(i.total) for i in priced.schedule]
    paid_out = Decimal(priced.disbursed)
    if sum(payments) <= paid_out:
        raise Invalid((FieldError(("offer",), "the borrower repays no more than received"),))
    with localcontext() as ctx:
        ctx.prec = 40
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
        return (rate * _MONTHS).quantize(_APR_QUANTUM)


def make_offer(
    product: Product, amount: Fen, term: int, rate: Decimal, start: date, cap: PriceCap
) -> Offer:
    """The full disclosure for a loan of `amount` over `term` months at `rate`, paid out `start`."""
    return _offer(product, amount, term, rate, _price(product, amount, term, rate, start), cap)


def offer_within_cap(
    product: Product, amount: Fen, term: int, rate: Decimal, start: date, cap: PriceCap
) -> Offer | None:
    """`make_offer`, when the all-in APR of that loan is (exactly) within the cap; else None.
    The schedule is built once for both."""
    priced = _price(product, amount, term, rate, start)
    return _offer(product, amount, term, rate, priced, cap) if _within(priced, cap.annual) else None


def _offer(
    product: Product, amount: Fen, term: int, rate: Decimal, priced: _Priced, cap: PriceCap
) -> Offer:
    interest = Fen(sum(i.interest for i in priced.schedule))
    apr = _apr(priced)
    if apr > cap.annual and _within(priced, cap.annual):
        apr = cap.annual  # within half of 1e-12 of the cap; the exact test says it is lawful
    return Offer(
        product_code=product.code,
        product_version=product.version,
        amount=amount,
        term_months=term,
        annual_rate=rate,
        principal=priced.principal,
        disbursed=priced.disbursed,
        origination_fee=priced.fee,
        total_interest=interest,
        total_fees=priced.fee,
        total_repayable=Fen(sum(i.total for i in priced.schedule)),
        apr=apr,
        cap=cap.annual,
        cap_basis=cap.basis,
        schedule=priced.schedule,
    )


def within_cap(
    product: Product, amount: Fen, term: int, rate: Decimal, start: date, cap: Decimal
) -> bool:
    """Exactly whether the all-in APR of that loan is at most `cap`."""
    return _within(_price(product, amount, term, rate, start), cap)


def all_in_apr(product: Product, amount: Fen, term: int, rate: Decimal, start: date) -> Decimal:
    return _apr(_price(product, amount, term, rate, start))


def highest_rate_within_cap(
    product: Product, amount: Fen, term: int, start: date, cap: Decimal, ceiling: Decimal
) -> Decimal | None:
    """The highest rate in [product minimum, `ceiling`] on the `RATE_QUANTUM` grid (or the
    minimum itself) whose all-in APR is within `cap`; None when even the minimum breaks it. The
    APR rises with the rate, so bisection over the grid finds it exactly."""
    floor = product.min_annual_rate
    if not within_cap(product, amount, term, floor, start, cap):
        return None
    if within_cap(product, amount, term, ceiling, start, cap):
        return ceiling

    def fits(step: int) -> bool:
        return within_cap(product, amount, term, Decimal(step) * RATE_QUANTUM, start, cap)

    low = int(-((-floor / RATE_QUANTUM).to_integral_value(ROUND_FLOOR)))  # first step ≥ floor
    high = int((ceiling / RATE_QUANTUM).to_integral_value(ROUND_FLOOR)) + 1  # first step > ceiling
    if low >= high or not fits(low):
        return floor
    while high - low > 1:  # invariant: `low` fits, `high` does not (or lies above the ceiling)
        middle = (low + high) // 2
        if fits(middle):
            low = middle
        else:
            high = middle
    return (Decimal(low) * RATE_QUANTUM).normalize()


def largest_amount_within_cap(
    product: Product, ceiling: Fen, term: int, rate: Decimal, start: date, cap: Decimal
) -> Fen | None:
    """The largest amount in whole yuan in [product minimum, `ceiling`] whose APR at `rate` is
    within `cap`, by bisection (APR falls as a fixed fee is spread over more); the answer is
    checked, and None means no amount fits."""
    minimum = product.min_amount
    if ceiling < minimum:
        return None
    if within_cap(product, ceiling, term, rate, start, cap):
        return ceiling
    if not within_cap(product, minimum, term, rate, start, cap):
        return None
    low, high = minimum // 100, ceiling // 100  # whole yuan
    while high - low > 1:
        middle = (low + high) // 2
        if within_cap(product, Fen(max(middle * 100, minimum)), term, rate, start, cap):
            low = middle
        else:
            high = middle
    found = Fen(max(low * 100, minimum))
    return found if within_cap(product, found, term, rate, start, cap) else None
