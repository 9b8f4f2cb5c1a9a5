"""`round_fen` rounds an exact amount of fen HALF_UP (ties away from zero) in integer arithmetic;
it must agree with `Decimal` quantization carried at a precision that cannot round twice."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, localcontext
from fractions import Fraction

from hypothesis import given
from hypothesis import strategies as st

from fengkong.lending.schedule import round_fen


def _decimal_half_up(value: Fraction) -> int:
    with localcontext() as ctx:
        ctx.prec = len(str(value.numerator)) + len(str(value.denominator)) + 8
        exact = Decimal(value.numerator) / Decimal(value.denominator)
        return int(exact.quantize(Decimal(1), rounding=ROUND_HALF_UP))


@given(
    st.integers(min_value=-(10**15), max_value=10**15),
    st.integers(min_value=1, max_value=10**12),
)
def test_round_fen_agrees_with_decimal_half_up(numerator: int, denominator: int) -> None:
    value = Fraction(numerator, denominator)
    assert round_fen(value) == _decimal_half_up(value)


def test_ties_go_away_from_zero() -> None:
    assert [round_fen(Fraction(n, 2)) for n in (-5, -3, -1, 1, 3, 5)] == [-3, -2, -1, 1, 2, 3]
    assert round_fen(7) == 7
