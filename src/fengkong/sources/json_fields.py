"""Reading a JSON document field by field, gathering every problem with its path instead of
stopping at the first: the kinds' `read` functions (`sources.bureau`, `sources.business`,
`sources.payments`) build their typed documents with a `Fields` and raise one `Invalid` naming
all that is wrong.

Also the normal forms a document's identifying values are compared in (a resident ID, a unified
social credit code, a name): this package sits below `onboarding`, so they are restated here in
the few lines a comparison needs, not imported."""

from __future__ import annotations

import json
import unicodedata
from collections.abc import Mapping, Sequence
from datetime import date
from enum import StrEnum
from typing import Any, TypeVar

from fengkong.core.errors import FieldError, Invalid
from fengkong.core.money import Fen

__all__ = [
    "Fields",
    "Loc",
    "first_of_month",
    "json_object",
    "months_between",
    "normal_code",
    "normal_name",
    "parse_month",
]

Loc = tuple[str | int, ...]
E = TypeVar("E", bound=StrEnum)

_DASHES = frozenset("-‐‑‒–—―－")
# Middle-dot look-alikes in names of minority nationalities (买买提·艾力).
_DOTS = frozenset("·・•‧∙⋅．.")


def normal_code(raw: str) -> str:
    """A resident ID or unified social credit code as compared: width folded (NFKC), spaces and
    dashes removed, upper case."""
    text = unicodedata.normalize("NFKC", raw)
    return "".join(ch for ch in text if not ch.isspace() and ch not in _DASHES).upper()


def normal_name(raw: str) -> str:
    """A name as compared: width folded, spaces removed, dot look-alikes unified, case folded."""
    text = unicodedata.normalize("NFKC", raw)
    return "".join("·" if ch in _DOTS else ch for ch in text if not ch.isspace()).casefold()


def first_of_month(day: date) -> date:
    return day.replace(day=1)


def months_between(earlier: date, later: date) -> int:
    """Calendar months from `earlier`'s month to `later`'s (0 in the same month)."""
    return (later.year - earlier.year) * 12 + later.month - earlier.month


def parse_month(text: str) -> date | None:
    """`YYYY-MM` as the first day of that month, or None when it is not one."""
    if len(text) != 7 or text[4] != "-" or not (text[:4] + text[5:]).isdigit():
        return None
    year, month = int(text[:4]), int(text[5:])
    return date(year, month, 1) if 1 <= month <= 12 and year >= 1 else None


def json_object(content: bytes, what: str) -> Mapping[str, Any]:
    """A JSON file's one object (UTF-8, with or without a BOM); `Invalid` when it is not one."""
    try:
        doc = json.loads(content.decode("utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError) as e:
        raise Invalid((FieldError(("file",), f"is not JSON: {e}", "json_invalid"),)) from None
    if not isinstance(doc, dict):
        raise Invalid((FieldError(("file",), f"must hold one {what} object", "type_error"),))
    return doc


class Fields:
    """Collects `FieldError`s while a document is read; each getter returns None (or a neutral
    value) for a bad field so that reading goes on and every problem is reported."""

    def __init__(self) -> None:
        self.errors: list[FieldError] = []

    def fail(self, loc: Loc, msg: str, type_: str = "value_error") -> None:
        self.errors.append(FieldError(loc, msg, type_))

    def raise_if_any(self, what: str) -> None:
        if self.errors:
            raise Invalid(tuple(self.errors), f"not a valid {what}: " + _summary(self.errors))

    # --- shapes ---

    def obj(self, value: object, loc: Loc) -> Mapping[str, Any] | None:
        if isinstance(value, Mapping):
            return value
        self.fail(loc, "must be an object", "type_error")
        return None

    def items(self, doc: Mapping[str, Any], key: str, loc: Loc) -> Sequence[Any]:
        """A list field; absent or null is empty."""
        value = doc.get(key)
        if value is None:
            return ()
        if isinstance(value, list | tuple):
            return value
        self.fail((*loc, key), "must be a list", "type_error")
        return ()

    # --- values ---

    def text(
        self, doc: Mapping[str, Any], key: str, loc: Loc, *, optional: bool = False
    ) -> str | None:
        value = doc.get(key)
        if value is None and optional:
            return None
        if isinstance(value, str) and value.strip():
            return value.strip()
        self.fail(
            (*loc, key),
            "is required: a non-empty text",
            "missing" if value is None else "type_error",
        )
        return None

    def fen(
        self, doc: Mapping[str, Any], key: str, loc: Loc, *, optional: bool = False
    ) -> Fen | None:
        """An amount in integer fen, not negative: a float, a string or a bool is refused (a float
        cannot hold every fen exactly, and a string could be yuan or fen)."""
        value = doc.get(key)
        if value is None:
            if not optional:
                self.fail((*loc, key), "is required: an amount in integer fen", "missing")
            return None
        if isinstance(value, bool) or not isinstance(value, int):
            self.fail(
                (*loc, key),
                f"must be an amount in integer fen, not {type(value).__name__}",
                "type_error",
            )
            return None
        if value < 0:
            self.fail((*loc, key), "must not be negative")
            return None
        return Fen(value)

    def integer(
        self, doc: Mapping[str, Any], key: str, loc: Loc, *, low: int, high: int | None = None
    ) -> int | None:
        value = doc.get(key)
        if isinstance(value, bool) or not isinstance(value, int):
            self.fail((*loc, key), "must be a whole number", "type_error")
            return None
        if value < low or (high is not None and value > high):
            bound = f"from {low} to {high}" if high is not None else f"at least {low}"
            self.fail((*loc, key), f"must be {bound}")
            return None
        return value

    def flag(self, doc: Mapping[str, Any], key: str, loc: Loc) -> bool | None:
        value = doc.get(key)
        if isinstance(value, bool):
            return value
        self.fail((*loc, key), "must be true or false", "type_error")
        return None

    def day(
        self, doc: Mapping[str, Any], key: str, loc: Loc, *, optional: bool = False
    ) -> date | None:
        value = doc.get(key)
        if value is None and optional:
            return None
        if isinstance(value, str) and len(value) == 10:
            try:
                return date.fromisoformat(value)
            except ValueError:
                pass
        self.fail((*loc, key), "must be a date, YYYY-MM-DD", "date_error")
        return None

    def month(self, doc: Mapping[str, Any], key: str, loc: Loc) -> date | None:
        value = doc.get(key)
        month = parse_month(value) if isinstance(value, str) else None
        if month is None:
            self.fail((*loc, key), "must be a month, YYYY-MM", "date_error")
        return month

    def choice(
        self,
        doc: Mapping[str, Any],
        key: str,
        loc: Loc,
        enum: type[E],
        aliases: Mapping[str, E] | None = None,
    ) -> E | None:
        """One of `enum`'s values, or a Chinese name of one (`aliases`)."""
        value = doc.get(key)
        if isinstance(value, str):
            text = value.strip()
            if aliases and text in aliases:
                return aliases[text]
            try:
                return enum(text.lower())
            except ValueError:
                pass
        allowed = tuple(e.value for e in enum)
        self.errors.append(
            FieldError((*loc, key), "must be one of " + ", ".join(allowed), "enum", allowed)
        )
        return None


def _summary(errors: Sequence[FieldError]) -> str:
    shown = "; ".join(f"{'.'.join(map(str, e.loc)) or '(root)'}: {e.msg}" for e in errors[:5])
    return shown + (f"; and {len(errors) - 5} more" if len(errors) > 5 else "")
