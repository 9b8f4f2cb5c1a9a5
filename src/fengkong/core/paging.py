"""Keyset pagination for the officers' lists: a sort on one key (ties broken by id), a bounded
page size, and an opaque cursor naming the last row seen.

The cursor is base64url of a small JSON document `[sort, descending, key value, id]`: the next
page starts strictly after that (key, id) in the sort's order, so rows inserted meanwhile shift
nothing and no row is seen twice or skipped. A cursor belongs to its sort: one made under another
sort, or edited, is refused as bad input.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum
from typing import Generic, TypeVar

from fengkong.core.errors import FieldError

DEFAULT_LIMIT = 50
MAX_LIMIT = 500

T = TypeVar("T")

KeyValue = datetime | date | int


class KeyKind(StrEnum):
    """How a sort key's value is written in a cursor."""

    DATETIME = "datetime"
    DATE = "date"
    INT = "int"


@dataclass(frozen=True, slots=True)
class Sort:
    key: str
    descending: bool

    def __str__(self) -> str:
        return ("-" if self.descending else "") + self.key


@dataclass(frozen=True, slots=True)
class Position:
    """The last row of a page: its sort key value and its id."""

    value: KeyValue
    id: str


@dataclass(frozen=True, slots=True)
class PageRequest:
    sort: Sort
    limit: int = DEFAULT_LIMIT
    after: Position | None = None


@dataclass(frozen=True, slots=True)
class Page(Generic[T]):
    """One page of rows and where the next one starts (None: this was the last)."""

    items: tuple[T, ...]
    next: Position | None = None


def page_request(
    sort: str | None,
    limit: int | None,
    cursor: str | None,
    keys: Mapping[str, KeyKind],
    default: Sort,
    errors: list[FieldError],
) -> PageRequest:
    """The page asked for, from the text an officer typed; problems are appended to `errors`
    (the caller raises them with its filter's, all at once)."""
    chosen = default
    if sort is not None and sort.strip():
        text = sort.strip()
        descending = text.startswith("-")
        name = text.lstrip("+-")
        if name in keys:
            chosen = Sort(name, descending)
        else:
            allowed = ", ".join(sorted(keys))
            errors.append(
                FieldError(
                    ("sort",), f"unknown sort {name!r}: one of {allowed}, '-' first for descending"
                )
            )
    size = DEFAULT_LIMIT if limit is None else limit
    if not 1 <= size <= MAX_LIMIT:
        errors.append(FieldError(("limit",), f"must be between 1 and {MAX_LIMIT}, got {size}"))
        size = DEFAULT_LIMIT
    after = None
    if cursor is not None and cursor.strip():
        after = decode_cursor(cursor.strip(), chosen, keys[chosen.key], errors)
    return PageRequest(chosen, size, after)


def encode_cursor(sort: Sort, position: Position) -> str:
    value = position.value
    written: object = value.isoformat() if isinstance(value, date) else value
    document = json.dumps([sort.key, sort.descending, written, position.id], separators=(",", ":"))
    return base64.urlsafe_b64encode(document.encode()).decode("ascii").rstrip("=")


def decode_cursor(
    text: str, sort: Sort, kind: KeyKind, errors: list[FieldError]
) -> Position | None:
    try:
        raw = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
        key, descending, written, row_id = json.loads(raw)
    except (binascii.Error, ValueError, TypeError):
        errors.append(FieldError(("cursor",), "not a cursor this list gave out"))
        return None
    if key != sort.key or descending is not sort.descending:
        errors.append(
            FieldError(
                ("cursor",),
                f"the cursor belongs to sort {'-' if descending else ''}{key}, "
                f"not {sort}: keep the sort of the first page",
            )
        )
        return None
    value = _value(kind, written)
    if value is None or not isinstance(row_id, str) or not row_id:
        errors.append(FieldError(("cursor",), "not a cursor this list gave out"))
        return None
    return Position(value, row_id)


def _value(kind: KeyKind, written: object) -> KeyValue | None:
    try:
        if kind is KeyKind.INT:
            return written if type(written) is int else None
        if not isinstance(written, str):
            return None
        if kind is KeyKind.DATE:
            return date.fromisoformat(written)
        parsed = datetime.fromisoformat(written)
        return parsed if parsed.tzinfo is not None else None
    except ValueError:
        return None


def next_cursor(request: PageRequest, page: Page[T]) -> str | None:
    """The cursor of the page after `page`, or None at the end."""
    return None if page.next is None else encode_cursor(request.sort, page.next)
