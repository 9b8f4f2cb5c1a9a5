"""What lending is configured by: the product catalogue, the rate card and price cap, the
waterfall and settlement rules, delinquency buckets and classes, provision and reserve rates,
credit-line rules, payout attempts and the end-of-day batch sizes."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal

from fengkong.core.errors import FieldError, Invalid, NotFound
from fengkong.lending.catalogue import DEFAULT_PRODUCTS, catalogue_errors
from fengkong.lending.delinquency import (
    DEFAULT_BUCKETS,
    DEFAULT_CLASSIFICATION,
    DEFAULT_WRITE_OFF,
    ClassificationRules,
    LoanClass,
    Tier,
    WriteOffPolicy,
)
from fengkong.lending.line import DEFAULT_LINE_RULES, CreditLine, LineRules
from fengkong.lending.product import Product
from fengkong.lending.waterfall import (
    DEFAULT_SETTLEMENT,
    DEFAULT_WATERFALL,
    SettlementRule,
    Waterfall,
)

# PBoC 《银行贷款损失准备计提指引》: specific provisions of 2 / 25 / 50 / 100 % on special-mention,
# substandard, doubtful and loss loans, and a general provision of about 1 % on the rest.
DEFAULT_PROVISION_RATES: Mapping[LoanClass, Decimal] = {
    LoanClass.NORMAL: Decimal("0.01"),
    LoanClass.SPECIAL_MENTION: Decimal("0.02"),
    LoanClass.SUBSTANDARD: Decimal("0.25"),
    LoanClass.DOUBTFUL: Decimal("0.50"),
    LoanClass.LOSS: Decimal("1"),
}


@dataclass(frozen=True, slots=True)
class LendingConfig:
    """Everything lending is configured by; the integrator maps settings onto it."""

    # The catalogue: each code@version once (`lending.catalogue`); a clash is refused.
    products: tuple[Product, ...] = DEFAULT_PRODUCTS
    # What a decision made without a price is offered (the configured rate card prices it).
    offer_product: str = "cash_loan"
    offer_product_version: int | None = 1
    # (lowest score, annual rate), highest first; the first band a score reaches prices it.
    rate_card: tuple[tuple[int, Decimal], ...] = (
        (570, Decimal("0.10")),
        (550, Decimal("0.13")),
        (0, Decimal("0.16")),
    )
    apr_cap: Decimal = Decimal("0.24")
    waterfall: Waterfall = DEFAULT_WATERFALL
    settlement: SettlementRule = DEFAULT_SETTLEMENT
    buckets: tuple[Tier, ...] = DEFAULT_BUCKETS
    classification: ClassificationRules = DEFAULT_CLASSIFICATION
    write_off: WriteOffPolicy = DEFAULT_WRITE_OFF
    provision_rates: Mapping[LoanClass, Decimal] = field(
        default_factory=lambda: dict(DEFAULT_PROVISION_RATES)
    )
    reserve_rate: Decimal = Decimal("0.015")  # 一般风险准备: 1.5 % of the principal lent
    line_rules: LineRules = DEFAULT_LINE_RULES
    # Risk-based pricing of draws: (lowest behaviour score, change to the line's rate), highest
    # first; a borrower without a score, or below every band, draws at the line's rate.
    draw_pricing: tuple[tuple[int, Decimal], ...] = ()
    payout_attempts: int = 3
    # A payment may exceed what settles the loan today by at most this many fen (kept as
    # unapplied credit); and no single payment may exceed `max_payment` fen (¥10,000,000).
    overpayment_allowance: int = 0
    max_payment: int = 1_000_000_000
    retries: int = 5
    eod_chunk: int = 500
    # Quiet loans (`lending.quiet`) are closed a batch at a time, this many per transaction.
    eod_quiet: bool = True
    eod_quiet_chunk: int = 50_000
    lender_name: str = "Fengkong Lending"

    def __post_init__(self) -> None:
        errors: list[FieldError] = []
        if self.payout_attempts < 1:
            errors.append(FieldError(("payout_attempts",), "must be ≥ 1"))
        if self.overpayment_allowance < 0:
            errors.append(FieldError(("overpayment_allowance",), "must be ≥ 0"))
        if self.max_payment < 1:
            errors.append(FieldError(("max_payment",), "must be ≥ 1"))
        if self.eod_chunk < 1:
            errors.append(FieldError(("eod_chunk",), "must be ≥ 1"))
        if self.eod_quiet_chunk < 1:
            errors.append(FieldError(("eod_quiet_chunk",), "must be ≥ 1"))
        if set(self.provision_rates) != set(LoanClass):
            errors.append(FieldError(("provision_rates",), "need a rate for every loan class"))
        if not self.rate_card:
            errors.append(FieldError(("rate_card",), "at least one band"))
        errors.extend(catalogue_errors(self.products))
        if errors:
            raise Invalid(tuple(errors))

    def product(self, code: str, version: int | None = None) -> Product:
        found = [p for p in self.products if p.code == code]
        if version is not None:
            found = [p for p in found if p.version == version]
        if not found:
            raise NotFound(f"no product {code!r}" + (f" v{version}" if version else ""))
        return max(found, key=lambda p: p.version)

    def rate_for(self, score: int | None) -> Decimal:
        for min_score, rate in self.rate_card:
            if score is not None and score >= min_score:
                return rate
        return self.rate_card[-1][1]

    def draw_rate(self, line: CreditLine, score: int | None) -> Decimal:
        """The annual rate of a new draw on `line` for a borrower whose latest behaviour score
        is `score`: the line's rate moved by the first pricing band the score reaches, kept
        within the product's rates and the price cap."""
        if score is None:
            return line.annual_rate
        for min_score, change in sorted(self.draw_pricing, reverse=True):
            if score >= min_score:
                rate = line.annual_rate + change
                product = line.product
                return min(
                    max(rate, product.min_annual_rate), product.max_annual_rate, self.apr_cap
                )
        return line.annual_rate

    def provision_rate(self, loan_class: LoanClass) -> Decimal:
        return self.provision_rates[loan_class]


__all__ = ["DEFAULT_PROVISION_RATES", "LendingConfig"]
