"""Parsing the filters of the officers' lists from the text typed in a query string or an option.

Each function appends what is wrong to a list of `FieldError`s and returns what it could read,
so a list's filter reports every bad field at once; the messages name the allowed values.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from enum import StrEnum
from typing import TypeVar
from zoneinfo import ZoneInfo

from fengkong.core.errors import FieldError, Invalid

E = TypeVar("E", bound=StrEnum)


@dataclass(frozen=True, slots=True)
class DateRange:
    """Business dates `start` to `end`, both included; either may be open."""

    start: date | None = None
    end: date | None = None

    def instants(self, tz: ZoneInfo) -> tuple[datetime | None, datetime | None]:
        """[first instant of `start`, first instant after `end`) in `tz`, as aware datetimes."""
        low = None if self.start is None else datetime.combine(self.start, time(), tzinfo=tz)
        high = (
            None
            if self.end is None
            else datetime.combine(self.end + timedelta(days=1), time(), tzinfo=tz)
        )
        return low, high


@dataclass(frozen=True, slots=True)
class IntRange:
    low: int | None = None
    high: int | None = None


@dataclass(frozen=True, slots=True)
class Who:
    """Whose rows, as typed: a customer id, a full resident ID number or a full mobile number.
    The lists of applications, decisions, loans, lines and customers all filter by it."""

    customer: str | None = None
    id_number: str | None = None
    phone: str | None = None


ANY_DAY = DateRange()
ANY_NUMBER = IntRange()
ANYONE = Who()


def words(values: Iterable[str] | str | None) -> tuple[str, ...]:
    """`["active,frozen", "closed"]` → `("active", "frozen", "closed")`: repeated or
    comma-separated, blanks dropped."""
    if values is None:
        return ()
    if isinstance(values, str):
        values = (values,)
    return tuple(w.strip() for v in values for w in v.split(",") if w.strip())


def choices(
    values: Iterable[str] | str | None, enum: type[E], loc: str, errors: list[FieldError]
) -> tuple[E, ...]:
    """The members of `enum` named by `values`; an unknown name is an error naming the allowed."""
    found: list[E] = []
    allowed = [m.value for m in enum]
    for word in words(values):
        if word in allowed:
            member = enum(word)
            if member not in found:
                found.append(member)
        else:
            errors.append(_unknown(loc, word, tuple(allowed)))
    return tuple(found)


def _unknown(loc: str, word: str, allowed: tuple[str, ...]) -> FieldError:
    """An unknown name, with the allowed ones in the message and in `allowed`."""
    return FieldError(
        (loc,), f"unknown {loc} {word!r}: one of {', '.join(allowed)}", "enum", allowed
    )


def among(
    values: Iterable[str] | str | None,
    allowed: tuple[str, ...],
    loc: str,
    errors: list[FieldError],
) -> tuple[str, ...]:
    """Like `choices`, for a fixed tuple of names (e.g. the configured DPD buckets)."""
    found: list[str] = []
    for word in words(values):
        if word in allowed:
            if word not in found:
                found.append(word)
        else:
            errors.append(_unknown(loc, word, allowed))
    return tuple(found)


def text(value: str | None, loc: str, errors: list[FieldError], max_length: int = 80) -> str | None:
    """A free word (a product code, a policy version): stripped, bounded; blank means no filter."""
    if value is None or not value.strip():
        return None
    word = value.strip()
    if len(word) > max_length:
        errors.append(FieldError((loc,), f"at most {max_length} characters"))
        return None
    return word


def date_range(
    start: str | date | None, end: str | date | None, loc: str, errors: list[FieldError]
) -> DateRange:
    """`<loc>_from`..`<loc>_to` as ISO dates (YYYY-MM-DD), from not after to."""
    low = _date(start, f"{loc}_from", errors)
    high = _date(end, f"{loc}_to", errors)
    if low is not None and high is not None and low > high:
        errors.append(
            FieldError((f"{loc}_from",), f"{low.isoformat()} is after {loc}_to {high.isoformat()}")
        )
    return DateRange(low, high)


def _date(value: str | date | None, loc: str, errors: list[FieldError]) -> date | None:
    if value is None or isinstance(value, date):
        return value
    if not value.strip():
        return None
    try:
        return date.fromisoformat(value.strip())
    except ValueError:
        errors.append(FieldError((loc,), f"not a date (YYYY-MM-DD): {value.strip()!r}"))
        return None


def required_day(value: str | date, loc: str) -> date:
    """An ISO date (YYYY-MM-DD); else `Invalid` naming `loc`."""
    errors: list[FieldError] = []
    day = _date(value, loc, errors)
    if day is None and not errors:
        errors.append(FieldError((loc,), "a date (YYYY-MM-DD) is required"))
    if errors:
        raise Invalid(tuple(errors))
    assert day is not None
    return day


def int_range(
    low: int | None, high: int | None, loc: str, errors: list[FieldError], minimum: int = 0
) -> IntRange:
    """`<loc>_min`..`<loc>_max`, both included, each at least `minimum`, min not above max."""
    for value, end in ((low, "min"), (high, "max")):
        if value is not None and value < minimum:
            errors.append(FieldError((f"{loc}_{end}",), f"must be ≥ {minimum}, got {value}"))
    if low is not None and high is not None and low > high:
        errors.append(FieldError((f"{loc}_min",), f"{low} is above {loc}_max {high}"))
    return IntRange(low, high)
