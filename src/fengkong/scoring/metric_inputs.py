"""The input conventions every model metric checks (`metrics`, `stability`, `calibration`).

- `y_true` holds 0 (good) and 1 (bad); booleans are accepted.
- `y_score` is oriented so that **higher means riskier**: a PD, log-odds of default, or any
  risk score. Scorecard points, where higher means safer, are passed with
  `higher_is_riskier=False`; `check_pair` then flips the sign.
- Inputs are array-likes of equal length without NaN; anything else raises `Invalid`.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt

from fengkong.core.errors import FieldError, Invalid

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]


def invalid(loc: str, msg: str) -> Invalid:
    """One field error at `loc`."""
    return Invalid((FieldError((loc,), msg),))


def as_float(values: Any, loc: str) -> FloatArray:
    """`values` as a non-empty one-dimensional float array without NaN or infinity."""
    try:
        arr = np.asarray(values, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise invalid(loc, f"must be numeric: {exc}") from exc
    if arr.ndim != 1:
        raise invalid(loc, f"must be one-dimensional, got shape {arr.shape}")
    if arr.size == 0:
        raise invalid(loc, "must not be empty")
    if np.isnan(arr).any():
        raise invalid(loc, f"contains {int(np.isnan(arr).sum())} NaN value(s)")
    if np.isinf(arr).any():
        raise invalid(loc, "contains infinite value(s)")
    return arr


def as_target(values: Any, *, both_classes: bool) -> IntArray:
    """`values` as 0 (good) / 1 (bad), both classes present when `both_classes`."""
    arr = as_float(values, "y_true")
    if not np.isin(arr, (0.0, 1.0)).all():
        raise invalid("y_true", "must hold only 0 (good) and 1 (bad)")
    y = arr.astype(np.int64)
    if both_classes and (y.min() == y.max()):
        raise invalid("y_true", f"holds a single class ({int(y[0])}); both 0 and 1 are needed")
    return y


def check_pair(
    y_true: Any, y_score: Any, *, both_classes: bool = True, higher_is_riskier: bool = True
) -> tuple[IntArray, FloatArray]:
    """Targets and scores of equal length, the scores oriented so higher means riskier."""
    y = as_target(y_true, both_classes=both_classes)
    s = as_float(y_score, "y_score")
    if y.shape != s.shape:
        raise invalid("y_score", f"has length {s.size}, y_true has length {y.size}")
    return y, (s if higher_is_riskier else -s)


def as_pd(values: Any, loc: str = "y_pd") -> FloatArray:
    """`values` as probabilities in [0, 1]."""
    arr = as_float(values, loc)
    if (arr < 0.0).any() or (arr > 1.0).any():
        raise invalid(loc, "must be probabilities in [0, 1]")
    return arr
