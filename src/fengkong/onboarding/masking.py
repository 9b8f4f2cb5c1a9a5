"""Display masks for personal data: enough to recognise one's own value, too little to reuse it.

Every mask first normalizes, so `138 1234 5678` and `13812345678` mask alike. A value too short to
keep its ends while hiding at least four characters is masked entirely: a malformed value must not
leak more than a well-formed one.
"""

from __future__ import annotations

from fengkong.onboarding.normalize import (
    NAME_SEPARATOR,
    FieldKind,
    normalize_address,
    normalize_bank_card,
    normalize_mobile,
    normalize_name,
    normalize_resident_id,
    normalize_uscc,
)

__all__ = [
    "mask",
    "mask_address",
    "mask_bank_card",
    "mask_mobile",
    "mask_name",
    "mask_resident_id",
    "mask_uscc",
]

_MIN_HIDDEN = 4
_NAME_SEPARATORS = frozenset({" ", NAME_SEPARATOR, "-", "'", "."})


def _keep_ends(value: str, head: int, tail: int) -> str:
    hidden = len(value) - head - tail
    if hidden < _MIN_HIDDEN:
        return "*" * len(value)
    return value[:head] + "*" * hidden + value[len(value) - tail :]


def mask_resident_id(clear: str) -> str:
    """`110105194912310021` → `110***********0021`: first 3 and last 4 kept."""
    return _keep_ends(normalize_resident_id(clear), 3, 4)


def mask_mobile(clear: str) -> str:
    """`13812345678` → `138****5678`."""
    return _keep_ends(normalize_mobile(clear), 3, 4)


def mask_bank_card(clear: str) -> str:
    """`6222021234567890123` → `6222 **** **** 0123`: one shape for every length, hiding it too."""
    digits = normalize_bank_card(clear)
    if len(digits) < 8 + _MIN_HIDDEN:
        return "*" * len(digits)
    return f"{digits[:4]} **** **** {digits[-4:]}"


def mask_name(clear: str) -> str:
    """`张三` → `张*`, `王小明` → `王*明`, `买买提·艾力` → `买**·*力`; separators stay visible."""
    name = normalize_name(clear)
    positions = [i for i, ch in enumerate(name) if ch not in _NAME_SEPARATORS]
    if len(positions) <= 1:
        keep: set[int] = set()
    elif len(positions) == 2:
        keep = {positions[0]}
    else:
        keep = {positions[0], positions[-1]}
    return "".join(ch if ch in _NAME_SEPARATORS or i in keep else "*" for i, ch in enumerate(name))


def mask_address(clear: str) -> str:
    """The first six characters (province and city, mostly) and a fixed `****`."""
    address = normalize_address(clear)
    return address[: min(6, len(address) // 2)] + "****"


def mask_uscc(clear: str) -> str:
    """Department, type and region (first 8) and the check character kept."""
    return _keep_ends(normalize_uscc(clear), 8, 1)


_MASKS = {
    FieldKind.RESIDENT_ID: mask_resident_id,
    FieldKind.MOBILE: mask_mobile,
    FieldKind.BANK_CARD: mask_bank_card,
    FieldKind.NAME: mask_name,
    FieldKind.ADDRESS: mask_address,
    FieldKind.USCC: mask_uscc,
}


def mask(kind: FieldKind | str, clear: str) -> str:
    """The display mask for `clear` of the given kind; an unknown kind is a `ValueError`."""
    return _MASKS[FieldKind(kind)](clear)
