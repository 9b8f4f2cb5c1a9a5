"""Money as integer fen (分). Only this module turns a `Decimal` (or an exact `Fraction`) into fen,
and it names the rounding (ADR 0001: HALF_UP for customer-facing amounts, BANKERS for aggregates).

Amounts cross the edges as yuan strings ("1234.56") or integer fen; floats are refused everywhere,
because a float cannot hold 0.1 yuan exactly and a ledger must balance to the fen.

Rounding an exact value (a schedule's interest, a day's accrual) goes through `ratio_to_fen` or
`to_fen` on a `Fraction`, in integer arithmetic, so nothing is rounded twice. `half_up_quotient`
is the same HALF_UP rounding written with `+`, `*` and `//` only, so a batch applies it to whole
columns (Polars expressions) and gets, row by row, what `ratio_to_fen` gives one amount.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import ROUND_HALF_EVEN, ROUND_HALF_UP, Decimal, InvalidOperation
from fractions import Fraction
from typing import Any, NewType, Protocol, Self, TypeVar

from fengkong.core.errors import FieldError, Invalid

Fen = NewType("Fen", int)

CURRENCY = "CNY"
FEN_PER_YUAN = 100
HALF_UP = ROUND_HALF_UP  # customer-facing amounts: instalments, fees, interest
BANKERS = ROUND_HALF_EVEN  # aggregate statistics, where a bias in one direction would add up

_RoundingMode = str


def to_fen(amount_in_fen: Decimal | Fraction | int, rounding: _RoundingMode) -> Fen:
    """Round an amount already expressed in fen (a `Decimal` or an exact `Fraction`, possibly
    fractional) to whole fen. A `Fraction` is rounded from its exact value (`ratio_to_fen`)."""
    if isinstance(amount_in_fen, bool) or not isinstance(amount_in_fen, Decimal | Fraction | int):
        raise TypeError(
            f"to_fen takes Decimal, Fraction or int, not {type(amount_in_fen).__name__}"
        )
    if isinstance(amount_in_fen, Fraction):
        return ratio_to_fen(amount_in_fen.numerator, amount_in_fen.denominator, rounding)
    return Fen(int(Decimal(amount_in_fen).quantize(Decimal(1), rounding=rounding)))


def ratio_to_fen(numerator: int, denominator: int, rounding: _RoundingMode) -> Fen:
    """`numerator / denominator` fen rounded to whole fen, in integer arithmetic (no intermediate
    rounding, no `Fraction` built: a schedule rounds one such product per instalment).

    `rounding` is `HALF_UP` (ties away from zero) or `BANKERS` (ties to the even fen)."""
    if denominator <= 0:
        raise ValueError(f"denominator must be positive: {denominator}")
    if rounding not in (HALF_UP, BANKERS):
        raise ValueError(f"rounding must be HALF_UP or BANKERS, not {rounding!r}")
    whole, rest = divmod(abs(numerator), denominator)
    twice = 2 * rest
    if twice > denominator or (twice == denominator and (rounding == HALF_UP or whole % 2)):
        whole += 1
    return Fen(whole if numerator >= 0 else -whole)


class Integers(Protocol):
    """An integer or a column of integers: whatever `half_up_quotient` computes with."""

    def __add__(self, other: Any, /) -> Self: ...
    def __mul__(self, other: Any, /) -> Self: ...
    def __floordiv__(self, other: Any, /) -> Self: ...


IntegersT = TypeVar("IntegersT", bound=Integers)


def half_up_quotient(numerator: IntegersT, denominator: IntegersT | int) -> IntegersT:
    """`numerator / denominator` rounded HALF_UP, for `numerator ≥ 0` and `denominator > 0`:
    `⌊(2n + d) / 2d⌋`. Written with `+`, `*` and `//` alone, so it takes integers (equal to
    `ratio_to_fen(n, d, HALF_UP)`) or integer columns (a Polars expression), and one definition
    of the rounding serves one loan and a batch of loans alike."""
    return (numerator * 2 + denominator) // (denominator * 2)


def yuan_to_fen(yuan: Decimal | int | str, rounding: _RoundingMode | None = None) -> Fen:
    """Convert yuan to fen. Without `rounding`, more than two decimals is an error, not a silent cut."""
    if isinstance(yuan, float | bool):
        raise TypeError("money is never a float: pass yuan as a Decimal, int or string")
    try:
        value = Decimal(yuan) if not isinstance(yuan, Decimal) else yuan
    except (InvalidOperation, ValueError) as exc:
        raise Invalid((FieldError(("amount",), f"not a number: {yuan!r}"),)) from exc
    if not value.is_finite():
        raise Invalid((FieldError(("amount",), f"not a finite amount: {yuan!r}"),))
    in_fen = value * FEN_PER_YUAN
    if rounding is None:
        if in_fen != in_fen.to_integral_value():
            raise Invalid((FieldError(("amount",), f"more than two decimals: {yuan!r}"),))
        return Fen(int(in_fen))
    return to_fen(in_fen, rounding)


def fen_to_yuan(fen: int) -> Decimal:
    """Exact yuan value of an amount in fen, always with two decimals."""
    return (Decimal(fen) / FEN_PER_YUAN).quantize(Decimal("0.01"))


def format_fen(fen: int, *, symbol: bool = True) -> str:
    """`123456` → `¥1,234.56`; negative amounts keep their sign in front of the symbol."""
    sign = "-" if fen < 0 else ""
    text = f"{fen_to_yuan(abs(fen)):,.2f}"
    return f"{sign}{'¥' if symbol else ''}{text}"


def allocate(total: int, weights: Sequence[int | Decimal]) -> tuple[Fen, ...]:
    """Split `total` fen in proportion to `weights` so the parts sum exactly to `total`.

    Largest-remainder method: every part gets the floor of its share, and the fen left over go to
    the parts with the largest remainders (earliest first on ties), so the result is deterministic.
    """
    if not weights:
        raise ValueError("allocate needs at least one weight")
    dec_weights = [Decimal(w) for w in weights]
    if any(w < 0 for w in dec_weights):
        raise ValueError("weights must not be negative")
    weight_sum = sum(dec_weights, Decimal(0))
    if weight_sum == 0:
        raise ValueError("weights must not all be zero")
    sign = -1 if total < 0 else 1
    magnitude = abs(total)
    shares = [magnitude * w / weight_sum for w in dec_weights]
    parts = [int(s) for s in shares]
    leftover = magnitude - sum(parts)
    order = sorted(range(len(shares)), key=lambda i: (-(shares[i] - parts[i]), i))
    for i in order[:leftover]:
        parts[i] += 1
    return tuple(Fen(sign * p) for p in parts)
