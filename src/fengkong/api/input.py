"""What every request body refuses, once: control characters in any string (NUL and the other C0
and C1 controls, tab and line feed aside; lone surrogates), and numbers that are not finite (NaN,
Infinity), wherever they sit in the body. A request model inherits `InputModel`; the query string
is checked by `api.limits` before any route runs.

NUL cannot be stored by PostgreSQL and a lone surrogate cannot be encoded as UTF-8: refused here,
they are a 422 naming the field instead of a 500 from the database."""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from datetime import date
from typing import Any

from pydantic import BaseModel, ConfigDict, field_validator
from pydantic_core import PydanticCustomError

# C0 controls but tab and line feed, DEL and the C1 controls, and UTF-16 surrogates.
CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff]")
# Any date a request names (a valuation, a promise, a guarantee's start) falls in these years.
FIRST_YEAR, LAST_YEAR = 1900, 2199


def control_character(text: str) -> str | None:
    """The first forbidden character of `text` as `U+XXXX at N`, or None when there is none."""
    found = CONTROL.search(text)
    return None if found is None else f"U+{ord(found.group()):04X} at {found.start()}"


def _refuse_hostile(value: object) -> None:
    if isinstance(value, str):
        where = control_character(value)
        if where is not None:
            raise PydanticCustomError(
                "control_character",
                "must not contain control characters ({where})",
                {"where": where},
            )
    elif isinstance(value, float):
        if not math.isfinite(value):
            raise PydanticCustomError("finite_number", "must be a finite number")
    elif isinstance(value, date):
        if not FIRST_YEAR <= value.year <= LAST_YEAR:
            raise PydanticCustomError(
                "date_out_of_range",
                "must fall in the years {first} to {last}",
                {"first": FIRST_YEAR, "last": LAST_YEAR},
            )
    elif isinstance(value, Mapping):
        for key, item in value.items():
            _refuse_hostile(key)
            _refuse_hostile(item)
    elif isinstance(value, list | tuple | set | frozenset):
        for item in value:
            _refuse_hostile(item)
    # A nested `InputModel` checked its own fields; Decimal refuses NaN by its own constraint.


class InputModel(BaseModel):
    """Base of every request body: no control characters in any string, no NaN or Infinity in
    any number and no date outside `FIRST_YEAR`..`LAST_YEAR`, in its fields or in the lists and
    mappings they hold."""

    model_config = ConfigDict(allow_inf_nan=False)

    @field_validator("*", mode="after")
    @classmethod
    def _no_hostile_values(cls, value: Any) -> Any:
        _refuse_hostile(value)
        return value


__all__ = ["CONTROL", "FIRST_YEAR", "LAST_YEAR", "InputModel", "control_character"]
