from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from fengkong.core.errors import Invalid
from fengkong.core.money import (
    BANKERS,
    HALF_UP,
    allocate,
    fen_to_yuan,
    format_fen,
    to_fen,
    yuan_to_fen,
)


@pytest.mark.parametrize(
    ("amount", "rounding", "expected"),
    [
        (Decimal("2.5"), HALF_UP, 3),
        (Decimal("2.5"), BANKERS, 2),
        (Decimal("3.5"), BANKERS, 4),
        (Decimal("-2.5"), HALF_UP, -3),
        (Decimal("2.4999"), HALF_UP, 2),
    ],
)
def test_to_fen_names_its_rounding(amount: Decimal, rounding: str, expected: int) -> None:
    assert to_fen(amount, rounding) == expected


def test_to_fen_refuses_float() -> None:
    with pytest.raises(TypeError):
        to_fen(2.5, HALF_UP)  # type: ignore[arg-type]


@pytest.mark.parametrize(("yuan", "fen"), [("12.34", 1234), ("0.01", 1), (5, 500), ("1e2", 10000)])
def test_yuan_to_fen_is_exact(yuan: str | int, fen: int) -> None:
    assert yuan_to_fen(yuan) == fen


@pytest.mark.parametrize("bad", ["1.234", "abc", "NaN", "Infinity", ""])
def test_yuan_to_fen_refuses_what_is_not_an_amount(bad: str) -> None:
    with pytest.raises(Invalid):
        yuan_to_fen(bad)


def test_yuan_to_fen_refuses_float() -> None:
    with pytest.raises(TypeError):
        yuan_to_fen(0.1)  # type: ignore[arg-type]


def test_yuan_to_fen_rounds_only_when_asked() -> None:
    assert yuan_to_fen("1.235", HALF_UP) == 124
    assert yuan_to_fen("1.225", BANKERS) == 122


def test_format_fen() -> None:
    assert format_fen(123456) == "¥1,234.56"
    assert format_fen(-5) == "-¥0.05"
    assert format_fen(100, symbol=False) == "1.00"
    assert fen_to_yuan(1) == Decimal("0.01")


@given(
    total=st.integers(min_value=-(10**12), max_value=10**12),
    weights=st.lists(st.integers(min_value=0, max_value=10**6), min_size=1, max_size=30).filter(
        any
    ),
)
def test_allocate_parts_sum_exactly(total: int, weights: list[int]) -> None:
    parts = allocate(total, weights)
    assert sum(parts) == total
    assert len(parts) == len(weights)
    weight_sum = sum(weights)
    for part, w in zip(parts, weights, strict=True):
        share = Decimal(total) * w / weight_sum
        assert abs(Decimal(part) - share) < 1  # no part is off its exact share by a whole fen


def test_allocate_is_deterministic_on_ties() -> None:
    assert allocate(100, [1, 1, 1]) == (34, 33, 33)
    assert allocate(-100, [1, 1, 1]) == (-34, -33, -33)
    with pytest.raises(ValueError):
        allocate(100, [0, 0])
