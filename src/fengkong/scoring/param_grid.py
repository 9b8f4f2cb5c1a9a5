"""A model's `param_grid` option, checked the same way for every model kind: None, "standard", or a
mapping of searchable parameter to a non-empty list of values each valid on its own."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from fengkong.core.errors import FieldError


def grid_errors(
    grid: object,
    searchable: Sequence[str],
    value_errors: Callable[[str, Any], Sequence[FieldError]],
) -> list[FieldError]:
    """What is wrong with `grid`; `value_errors(name, value)` checks one candidate value."""
    if grid is None or grid == "standard":
        return []
    if not isinstance(grid, Mapping) or not grid:
        return [
            FieldError(
                ("param_grid",),
                f'must be None, "standard" or a mapping of parameter to values, got {grid!r}',
            )
        ]
    errors: list[FieldError] = []
    for name, values in grid.items():
        loc: tuple[str | int, ...] = ("param_grid", str(name))
        if name not in searchable:
            errors.append(FieldError(loc, f"not searchable; expected one of {tuple(searchable)}"))
        elif isinstance(values, str | bytes) or not isinstance(values, Sequence) or not values:
            errors.append(FieldError(loc, f"must be a non-empty list, got {values!r}"))
        else:
            for value in values:
                errors += [FieldError(loc, e.msg) for e in value_errors(name, value)]
    return errors
