"""Lawful pricing: the all-in annualised cost of an offer must not exceed the legal cap.

The cost is the IRR of the borrower's cash flows over the actual schedule, every fee included
(the origination fee deducted, financed or spread, as the product collects it), annualised as the
monthly IRR × 12, the convention `lending.cost` documents for PBoC Announcement [2021] No. 3.
The cap is 24 % a year by default, or 4 × the one-year LPR when configured with its value and date.

An offer is priced by `lending.quote`, the one definition of a loan's price: `financing` applies
the fee and builds the schedule, `nominal_apr` gives the disclosed APR and `apr_within` decides
"APR ≤ cap" exactly. Offers are due on the same day of each month from the payout (no broken
first period), the case both solve in closed integer form. This module adds what the decision
needs on top: the cap and where it comes from, the disclosure, and the searches for the highest
rate and the largest amount within the cap.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_FLOOR, Decimal

from fengkong.core.errors import FieldError, Invalid
from fengkong.core.money import Fen, format_fen
from fengkong.lending.product import Product
from fengkong.lending.quote import Financing, apr_within, financing, nominal_apr
from fengkong.lending.schedule import Instalment

DEFAULT_CAP = Decimal("0.24")
LPR_MULTIPLE = 4
RATE_QUANTUM = Decimal("0.000001")  # rates are searched and offered on a 0.0001 % grid


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


def make_offer(
    product: Product, amount: Fen, term: int, rate: Decimal, start: date, cap: PriceCap
) -> Offer:
    """The full disclosure for a loan of `amount` over `term` months at `rate`, paid out `start`."""
    return _offer(
        product, amount, term, rate, start, financing(product, amount, term, rate, start), cap
    )


def offer_within_cap(
    product: Product, amount: Fen, term: int, rate: Decimal, start: date, cap: PriceCap
) -> Offer | None:
    """`make_offer`, when the all-in APR of that loan is (exactly) within the cap; else None.
    The schedule is built once for both."""
    financed = financing(product, amount, term, rate, start)
    if not apr_within(financed, start, cap.annual):
        return None
    return _offer(product, amount, term, rate, start, financed, cap)


def _offer(
    product: Product,
    amount: Fen,
    term: int,
    rate: Decimal,
    start: date,
    financed: Financing,
    cap: PriceCap,
) -> Offer:
    interest = Fen(sum(i.interest for i in financed.schedule))
    apr = _disclosed_apr(financed, start)
    if apr > cap.annual and apr_within(financed, start, cap.annual):
        apr = cap.annual  # within half of 1e-12 of the cap; the exact test says it is lawful
    return Offer(
        product_code=product.code,
        product_version=product.version,
        amount=amount,
        term_months=term,
        annual_rate=rate,
        principal=financed.principal,
        disbursed=financed.disbursed,
        origination_fee=financed.origination_fee,
        total_interest=interest,
        total_fees=financed.origination_fee,
        total_repayable=Fen(sum(i.total for i in financed.schedule)),
        apr=apr,
        cap=cap.annual,
        cap_basis=cap.basis,
        schedule=financed.schedule,
    )


def _disclosed_apr(financed: Financing, start: date) -> Decimal:
    """`nominal_apr`, refusing an offer that costs the borrower nothing: it is no loan to price."""
    if sum(i.total for i in financed.schedule) <= financed.disbursed:
        raise Invalid((FieldError(("offer",), "the borrower repays no more than received"),))
    return nominal_apr(financed, start)


def within_cap(
    product: Product, amount: Fen, term: int, rate: Decimal, start: date, cap: Decimal
) -> bool:
    """Exactly whether the all-in APR of that loan is at most `cap`."""
    return apr_within(financing(product, amount, term, rate, start), start, cap)


def all_in_apr(product: Product, amount: Fen, term: int, rate: Decimal, start: date) -> Decimal:
    """The all-in APR of that loan, as an offer of it would disclose it."""
    return _disclosed_apr(financing(product, amount, term, rate, start), start)


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
