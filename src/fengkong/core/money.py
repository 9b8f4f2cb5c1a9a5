"""Money as integer fen (分). Only this module turns a `Decimal` into fen, and it names the rounding.

Amounts cross the edges as yuan strings ("1234.56") or integer fen; floats are refused everywhere,
because a float cannot hold 0.1 yuan exactly and a ledger must balance to the fen.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import ROUND_HALF_EVEN, ROUND_HALF_UP, Decimal, InvalidOperation
from typing import NewType

from fengkong.core.errors import FieldError, Invalid

Fen = NewType("Fen", int)

CURRENCY = "CNY"
FEN_PER_YUAN = 100
HALF_UP = ROUND_HALF_UP  # customer-facing amounts: instalments, fees, interest
BANKERS = ROUND_HALF_EVEN  # aggregate statistics, where a bias in one direction would add up

_RoundingMode = str


def to_fen(amount_in_fen: Decimal | int, rounding: _RoundingMode) -> Fen:
    """Round an amount already expressed in fen (a `Decimal`, possibly fractional) to whole fen."""
    if isinstance(amount_in_fen, bool) or not isinstance(amount_in_fen, Decimal | int):
        raise TypeError(f"to_fen takes Decimal or int, not {type(amount_in_fen).__name__}")
    return Fen(int(Decimal(amount_in_fen).quantize(Decimal(1), rounding=rounding)))


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
