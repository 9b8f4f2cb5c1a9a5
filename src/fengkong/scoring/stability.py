"""Stability of a score or a feature between a reference sample (training) and a recent one:
PSI of a score, CSI of a feature, and the per-bin tables behind them. Plain numpy; results are
floats or tuples of frozen rows, JSON-able as they are.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from fengkong.scoring.metric_inputs import FloatArray, IntArray, as_float, invalid

PSI_EPSILON = 1e-4
"""Share given to an empty bin when computing PSI/CSI, so that ln(a/e) stays finite. A bin
empty on both sides contributes exactly 0; a bin empty on one side contributes about
share * ln(share / 1e-4), i.e. it is counted as a large but finite shift."""

MISSING_BIN = "(missing)"
"""Label of the bin that holds missing values in `csi` and `stability_table`."""

OTHER_BIN = "(other)"
"""Label of the bin that holds categories never seen in the expected (training) sample."""


@dataclass(frozen=True, slots=True)
class StabilityRow:
    """One bin of a PSI/CSI table: shares of the expected (training) and actual (recent)
    samples and the bin's contribution (actual − expected)·ln(actual / expected), with
    empty shares raised to `PSI_EPSILON`."""

    bin: str
    expected_count: int
    actual_count: int
    expected_share: float
    actual_share: float
    contribution: float


def _stability_rows(
    labels: Sequence[str], expected_counts: IntArray, actual_counts: IntArray
) -> tuple[StabilityRow, ...]:
    e_share = expected_counts / expected_counts.sum()
    a_share = actual_counts / actual_counts.sum()
    e_safe = np.where(e_share == 0.0, PSI_EPSILON, e_share)
    a_safe = np.where(a_share == 0.0, PSI_EPSILON, a_share)
    contributions = (a_safe - e_safe) * np.log(a_safe / e_safe)
    return tuple(
        StabilityRow(
            bin=label,
            expected_count=int(ec),
            actual_count=int(ac),
            expected_share=float(es),
            actual_share=float(as_),
            contribution=float(c),
        )
        for label, ec, ac, es, as_, c in zip(
            labels, expected_counts, actual_counts, e_share, a_share, contributions, strict=True
        )
    )


def _numeric_cuts(expected: FloatArray, bins: int | Sequence[float]) -> FloatArray:
    if isinstance(bins, int):
        if bins < 1:
            raise invalid("bins", "must be at least 1")
        qs = np.linspace(0.0, 1.0, bins + 1)[1:-1]
        return np.unique(np.quantile(expected, qs, method="lower"))
    cuts = as_float(list(bins), "bins")
    if (np.diff(cuts) <= 0).any():
        raise invalid("bins", "edges must be strictly increasing")
    return cuts


def _numeric_labels(cuts: FloatArray) -> list[str]:
    bounds = [-np.inf, *cuts.tolist(), np.inf]
    return [f"({lo:g}, {hi:g}]" for lo, hi in itertools.pairwise(bounds)]


def _numeric_counts(values: FloatArray, cuts: FloatArray) -> IntArray:
    # Right-closed bins over the cut points, open at both ends: nothing falls outside.
    idx = np.searchsorted(cuts, values, side="left")
    return np.bincount(idx, minlength=cuts.size + 1).astype(np.int64)


def stability_rows(
    labels: Sequence[str], expected_counts: IntArray, actual_counts: IntArray
) -> tuple[StabilityRow, ...]:
    """The PSI/CSI table of counts already binned (e.g. a baseline kept in the registry)."""
    return _stability_rows(labels, expected_counts.astype(np.int64), actual_counts.astype(np.int64))


def numeric_cut_points(expected: FloatArray, bins: int | Sequence[float]) -> FloatArray:
    """The cut points `stability_table` bins a numeric sample by."""
    return _numeric_cuts(expected, bins)


def numeric_bin_labels(cuts: FloatArray) -> list[str]:
    """The labels of the n + 1 bins of n cut points: "(lo, hi]"."""
    return _numeric_labels(cuts)


def numeric_bin_counts(values: FloatArray, cuts: FloatArray) -> IntArray:
    """How many `values` fall in each right-closed bin of `cuts`."""
    return _numeric_counts(values, cuts)


def stability_table(
    expected: Any, actual: Any, bins: int | Sequence[float] = 10
) -> tuple[StabilityRow, ...]:
    """Per-bin PSI table of a numeric score. `bins` is a number of equal-count bins over
    `expected`, or cut points: n cut points give n + 1 bins, the outer two open-ended, so
    full edges such as `(0, 0.1, …, 1)` also work (the outer bins then stay empty and add 0).
    NaN raises `Invalid`; use `csi` for features with missing values."""
    e = as_float(expected, "expected")
    a = as_float(actual, "actual")
    cuts = _numeric_cuts(e, bins)
    return _stability_rows(
        _numeric_labels(cuts), _numeric_counts(e, cuts), _numeric_counts(a, cuts)
    )


def psi(expected: Any, actual: Any, bins: int | Sequence[float] = 10) -> float:
    """Population stability index of a score between `expected` (e.g. the development
    sample) and `actual` (e.g. last month): Σ (a − e)·ln(a / e) over bins, empty shares
    raised to `PSI_EPSILON`. Rule of thumb: < 0.1 stable, 0.1–0.25 watch, > 0.25 shifted.
    See `stability_table` for the binning."""
    return float(sum(row.contribution for row in stability_table(expected, actual, bins)))


def _is_numeric(values: npt.NDArray[Any]) -> bool:
    return values.dtype.kind in "iuf"


def _missing_mask(values: npt.NDArray[Any]) -> npt.NDArray[np.bool_]:
    if values.dtype.kind == "f":
        return np.asarray(np.isnan(values), dtype=np.bool_)
    if values.dtype.kind == "O":
        return np.array([v is None or (isinstance(v, float) and v != v) for v in values], bool)
    return np.zeros(values.shape, dtype=bool)


def _as_feature(values: Any, loc: str) -> npt.NDArray[Any]:
    arr = np.asarray(values)
    if arr.dtype.kind == "O":
        # Pandas' missing markers (pd.NA, NaT) compare oddly; normalise them to None.
        arr = np.array([None if _is_pandas_missing(v) else v for v in arr], dtype=object)
    if arr.ndim != 1:
        raise invalid(loc, f"must be one-dimensional, got shape {arr.shape}")
    if arr.size == 0:
        raise invalid(loc, "must not be empty")
    return arr


def _is_pandas_missing(value: object) -> bool:
    if value is None:
        return True
    try:
        return bool(value != value)
    except TypeError:
        # pd.NA raises on bool(); it is missing.
        return True


def csi_table(
    feature_train: Any, feature_test: Any, bins: int | Sequence[float] = 10
) -> tuple[StabilityRow, ...]:
    """Per-bin CSI table of one feature. Numeric features (integer or float arrays) are
    binned as in `stability_table` over the training values; any other dtype (strings,
    booleans, pandas categoricals) is categorical with one bin per training category and an
    `OTHER_BIN` for categories unseen in training. Missing values (None, NaN, pd.NA) get a
    `MISSING_BIN` of their own in both cases, so a change in the missing rate counts as drift."""
    train = _as_feature(feature_train, "feature_train")
    test = _as_feature(feature_test, "feature_test")
    train_missing, test_missing = _missing_mask(train), _missing_mask(test)
    if _is_numeric(train) and (_is_numeric(test) or test_missing.all()):
        e = train[~train_missing].astype(np.float64)
        a = test[~test_missing].astype(np.float64)
        if e.size == 0:
            raise invalid("feature_train", "has no non-missing value")
        cuts = _numeric_cuts(e, bins)
        labels = _numeric_labels(cuts)
        e_counts = _numeric_counts(e, cuts)
        a_counts = _numeric_counts(a, cuts)
    elif _is_numeric(train) != _is_numeric(test) and not test_missing.all():
        raise invalid("feature_test", "is not of the same kind (numeric/categorical) as train")
    else:
        e_vals = train[~train_missing].astype(str)
        a_vals = test[~test_missing].astype(str)
        categories = np.unique(e_vals)
        labels = [*categories.tolist(), OTHER_BIN]
        e_counts = np.array([*(np.sum(e_vals == c) for c in categories), 0], dtype=np.int64)
        a_known = np.isin(a_vals, categories)
        a_counts = np.array(
            [*(np.sum(a_vals == c) for c in categories), int((~a_known).sum())], dtype=np.int64
        )
    labels = [*labels, MISSING_BIN]
    e_counts = np.append(e_counts, int(train_missing.sum()))
    a_counts = np.append(a_counts, int(test_missing.sum()))
    return _stability_rows(labels, e_counts, a_counts)


def csi(feature_train: Any, feature_test: Any, bins: int | Sequence[float] = 10) -> float:
    """Characteristic stability index of one feature between training and recent data;
    the PSI formula over the bins of `csi_table`."""
    return float(sum(r.contribution for r in csi_table(feature_train, feature_test, bins)))
