"""Validators for a person's name and a postal address. Like the number validators, each
normalizes its input and either returns the canonical value or raises `Invalid` listing every
problem, without repeating the personal data itself.
"""

from __future__ import annotations

import unicodedata
from typing import NoReturn

from fengkong.core.errors import FieldError, Invalid
from fengkong.onboarding.normalize import (
    NAME_SEPARATOR,
    FieldKind,
    is_han,
    normalize_address,
    normalize_name,
)


def _fail(kind: FieldKind, problems: list[tuple[str, str]]) -> NoReturn:
    raise Invalid(tuple(FieldError((kind.value,), msg, type_) for msg, type_ in problems))


CHINESE_NAME_MIN_LENGTH = 2
CHINESE_NAME_MAX_LENGTH = 40  # transliterated minority names run long: 阿卜杜热合曼·买买提明
LATIN_NAME_MIN_LENGTH = 2
LATIN_NAME_MAX_LENGTH = 100
ADDRESS_MIN_LENGTH = 5
ADDRESS_MAX_LENGTH = 200
_LATIN_NAME_PUNCTUATION = frozenset(" -'.")


def _is_latin_letter(ch: str) -> bool:
    return ch.isalpha() and "LATIN" in unicodedata.name(ch, "")


def _fits_latin_name(ch: str) -> bool:
    # Combining marks (category M) carry the accents of decomposed letters.
    return (
        _is_latin_letter(ch)
        or unicodedata.category(ch).startswith("M")
        or (ch in _LATIN_NAME_PUNCTUATION)
    )


def _has_private_use(text: str) -> bool:
    return any(unicodedata.category(ch) == "Co" for ch in text)


_PRIVATE_USE = (
    "contains a private-use character (a rare character typed through a vendor font); "
    "use the standard Unicode character",
    "charset",
)


def _chinese_name_problems(name: str) -> list[tuple[str, str]]:
    problems: list[tuple[str, str]] = []
    if any(not is_han(ch) and ch != NAME_SEPARATOR for ch in name):
        problems.append(
            ("a Chinese name may contain only Chinese characters and the middle dot ·", "charset")
        )
    parts = name.split(NAME_SEPARATOR)
    if len(parts) > 1 and any(not part for part in parts):
        problems.append(("the middle dot · must stand between two parts of the name", "format"))
    if not CHINESE_NAME_MIN_LENGTH <= len(name) <= CHINESE_NAME_MAX_LENGTH:
        problems.append(
            (
                f"a Chinese name has {CHINESE_NAME_MIN_LENGTH} to {CHINESE_NAME_MAX_LENGTH} "
                f"characters, got {len(name)}",
                "length",
            )
        )
    return problems


def _latin_name_problems(name: str) -> list[tuple[str, str]]:
    problems: list[tuple[str, str]] = []
    if not all(_fits_latin_name(ch) for ch in name):
        problems.append(
            (
                "a name is written in Chinese characters (with ·) or in Latin letters "
                "with spaces, hyphens, apostrophes and full stops",
                "charset",
            )
        )
    elif not _is_latin_letter(name[0]):
        problems.append(("a Latin-letter name must begin with a letter", "format"))
    if not LATIN_NAME_MIN_LENGTH <= len(name) <= LATIN_NAME_MAX_LENGTH:
        problems.append(
            (
                f"a Latin-letter name has {LATIN_NAME_MIN_LENGTH} to {LATIN_NAME_MAX_LENGTH} "
                f"characters, got {len(name)}",
                "length",
            )
        )
    return problems


def validate_name(raw: str) -> str:
    """A person's name: Chinese characters (parts joined by `·`) or Latin letters."""
    name = normalize_name(raw)
    kind = FieldKind.NAME
    if not name:
        _fail(kind, [("is empty", "missing")])
    if _has_private_use(name):
        _fail(kind, [_PRIVATE_USE])
    if any(is_han(ch) for ch in name):
        problems = _chinese_name_problems(name)
    else:
        problems = _latin_name_problems(name)
    if problems:
        _fail(kind, problems)
    return name


def validate_address(raw: str) -> str:
    """A postal address of `ADDRESS_MIN_LENGTH` to `ADDRESS_MAX_LENGTH` normalized characters."""
    address = normalize_address(raw)
    kind = FieldKind.ADDRESS
    if not address:
        _fail(kind, [("is empty", "missing")])
    problems: list[tuple[str, str]] = []
    if _has_private_use(address):
        problems.append(_PRIVATE_USE)
    if not ADDRESS_MIN_LENGTH <= len(address) <= ADDRESS_MAX_LENGTH:
        problems.append(
            (
                f"an address has {ADDRESS_MIN_LENGTH} to {ADDRESS_MAX_LENGTH} characters, "
                f"got {len(address)}",
                "length",
            )
        )
    if problems:
        _fail(kind, problems)
    return address
