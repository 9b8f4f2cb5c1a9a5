"""Products are valid or not built at all; a bad config names every bad field at once."""

import dataclasses
import json
from decimal import Decimal
from typing import Any

import pytest

from fengkong.core.errors import Invalid
from fengkong.core.money import Fen
from fengkong.lending.daycount import DayCount
from fengkong.lending.product import (
    FeeCollection,
    InterestBasis,
    LateFee,
    OriginationFee,
    ProductKind,
    RepaymentMethod,
    product_from_dict,
)

CONFIG: dict[str, Any] = {
    "code": "cash-loan",
    "version": 3,
    "name": "Cash loan",
    "kind": "instalment_loan",
    "repayment_method": "equal_instalment",
    "terms": [12, 3, 6],
    "min_amount": 100_000,
    "max_amount": 5_000_000,
    "min_annual_rate": "0.072",
    "max_annual_rate": "0.24",
    "day_count": "ACT/360",
    "interest_basis": "first_period_daily",
    "grace_days": 3,
    "origination_fee": {"rate": "0.01", "fixed": 0, "collection": "deducted"},
    "late_fee": {"fixed": 5_000},
    "penalty_rate_multiplier": "1.5",
}


def config(**changes: Any) -> dict[str, Any]:
    return {**CONFIG, **changes}


def error_locs(data: dict[str, Any]) -> set[tuple[str | int, ...]]:
    with pytest.raises(Invalid) as caught:
        product_from_dict(data)
    return {e.loc for e in caught.value.errors}


def test_reads_a_config() -> None:
    product = product_from_dict(CONFIG)
    assert product.kind is ProductKind.INSTALMENT_LOAN
    assert product.repayment_method is RepaymentMethod.EQUAL_INSTALMENT
    assert product.terms == (3, 6, 12)
    assert product.min_annual_rate == Decimal("0.072")
    assert product.day_count is DayCount.ACT_360
    assert product.interest_basis is InterestBasis.FIRST_PERIOD_DAILY
    assert product.origination_fee == OriginationFee(
        Decimal("0.01"), Fen(0), FeeCollection.DEDUCTED
    )
    assert product.late_fee == LateFee(fixed=Fen(5_000), rate=Decimal(0))
    assert product.penalty_annual_rate(Decimal("0.18")) == Decimal("0.27")


def test_round_trips_through_json() -> None:
    product = product_from_dict(CONFIG)
    assert product_from_dict(json.loads(json.dumps(product.to_dict()))) == product


def test_defaults_for_optional_fields() -> None:
    required = {k: CONFIG[k] for k in ("code", "version", "kind", "repayment_method", "terms")}
    amounts = {k: CONFIG[k] for k in ("min_amount", "max_amount")}
    rates = {k: CONFIG[k] for k in ("min_annual_rate", "max_annual_rate")}
    product = product_from_dict({**required, **amounts, **rates})
    assert product.origination_fee.amount(Fen(1_000_000)) == 0
    assert product.grace_days == 0
    assert product.penalty_rate_multiplier == Decimal("1.5")


@pytest.mark.parametrize(
    ("changes", "loc"),
    [
        ({"code": ""}, ("code",)),
        ({"code": "has space"}, ("code",)),
        ({"version": 0}, ("version",)),
        ({"version": "3"}, ("version",)),
        ({"kind": "mortgage"}, ("kind",)),
        ({"repayment_method": "balloon"}, ("repayment_method",)),
        ({"terms": []}, ("terms",)),
        ({"terms": [3, 3]}, ("terms",)),
        ({"terms": [0, 12]}, ("terms", 0)),
        ({"terms": "12"}, ("terms",)),
        ({"min_amount": 0}, ("min_amount",)),
        ({"min_amount": 100.5}, ("min_amount",)),
        ({"max_amount": 99_999}, ("max_amount",)),
        ({"min_annual_rate": "-0.01"}, ("min_annual_rate",)),
        ({"max_annual_rate": 0.24}, ("max_annual_rate",)),
        ({"max_annual_rate": "abc"}, ("max_annual_rate",)),
        ({"max_annual_rate": "1.5"}, ("max_annual_rate",)),
        ({"max_annual_rate": "0.05"}, ("max_annual_rate",)),
        ({"day_count": "ACT/999"}, ("day_count",)),
        ({"grace_days": -1}, ("grace_days",)),
        ({"grace_days": 91}, ("grace_days",)),
        ({"origination_fee": {"rate": "1"}}, ("origination_fee", "rate")),
        ({"origination_fee": {"fixed": -1}}, ("origination_fee", "fixed")),
        ({"origination_fee": {"collection": "later"}}, ("origination_fee", "collection")),
        ({"origination_fee": {"fixed": 100_000}}, ("origination_fee",)),
        ({"origination_fee": {"percent": "0.01"}}, ("origination_fee", "percent")),
        ({"origination_fee": "1%"}, ("origination_fee",)),
        ({"late_fee": {"rate": "2"}}, ("late_fee", "rate")),
        ({"penalty_rate_multiplier": "0.5"}, ("penalty_rate_multiplier",)),
        ({"colour": "red"}, ("colour",)),
    ],
)
def test_bad_field_is_named(changes: dict[str, Any], loc: tuple[str | int, ...]) -> None:
    assert error_locs(config(**changes)) == {loc}


def test_missing_fields_are_all_reported() -> None:
    assert error_locs({"code": "x"}) == {
        ("version",),
        ("kind",),
        ("repayment_method",),
        ("terms",),
        ("min_amount",),
        ("max_amount",),
        ("min_annual_rate",),
        ("max_annual_rate",),
    }


def test_float_rate_message_says_how_to_fix_it() -> None:
    with pytest.raises(Invalid) as caught:
        product_from_dict(config(max_annual_rate=0.24))
    assert "'0.12'" in caught.value.errors[0].msg


def test_financed_fee_may_exceed_the_minimum_amount() -> None:
    product = product_from_dict(
        config(origination_fee={"fixed": 100_000, "collection": "financed"})
    )
    assert product.origination_fee.amount(Fen(100_000)) == 100_000


def test_constructor_validates_too() -> None:
    product = product_from_dict(CONFIG)
    with pytest.raises(Invalid) as caught:
        dataclasses.replace(product, min_amount=Fen(10_000_000), grace_days=-2)
    assert {e.loc for e in caught.value.errors} == {("max_amount",), ("grace_days",)}


def test_request_errors_check_amount_term_and_rate() -> None:
    product = product_from_dict(CONFIG)
    assert product.request_errors(Fen(1_000_000), 12, Decimal("0.18")) == ()
    errors = product.request_errors(Fen(99_999), 24, Decimal("0.25"))
    assert [e.loc for e in errors] == [("amount",), ("terms",), ("annual_rate",)]
