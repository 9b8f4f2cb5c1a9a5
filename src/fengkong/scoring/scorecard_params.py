"""`ScorecardModel`'s settings: which values each accepts and the grid a search may try. Pure
functions over the estimator's `get_params()` mapping, so each candidate of a search is checked
exactly as the model itself.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any, Literal

import numpy as np

from fengkong.core.errors import FieldError
from fengkong.scoring.param_grid import grid_errors

MonotonicTrend = Literal["auto", "auto_asc_desc", "ascending", "descending", "peak", "valley"]
MONOTONIC_TRENDS: tuple[str, ...] = (
    "auto",
    "auto_asc_desc",
    "ascending",
    "descending",
    "peak",
    "valley",
)

MissingRisk = Literal["worst", "neutral"]
MISSING_RISKS: tuple[str, ...] = ("worst", "neutral")

SEARCHABLE: tuple[str, ...] = ("min_iv", "max_correlation", "C")
"""Parameters `ScorecardModel.param_grid` may search over: the ones applied after binning, so
each inner fold bins once and tries every candidate on the same bins."""

STANDARD_GRID: Mapping[str, tuple[float, ...]] = {
    "min_iv": (0.0, 0.02),
    "max_correlation": (0.7, 1.0),
    "C": (0.1, 1.0),
}
"""The grid `param_grid="standard"` searches: keep weak features or drop them below the usual
IV 0.02; drop a feature whose WOE correlates past 0.7 with a stronger one, or keep all; the
usual or a ten times stronger L2 penalty. Eight candidates, the same for every data set."""

GridSpec = Mapping[str, Sequence[float]] | str


def _is_number(value: object) -> bool:
    return isinstance(value, int | float | np.integer | np.floating) and not isinstance(value, bool)


def _numbers(values: object) -> bool:
    return (
        isinstance(values, Sequence | np.ndarray)
        and not isinstance(values, str)
        and all(_is_number(v) and math.isfinite(float(v)) for v in values)
    )


def parameter_errors(params: Mapping[str, Any]) -> list[FieldError]:
    """Every setting in `params` that `ScorecardModel` does not accept, each naming what it
    allows."""
    errors: list[FieldError] = []

    def need(name: str, ok: bool, msg: str) -> None:
        if not ok:
            errors.append(FieldError((name,), f"{msg}, got {params[name]!r}"))

    min_iv = params["min_iv"]
    need("min_iv", _is_number(min_iv) and 0 <= min_iv < 1, "must be in [0, 1)")
    max_correlation = params["max_correlation"]
    need(
        "max_correlation",
        _is_number(max_correlation) and 0 < max_correlation <= 1,
        "must be in (0, 1]",
    )
    min_bin_size = params["min_bin_size"]
    need(
        "min_bin_size",
        _is_number(min_bin_size) and 0 < min_bin_size < 0.5,
        "must be in (0, 0.5)",
    )
    max_n_bins = params["max_n_bins"]
    need(
        "max_n_bins",
        max_n_bins is None
        or ((isinstance(max_n_bins, int) and not isinstance(max_n_bins, bool)) and max_n_bins >= 2),
        "must be None or an int >= 2",
    )
    for name in ("pdo", "base_odds", "base_score", "C"):
        value = params[name]
        need(name, _is_number(value) and (name == "base_score" or value > 0), "must be > 0")
    categorical = params["categorical"]
    need(
        "categorical",
        not isinstance(categorical, str) and all(isinstance(c, str) for c in categorical),
        "must be a list of column names",
    )
    trend = params["monotonic_trend"]
    need(
        "monotonic_trend",
        trend in MONOTONIC_TRENDS
        if isinstance(trend, str)
        else isinstance(trend, Mapping)
        and all(isinstance(k, str) and v in MONOTONIC_TRENDS for k, v in trend.items()),
        f"must be one of {MONOTONIC_TRENDS} or a mapping of feature to one of them",
    )
    need(
        "missing_risk",
        params.get("missing_risk", "worst") in MISSING_RISKS,
        f"must be one of {MISSING_RISKS}",
    )
    ordinal = params.get("ordinal")
    need(
        "ordinal",
        ordinal is None
        or (
            isinstance(ordinal, Mapping)
            and all(
                isinstance(k, str)
                and isinstance(v, Sequence)
                and not isinstance(v, str)
                and len(v) >= 2
                and len(set(map(str, v))) == len(v)
                for k, v in ordinal.items()
            )
        ),
        "must be a mapping of feature to its categories in order, lowest first",
    )
    codes = params["special_codes"]
    need(
        "special_codes",
        _numbers(codes)
        if not isinstance(codes, Mapping)
        else all(isinstance(k, str) and _numbers(v) for k, v in codes.items()),
        "must be a list of numbers or a mapping of feature to a list of numbers",
    )
    folds = params["inner_folds"]
    need(
        "inner_folds",
        isinstance(folds, int) and not isinstance(folds, bool) and folds >= 2,
        "must be an int >= 2",
    )

    def value_errors(name: str, value: Any) -> list[FieldError]:
        candidate = parameter_errors({**params, name: value, "param_grid": None})
        return [e for e in candidate if e.loc == (name,)]

    errors += grid_errors(params["param_grid"], SEARCHABLE, value_errors)
    return errors


def search_grid(param_grid: GridSpec | None) -> Mapping[str, Sequence[float]]:
    """The candidate values per parameter that a `param_grid` setting asks to search."""
    if param_grid == "standard":
        return STANDARD_GRID
    return param_grid if isinstance(param_grid, Mapping) else {}
