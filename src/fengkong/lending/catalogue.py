"""The product catalogue: the one definition of each product identity (`code@version`).

A loan is booked under a product, and a product's code and version name its terms: the fee, the
grace days, the late fee, the terms and amounts offered, the day count. Two products sharing
`code@version` with different terms would make the identity mean two things (the defect behind
`lending.disbursement`: a policy's `cash_loan@1` charging 1 % beside a configured `cash_loan@1`
charging 0.5 %). So the catalogue holds each identity once, a configuration listing one identity
twice with different terms is refused, and a policy may only declare a product the catalogue
holds, with the catalogue's terms (`decision.product_agreement`; docs/adr/0006).

| product | terms |
| --- | --- |
| `cash_loan@1` | the configured cash loan: 3-72 months, ¥250-¥50,000, 0.5 % fee spread, 3 grace days, ¥20 late fee |
| `cash_loan@2` | the retail policy's: 3/6/12/24/36 months, ¥1,000-¥50,000, 1 % fee spread, no grace, no late fee |
| `cash_loan@3` | the demo policy's: the German credit data's terms, ¥250-¥50,000, 1 % fee spread, no grace, no late fee |
| `credit_line@1` | the revolving line: draws of 1/3/6/12 months, ¥100-¥200,000, 3 grace days, ¥10 late fee |
| `business_line@1` | the business line (经营贷): draws of 3/6/12 months, ¥1,000-¥3,000,000, for working capital or purchases only (purpose required), paid to the counterparty above ¥300,000 (受托支付), receipts within 30 days (docs/use-of-funds.md) |
| `business_loan@1` | the small-business policy's: 6/12/24/36 months, ¥10,000-¥1,000,000, 1 % fee spread, no grace, no late fee |

The display `name` is a label, not a term: it is not compared.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal

from fengkong.core.errors import FieldError
from fengkong.core.money import Fen
from fengkong.lending.product import (
    FeeCollection,
    LateFee,
    OriginationFee,
    Product,
    ProductKind,
    RepaymentMethod,
)
from fengkong.lending.use_of_funds import DEFAULT_PURPOSES, EntrustedPayment, UseOfFundsRules
from fengkong.lending.use_of_funds_config import rules_to_dict

__all__ = [
    "BUSINESS_LINE",
    "BUSINESS_LOAN",
    "CASH_LOAN",
    "CREDIT_LINE",
    "DEFAULT_PRODUCTS",
    "GERMAN_CASH_LOAN",
    "RETAIL_CASH_LOAN",
    "TermDifference",
    "catalogue_errors",
    "describe",
    "differing_terms",
    "find_product",
    "product_id",
]

CASH_LOAN = Product(
    code="cash_loan",
    version=1,
    kind=ProductKind.INSTALMENT_LOAN,
    repayment_method=RepaymentMethod.EQUAL_INSTALMENT,
    terms=tuple(range(3, 73)),
    min_amount=Fen(25_000),
    max_amount=Fen(5_000_000),
    min_annual_rate=Decimal("0.06"),
    max_annual_rate=Decimal("0.24"),
    grace_days=3,
    origination_fee=OriginationFee(rate=Decimal("0.005"), collection=FeeCollection.SPREAD),
    late_fee=LateFee(fixed=Fen(2_000)),
    name="Cash loan 现金贷",
)
# The shipped policies' products. Each once declared itself `cash_loan@1` beside the configured
# one above; they keep their terms under versions of their own.
RETAIL_CASH_LOAN = Product(
    code="cash_loan",
    version=2,
    kind=ProductKind.INSTALMENT_LOAN,
    repayment_method=RepaymentMethod.EQUAL_INSTALMENT,  # 等额本息
    terms=(3, 6, 12, 24, 36),
    min_amount=Fen(100_000),
    max_amount=Fen(5_000_000),
    min_annual_rate=Decimal("0.06"),
    max_annual_rate=Decimal("0.24"),
    origination_fee=OriginationFee(rate=Decimal("0.01"), collection=FeeCollection.SPREAD),
    name="Retail cash loan 零售现金贷",
)
GERMAN_CASH_LOAN = Product(
    code="cash_loan",
    version=3,
    kind=ProductKind.INSTALMENT_LOAN,
    repayment_method=RepaymentMethod.EQUAL_INSTALMENT,
    terms=(
        *(4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 18, 20, 21, 22, 24, 26, 27, 28, 30),
        *(33, 36, 39, 40, 42, 45, 47, 48, 54, 60, 72),
    ),
    min_amount=Fen(25_000),
    max_amount=Fen(5_000_000),
    min_annual_rate=Decimal("0.06"),
    max_annual_rate=Decimal("0.24"),
    origination_fee=OriginationFee(rate=Decimal("0.01"), collection=FeeCollection.SPREAD),
    name="Cash loan, demo terms 现金贷（演示）",
)
CREDIT_LINE = Product(
    code="credit_line",
    version=1,
    kind=ProductKind.REVOLVING_LINE,
    repayment_method=RepaymentMethod.EQUAL_INSTALMENT,
    terms=(1, 3, 6, 12),
    min_amount=Fen(10_000),
    max_amount=Fen(20_000_000),
    min_annual_rate=Decimal("0.06"),
    max_annual_rate=Decimal("0.24"),
    grace_days=3,
    late_fee=LateFee(fixed=Fen(1_000)),
    name="Revolving line 循环额度",
)

BUSINESS_LINE = Product(
    code="business_line",
    version=1,
    kind=ProductKind.REVOLVING_LINE,
    repayment_method=RepaymentMethod.EQUAL_INSTALMENT,
    terms=(3, 6, 12),
    min_amount=Fen(100_000),
    max_amount=Fen(300_000_000),
    min_annual_rate=Decimal("0.06"),
    max_annual_rate=Decimal("0.24"),
    grace_days=3,
    late_fee=LateFee(fixed=Fen(2_000)),
    name="Business line 经营贷额度",
    use_of_funds=UseOfFundsRules(
        purposes=tuple(
            p
            for p in DEFAULT_PURPOSES
            if p.code in ("business_working_capital", "purchase_of_goods")
        ),
        purpose_required=True,
        entrusted_payment=EntrustedPayment.ABOVE,
        entrusted_above=Fen(30_000_000),  # ¥300,000
        receipts_required=True,
        receipts_within_days=30,
    ),
)

# The small-business loan of the business policy (decision/policies/business-v1.yaml): larger and
# longer than a cash loan, for a sole trader's or small company's working capital.
BUSINESS_LOAN = Product(
    code="business_loan",
    version=1,
    kind=ProductKind.INSTALMENT_LOAN,
    repayment_method=RepaymentMethod.EQUAL_INSTALMENT,
    terms=(6, 12, 24, 36),
    min_amount=Fen(1_000_000),
    max_amount=Fen(100_000_000),
    min_annual_rate=Decimal("0.06"),
    max_annual_rate=Decimal("0.24"),
    origination_fee=OriginationFee(rate=Decimal("0.01"), collection=FeeCollection.SPREAD),
    name="Small-business loan 小微企业经营贷",
)

DEFAULT_PRODUCTS: tuple[Product, ...] = (
    CASH_LOAN,
    CREDIT_LINE,
    RETAIL_CASH_LOAN,
    GERMAN_CASH_LOAN,
    BUSINESS_LINE,
    BUSINESS_LOAN,
)

_LABELS = frozenset({"name"})  # not terms: never compared


def product_id(product: Product) -> str:
    """`code@version`, e.g. `cash_loan@2`."""
    return f"{product.code}@{product.version}"


@dataclass(frozen=True, slots=True)
class TermDifference:
    """One term two products of the same identity disagree on, as `Product.to_dict` writes it."""

    term: tuple[str, ...]  # e.g. ("origination_fee", "rate")
    one: object
    other: object

    @property
    def name(self) -> str:
        return ".".join(self.term)


def _flat(doc: Mapping[str, object], prefix: tuple[str, ...] = ()) -> dict[tuple[str, ...], object]:
    flat: dict[tuple[str, ...], object] = {}
    for key, value in doc.items():
        if not prefix and key in _LABELS:
            continue
        if isinstance(value, Mapping):
            flat.update(_flat(value, (*prefix, key)))
        else:
            flat[(*prefix, key)] = value
    return flat


def differing_terms(one: Product, other: Product) -> tuple[TermDifference, ...]:
    """The terms on which `one` and `other` differ (code and version included), in the order
    `Product.to_dict` lists them; empty when they are the same product."""
    a, b = _flat(_with_defaults(one)), _flat(_with_defaults(other))
    return tuple(TermDifference(term, a[term], b[term]) for term in a if a[term] != b[term])


def _with_defaults(product: Product) -> dict[str, object]:
    """`Product.to_dict` with the terms it leaves out when default written out, so two
    products compare term by term."""
    return {**product.to_dict(), "use_of_funds": rules_to_dict(product.use_of_funds)}


def find_product(products: Iterable[Product], code: str, version: int) -> Product | None:
    """The product `code@version` among `products`, if any."""
    return next((p for p in products if p.code == code and p.version == version), None)


def describe(differences: Sequence[TermDifference], one: str, other: str) -> str:
    """'origination_fee.rate 0.01 (policy) vs 0.005 (catalogue); grace_days 0 … vs 3 …'."""
    return "; ".join(f"{d.name} {d.one} ({one}) vs {d.other} ({other})" for d in differences)


def catalogue_errors(products: Sequence[Product]) -> tuple[FieldError, ...]:
    """Findings for every identity listed more than once: a catalogue defines each once."""
    errors: list[FieldError] = []
    first: dict[tuple[str, int], int] = {}
    for index, product in enumerate(products):
        key = (product.code, product.version)
        if key not in first:
            first[key] = index
            continue
        earlier = products[first[key]]
        differences = differing_terms(product, earlier)
        why = (
            f"terms differ: {describe(differences, f'#{index}', f'#{first[key]}')}"
            if differences
            else "listed twice"
        )
        errors.append(
            FieldError(
                ("products", index),
                f"{product_id(product)} is defined more than once (products #{first[key]} and "
                f"#{index}); one code@version must mean one set of terms: {why}",
            )
        )
    return tuple(errors)
