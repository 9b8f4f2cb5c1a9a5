"""`core.money` rounds an exact amount of fen (a `Fraction`, or a numerator over a denominator) in
integer arithmetic, HALF_UP (ties away from zero) or BANKERS (ties to even); it must agree with
`Decimal` quantization carried at a precision that cannot round twice. `half_up_quotient`, the
form a batch applies to columns, agrees with `ratio_to_fen(…, HALF_UP)` on integers and on a
Polars column alike."""

from __future__ import annotations

from decimal import Decimal, localcontext
from fractions import Fraction

import polars as pl
import pytest
from hypothesis import given
from hypothesis import strategies as st

from fengkong.core.money import BANKERS, HALF_UP, half_up_quotient, ratio_to_fen, to_fen

numerators = st.integers(min_value=-(10**15), max_value=10**15)
denominators = st.integers(min_value=1, max_value=10**12)


def _decimal_round(value: Fraction, rounding: str) -> int:
    with localcontext() as ctx:
        ctx.prec = len(str(value.numerator)) + len(str(value.denominator)) + 8
        exact = Decimal(value.numerator) / Decimal(value.denominator)
        return int(exact.quantize(Decimal(1), rounding=rounding))


@given(numerators, denominators, st.sampled_from((HALF_UP, BANKERS)))
def test_to_fen_of_a_fraction_agrees_with_decimal(
    numerator: int, denominator: int, rounding: str
) -> None:
    value = Fraction(numerator, denominator)
    assert to_fen(value, rounding) == _decimal_round(value, rounding)
    assert ratio_to_fen(numerator, denominator, rounding) == _decimal_round(value, rounding)


def test_ties_go_away_from_zero_or_to_even() -> None:
    halves = [Fraction(n, 2) for n in (-5, -3, -1, 1, 3, 5)]
    assert [to_fen(h, HALF_UP) for h in halves] == [-3, -2, -1, 1, 2, 3]
    assert [to_fen(h, BANKERS) for h in halves] == [-2, -2, 0, 0, 2, 2]
    assert to_fen(Fraction(7), HALF_UP) == 7


def test_other_rounding_modes_and_denominators_are_refused() -> None:
    with pytest.raises(ValueError, match="HALF_UP or BANKERS"):
        ratio_to_fen(1, 3, "ROUND_DOWN")
    with pytest.raises(ValueError, match="positive"):
        ratio_to_fen(1, 0, HALF_UP)


@given(
    st.lists(
        st.tuples(st.integers(min_value=0, max_value=10**15), denominators),
        min_size=1,
        max_size=20,
    )
)
def test_half_up_quotient_is_ratio_to_fen_on_integers_and_columns(
    pairs: list[tuple[int, int]],
) -> None:
    expected = [ratio_to_fen(n, d, HALF_UP) for n, d in pairs]
    assert [half_up_quotient(n, d) for n, d in pairs] == expected
    frame = pl.DataFrame(pairs, schema=["n", "d"], orient="row")
    got = frame.select(half_up_quotient(pl.col("n"), pl.col("d")).alias("q"))["q"].to_list()
    assert got == expected
