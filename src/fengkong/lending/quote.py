"""A quote: what a loan under a product costs, before anything is booked.

It applies the product's origination fee the way the product collects it, builds the schedule and
prices the result, so the APR a legal cap is checked against always includes the fee.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from fengkong.core.errors import Invalid
from fengkong.core.money import Fen
from fengkong.lending.cost import (
    RateConvention,
    annual_percentage_rate,
    borrower_cash_flows,
    total_cost,
)
from fengkong.lending.product import FeeCollection, Product
from fengkong.lending.schedule import NO_FEE, Instalment, build_schedule


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
    fee = product.origination_fee.amount(amount)
    collection = product.origination_fee.collection
    principal = Fen(amount + fee) if collection is FeeCollection.FINANCED else amount
    disbursed = Fen(amount - fee) if collection is FeeCollection.DEDUCTED else amount
    schedule = build_schedule(
        product.repayment_method,
        principal,
        annual_rate,
        terms,
        start,
        first_due,
        basis=product.interest_basis,
        day_count=product.day_count,
        fee=fee if collection is FeeCollection.SPREAD else NO_FEE,
    )
    outside_schedule = NO_FEE if collection is FeeCollection.SPREAD else fee
    return Financing(principal, disbursed, fee, outside_schedule, schedule)


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
        apr=annual_percentage_rate(flows, RateConvention.NOMINAL_MONTHLY),
        effective_apr=annual_percentage_rate(flows, RateConvention.EFFECTIVE_ANNUAL),
    )
