"""Loan products: a versioned, frozen configuration a loan or credit line is booked under.

A `Product` cannot exist in an invalid state: construction runs `product_errors` and raises
`Invalid` with every finding at once. `product_from_dict` reads the plain mapping a YAML or JSON
file gives; amounts there are integer fen and rates are strings ("0.12"), because a float cannot
hold most decimal rates exactly.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, fields
from decimal import Decimal, InvalidOperation
from enum import StrEnum
from itertools import pairwise
from typing import Any, TypeVar

from fengkong.core.errors import FieldError, Invalid
from fengkong.core.money import HALF_UP, Fen, to_fen
from fengkong.lending.daycount import DayCount
from fengkong.lending.schedule import NO_FEE, InterestBasis, RepaymentMethod
from fengkong.lending.use_of_funds import DEFAULT_USE_OF_FUNDS, UseOfFundsRules
from fengkong.lending.use_of_funds_config import rules_from_dict, rules_to_dict

__all__ = [
    "DayCount",
    "FeeCollection",
    "InterestBasis",
    "LateFee",
    "OriginationFee",
    "Product",
    "ProductKind",
    "RepaymentMethod",
    "product_errors",
    "product_from_dict",
]

MAX_TERMS = 360
MAX_GRACE_DAYS = 90
MAX_ANNUAL_RATE = Decimal(1)  # a sanity bound; the legal price cap is a policy check in decision/
_CODE_PATTERN = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,63}")


class ProductKind(StrEnum):
    INSTALMENT_LOAN = "instalment_loan"
    REVOLVING_LINE = "revolving_line"  # 循环额度: each draw is repaid on its own schedule


class FeeCollection(StrEnum):
    DEDUCTED = "deducted"  # taken from the payout: the borrower receives amount − fee
    FINANCED = "financed"  # added to the principal and repaid with interest
    SPREAD = "spread"  # split evenly over the instalments, no interest on it


@dataclass(frozen=True, slots=True)
class OriginationFee:
    """Charged once when the loan (or a draw) is paid out: `rate` of the amount plus `fixed` fen."""

    rate: Decimal = Decimal(0)
    fixed: Fen = NO_FEE
    collection: FeeCollection = FeeCollection.DEDUCTED

    def amount(self, principal: Fen) -> Fen:
        return Fen(to_fen(principal * self.rate, HALF_UP) + self.fixed)


@dataclass(frozen=True, slots=True)
class LateFee:
    """Charged once per instalment still unpaid after the grace days: `fixed` plus `rate` of it."""

    fixed: Fen = NO_FEE
    rate: Decimal = Decimal(0)

    def amount(self, overdue: Fen) -> Fen:
        return Fen(to_fen(overdue * self.rate, HALF_UP) + self.fixed)


@dataclass(frozen=True, slots=True)
class Product:
    """One version of a product. Amounts in fen, rates as fractions (0.12 is 12 % a year)."""

    code: str
    version: int
    kind: ProductKind
    repayment_method: RepaymentMethod
    terms: tuple[int, ...]  # allowed terms in months, increasing
    min_amount: Fen
    max_amount: Fen
    min_annual_rate: Decimal
    max_annual_rate: Decimal
    day_count: DayCount = DayCount.ACT_360
    interest_basis: InterestBasis = InterestBasis.MONTHLY
    grace_days: int = 0
    origination_fee: OriginationFee = field(default_factory=OriginationFee)
    late_fee: LateFee = field(default_factory=LateFee)
    penalty_rate_multiplier: Decimal = Decimal("1.5")  # 罚息: overdue principal at 1.5× the rate
    name: str = ""
    # 贷款用途与受托支付 (`lending.use_of_funds`): the default is every product's behaviour before
    # it existed, so products and stored loans without it read back unchanged.
    use_of_funds: UseOfFundsRules = DEFAULT_USE_OF_FUNDS

    def __post_init__(self) -> None:
        errors = product_errors(self)
        if errors:
            raise Invalid(errors)

    def penalty_annual_rate(self, contract_rate: Decimal) -> Decimal:
        """The annual rate charged on overdue principal for a loan at `contract_rate`."""
        return contract_rate * self.penalty_rate_multiplier

    def request_errors(
        self, amount: Fen, terms: int, annual_rate: Decimal
    ) -> tuple[FieldError, ...]:
        """Why a loan of `amount` over `terms` months at `annual_rate` does not fit this product."""
        errors: list[FieldError] = []
        if not self.min_amount <= amount <= self.max_amount:
            errors.append(
                FieldError(
                    ("amount",),
                    f"amount {amount} fen is outside {self.min_amount}..{self.max_amount} fen",
                )
            )
        if terms not in self.terms:
            allowed = ", ".join(map(str, self.terms))
            errors.append(
                FieldError(("terms",), f"{terms} months is not offered; one of {allowed}")
            )
        if not self.min_annual_rate <= annual_rate <= self.max_annual_rate:
            errors.append(
                FieldError(
                    ("annual_rate",),
                    f"rate {annual_rate} is outside {self.min_annual_rate}..{self.max_annual_rate}",
                )
            )
        return tuple(errors)

    def to_dict(self) -> dict[str, object]:
        """The plain mapping `product_from_dict` reads back: ints, strings and lists only.

        `use_of_funds` appears only when it is not the default: a stored loan carries its
        product, and a million loans need not each repeat the shipped purpose list."""
        doc: dict[str, object] = {
            "code": self.code,
            "version": self.version,
            "name": self.name,
            "kind": self.kind.value,
            "repayment_method": self.repayment_method.value,
            "terms": list(self.terms),
            "min_amount": int(self.min_amount),
            "max_amount": int(self.max_amount),
            "min_annual_rate": str(self.min_annual_rate),
            "max_annual_rate": str(self.max_annual_rate),
            "day_count": self.day_count.value,
            "interest_basis": self.interest_basis.value,
            "grace_days": self.grace_days,
            "origination_fee": {
                "rate": str(self.origination_fee.rate),
                "fixed": int(self.origination_fee.fixed),
                "collection": self.origination_fee.collection.value,
            },
            "late_fee": {"fixed": int(self.late_fee.fixed), "rate": str(self.late_fee.rate)},
            "penalty_rate_multiplier": str(self.penalty_rate_multiplier),
        }
        if self.use_of_funds != DEFAULT_USE_OF_FUNDS:
            doc["use_of_funds"] = rules_to_dict(self.use_of_funds)
        return doc


def nearest_term(terms: Iterable[int], wanted: int) -> int:
    """Of the `terms` offered, the one nearest the `wanted` months; the longer on a tie."""
    return min(terms, key=lambda t: (abs(t - wanted), -t))


def product_errors(product: Product) -> tuple[FieldError, ...]:
    """Every rule the product breaks, as findings; empty when it is sound."""
    errors: list[FieldError] = []

    def fail(loc: tuple[str | int, ...], msg: str) -> None:
        errors.append(FieldError(loc, msg))

    if not isinstance(product.code, str) or not _CODE_PATTERN.fullmatch(product.code):
        fail(("code",), "code must be 1-64 letters, digits, '_', '.' or '-', starting alphanumeric")
    if not _is_int(product.version) or product.version < 1:
        fail(("version",), f"version must be a whole number ≥ 1: {product.version!r}")
    if not isinstance(product.name, str):
        fail(("name",), "name must be text")
    for loc, value, enum in (
        ("kind", product.kind, ProductKind),
        ("repayment_method", product.repayment_method, RepaymentMethod),
        ("day_count", product.day_count, DayCount),
        ("interest_basis", product.interest_basis, InterestBasis),
    ):
        if not isinstance(value, enum):
            fail((loc,), f"must be one of {_choices(enum)}: {value!r}")
    errors.extend(_terms_errors(product.terms))

    amounts_ok = True
    for loc, amount in (("min_amount", product.min_amount), ("max_amount", product.max_amount)):
        if not _is_int(amount) or amount < 1:
            fail((loc,), f"must be a whole number of fen ≥ 1: {amount!r}")
            amounts_ok = False
    if amounts_ok and product.min_amount > product.max_amount:
        fail(("max_amount",), f"max_amount {product.max_amount} is below min_amount")

    rates_ok = True
    for loc, rate in (
        ("min_annual_rate", product.min_annual_rate),
        ("max_annual_rate", product.max_annual_rate),
    ):
        message = _rate_problem(rate, MAX_ANNUAL_RATE, inclusive=True)
        if message:
            fail((loc,), message)
            rates_ok = False
    if rates_ok and product.min_annual_rate > product.max_annual_rate:
        fail(("max_annual_rate",), "max_annual_rate is below min_annual_rate")

    if not _is_int(product.grace_days) or not 0 <= product.grace_days <= MAX_GRACE_DAYS:
        fail(("grace_days",), f"grace days must be 0..{MAX_GRACE_DAYS}: {product.grace_days!r}")

    fee = product.origination_fee
    fee_ok = True
    if not isinstance(fee, OriginationFee):
        fail(("origination_fee",), "must be an OriginationFee")
        fee_ok = False
    else:
        message = _rate_problem(fee.rate, Decimal(1), inclusive=False)
        if message:
            fail(("origination_fee", "rate"), message)
            fee_ok = False
        if not _is_int(fee.fixed) or fee.fixed < 0:
            fail(("origination_fee", "fixed"), f"must be a whole number of fen ≥ 0: {fee.fixed!r}")
            fee_ok = False
        if not isinstance(fee.collection, FeeCollection):
            fail(("origination_fee", "collection"), f"must be one of {_choices(FeeCollection)}")
            fee_ok = False
    if (
        fee_ok
        and amounts_ok
        and fee.collection is FeeCollection.DEDUCTED
        and fee.amount(product.min_amount) >= product.min_amount
    ):
        fail(
            ("origination_fee",),
            f"a deducted fee of {fee.amount(product.min_amount)} fen leaves nothing to pay out "
            f"on the minimum amount {product.min_amount} fen",
        )

    late = product.late_fee
    if not isinstance(late, LateFee):
        fail(("late_fee",), "must be a LateFee")
    else:
        if not _is_int(late.fixed) or late.fixed < 0:
            fail(("late_fee", "fixed"), f"must be a whole number of fen ≥ 0: {late.fixed!r}")
        message = _rate_problem(late.rate, Decimal(1), inclusive=True)
        if message:
            fail(("late_fee", "rate"), message)

    if not isinstance(product.use_of_funds, UseOfFundsRules):
        fail(("use_of_funds",), "must be UseOfFundsRules")
    multiplier = product.penalty_rate_multiplier
    if not isinstance(multiplier, Decimal) or not multiplier.is_finite() or multiplier < 1:
        fail(
            ("penalty_rate_multiplier",),
            f"penalty interest cannot be below the contract rate: multiplier {multiplier!r} < 1",
        )
    return tuple(errors)


def product_from_dict(data: Mapping[str, Any]) -> Product:
    """Read a product from a plain mapping (parsed YAML/JSON); `Invalid` names each bad field."""
    errors: list[FieldError] = []
    if not isinstance(data, Mapping):
        raise Invalid((FieldError((), "a product must be a mapping of fields"),))
    known = {f.name for f in fields(Product)}
    for key in data:
        if key not in known:
            errors.append(FieldError((str(key),), "unknown field", "extra_forbidden"))

    reader = _Reader(data, (), errors)
    values: dict[str, Any] = {
        "code": reader.required("code", _text),
        "version": reader.required("version", _whole),
        "kind": reader.required("kind", _enum(ProductKind)),
        "repayment_method": reader.required("repayment_method", _enum(RepaymentMethod)),
        "terms": reader.required("terms", _terms),
        "min_amount": reader.required("min_amount", _whole),
        "max_amount": reader.required("max_amount", _whole),
        "min_annual_rate": reader.required("min_annual_rate", _decimal),
        "max_annual_rate": reader.required("max_annual_rate", _decimal),
    }
    for key, parse in (
        ("day_count", _enum(DayCount)),
        ("interest_basis", _enum(InterestBasis)),
        ("grace_days", _whole),
        ("penalty_rate_multiplier", _decimal),
        ("name", _text),
    ):
        if key in data:
            values[key] = reader.required(key, parse)
    if "origination_fee" in data:
        values["origination_fee"] = _nested(
            data["origination_fee"],
            "origination_fee",
            errors,
            lambda r: OriginationFee(
                rate=r.optional("rate", _decimal, Decimal(0)),
                fixed=r.optional("fixed", _whole, 0),
                collection=r.optional("collection", _enum(FeeCollection), FeeCollection.DEDUCTED),
            ),
            {"rate", "fixed", "collection"},
        )
    if "late_fee" in data:
        values["late_fee"] = _nested(
            data["late_fee"],
            "late_fee",
            errors,
            lambda r: LateFee(
                fixed=r.optional("fixed", _whole, 0), rate=r.optional("rate", _decimal, Decimal(0))
            ),
            {"fixed", "rate"},
        )
    if "use_of_funds" in data:
        try:
            values["use_of_funds"] = rules_from_dict(data["use_of_funds"])
        except Invalid as exc:
            errors.extend(exc.errors)
    if errors:
        raise Invalid(tuple(errors))
    return Product(**values)


_T = TypeVar("_T")
_E = TypeVar("_E", bound=StrEnum)
_Parser = Callable[[object], _T]


class _ParseError(ValueError):
    pass


class _Reader:
    """Reads fields of one mapping, recording a `FieldError` (with its full path) per bad field."""

    def __init__(self, data: Mapping[str, Any], prefix: tuple[str, ...], errors: list[FieldError]):
        self._data, self._prefix, self._errors = data, prefix, errors

    def required(self, key: str, parse: _Parser[_T]) -> _T | None:
        if key not in self._data:
            self._errors.append(FieldError((*self._prefix, key), "field required", "missing"))
            return None
        return self._parse(key, parse)

    def optional(self, key: str, parse: _Parser[_T], default: Any) -> Any:
        return self._parse(key, parse) if key in self._data else default

    def _parse(self, key: str, parse: _Parser[_T]) -> _T | None:
        try:
            return parse(self._data[key])
        except _ParseError as exc:
            self._errors.append(FieldError((*self._prefix, key), str(exc)))
            return None


def _nested(
    value: object,
    key: str,
    errors: list[FieldError],
    build: Callable[[_Reader], _T],
    allowed: set[str],
) -> _T | None:
    if not isinstance(value, Mapping):
        errors.append(FieldError((key,), "must be a mapping of fields"))
        return None
    before = len(errors)
    for sub_key in value:
        if sub_key not in allowed:
            errors.append(FieldError((key, str(sub_key)), "unknown field", "extra_forbidden"))
    built = build(_Reader(value, (key,), errors))
    return built if len(errors) == before else None


def _text(value: object) -> str:
    if not isinstance(value, str):
        raise _ParseError(f"must be text: {value!r}")
    return value


def _whole(value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise _ParseError(f"must be a whole number (amounts are in fen): {value!r}")
    return value


def _decimal(value: object) -> Decimal:
    if isinstance(value, float):
        raise _ParseError(
            f"write rates as strings, e.g. '0.12': a float cannot hold them exactly ({value!r})"
        )
    if isinstance(value, bool) or not isinstance(value, str | int | Decimal):
        raise _ParseError(f"must be a decimal number: {value!r}")
    try:
        number = Decimal(value)
    except InvalidOperation as exc:
        raise _ParseError(f"not a number: {value!r}") from exc
    if not number.is_finite():
        raise _ParseError(f"not a finite number: {value!r}")
    return number


def _enum(enum: type[_E]) -> Callable[[object], _E]:
    def parse(value: object) -> _E:
        try:
            if not isinstance(value, str):
                raise ValueError(value)
            return enum(value)
        except ValueError as exc:
            raise _ParseError(f"must be one of {_choices(enum)}: {value!r}") from exc

    return parse


def _terms(value: object) -> tuple[int, ...]:
    if isinstance(value, str | bytes) or not isinstance(value, list | tuple):
        raise _ParseError(f"must be a list of months: {value!r}")
    return tuple(sorted(_whole(item) for item in value))


def _terms_errors(terms: object) -> list[FieldError]:
    if not isinstance(terms, tuple) or not terms:
        return [FieldError(("terms",), "at least one term (in months) must be offered")]
    errors = [
        FieldError(("terms", index), f"a term must be 1..{MAX_TERMS} months: {term!r}")
        for index, term in enumerate(terms)
        if not _is_int(term) or not 1 <= term <= MAX_TERMS
    ]
    if not errors and any(a >= b for a, b in pairwise(terms)):
        errors.append(FieldError(("terms",), "terms must be increasing, without repeats"))
    return errors


def _rate_problem(rate: object, upper: Decimal, *, inclusive: bool) -> str | None:
    if not isinstance(rate, Decimal) or not rate.is_finite():
        return f"must be a Decimal rate, not {rate!r}"
    if rate < 0 or rate > upper or (not inclusive and rate == upper):
        bound = "≤" if inclusive else "<"
        return f"rate must be ≥ 0 and {bound} {upper}: {rate}"
    return None


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _choices(enum: type[StrEnum]) -> str:
    return ", ".join(member.value for member in enum)
