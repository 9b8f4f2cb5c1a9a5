"""Schedules refuse what cannot be a loan, naming each bad field."""

from datetime import date
from decimal import Decimal

import pytest

from fengkong.core.errors import Invalid
from fengkong.core.money import Fen
from fengkong.lending.schedule import RepaymentMethod, build_schedule, equal_instalment

START = date(2025, 1, 31)


@pytest.mark.parametrize(
    ("principal", "rate", "terms", "fee", "loc"),
    [
        (0, Decimal("0.1"), 12, 0, "principal"),
        (-5, Decimal("0.1"), 12, 0, "principal"),
        (True, Decimal("0.1"), 12, 0, "principal"),
        (100, Decimal("-0.01"), 12, 0, "annual_rate"),
        (100, Decimal("NaN"), 12, 0, "annual_rate"),
        (100, Decimal("0.1"), 0, 0, "terms"),
        (100, Decimal("0.1"), 12, -1, "fee"),
    ],
)
def test_bad_field_is_named(principal: int, rate: Decimal, terms: int, fee: int, loc: str) -> None:
    with pytest.raises(Invalid) as caught:
        equal_instalment(Fen(principal), rate, terms, START, fee=Fen(fee))
    assert [e.loc for e in caught.value.errors] == [(loc,)]


def test_all_bad_fields_reported_together() -> None:
    with pytest.raises(Invalid) as caught:
        equal_instalment(Fen(0), Decimal(-1), 0, START)
    assert {e.loc for e in caught.value.errors} == {("principal",), ("annual_rate",), ("terms",)}


def test_float_rate_is_a_type_error() -> None:
    with pytest.raises(TypeError):
        equal_instalment(Fen(100), 0.12, 12, START)  # type: ignore[arg-type]


def test_unknown_method_is_invalid() -> None:
    with pytest.raises(Invalid) as caught:
        build_schedule("balloon", Fen(100), Decimal("0.1"), 12, START)  # type: ignore[arg-type]
    assert caught.value.errors[0].loc == ("method",)


def test_dispatcher_accepts_method_values() -> None:
    by_value = build_schedule("equal_principal", Fen(1000), Decimal("0.1"), 3, START)  # type: ignore[arg-type]
    by_member = build_schedule(RepaymentMethod.EQUAL_PRINCIPAL, Fen(1000), Decimal("0.1"), 3, START)
    assert by_value == by_member
