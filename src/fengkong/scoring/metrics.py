"""Evaluation of credit models: discrimination (AUC, Gini, KS, gains), calibration (Brier,
predicted vs observed by band) and stability (PSI, CSI).

Conventions, shared by every function here:

- `y_true` holds 0 (good) and 1 (bad); booleans are accepted.
- `y_score` is oriented so that **higher means riskier**: a PD, log-odds of default, or any
  risk score. Scorecard points, where higher means safer, are passed with
  `higher_is_riskier=False`; the functions then flip the sign internally and report
  thresholds and band limits back in points.
- Inputs are array-likes of equal length without NaN; anything else raises `Invalid`.
  Rank metrics (AUC, Gini, KS, gains, `evaluate`) also need both classes present. `brier`
  and `calibration_table` accept a sample of a single class: a month without defaults is
  still a month whose PDs can be checked.

Everything is plain numpy; results are floats, frozen dataclasses of floats or tuples of them,
so they can go into the registry's JSON as they are.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from fengkong.core.errors import FieldError, Invalid

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]

PSI_EPSILON = 1e-4
"""Share given to an empty bin when computing PSI/CSI, so that ln(a/e) stays finite. A bin
empty on both sides contributes exactly 0; a bin empty on one side contributes about
share * ln(share / 1e-4), i.e. it is counted as a large but finite shift."""

MISSING_BIN = "(missing)"
"""Label of the bin that holds missing values in `csi` and `stability_table`."""

OTHER_BIN = "(other)"
"""Label of the bin that holds categories never seen in the expected (training) sample."""


# --------------------------------------------------------------------------------------------
# Validation


def _invalid(loc: str, msg: str) -> Invalid:
    return Invalid((FieldError((loc,), msg),))


def _as_float(values: Any, loc: str) -> FloatArray:
    try:
        arr = np.asarray(values, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise _invalid(loc, f"must be numeric: {exc}") from exc
    if arr.ndim != 1:
        raise _invalid(loc, f"must be one-dimensional, got shape {arr.shape}")
    if arr.size == 0:
        raise _invalid(loc, "must not be empty")
    if np.isnan(arr).any():
        raise _invalid(loc, f"contains {int(np.isnan(arr).sum())} NaN value(s)")
    if np.isinf(arr).any():
        raise _invalid(loc, "contains infinite value(s)")
    return arr


def _as_target(values: Any, *, both_classes: bool) -> IntArray:
    arr = _as_float(values, "y_true")
    if not np.isin(arr, (0.0, 1.0)).all():
        raise _invalid("y_true", "must hold only 0 (good) and 1 (bad)")
    y = arr.astype(np.int64)
    if both_classes and (y.min() == y.max()):
        raise _invalid("y_true", f"holds a single class ({int(y[0])}); both 0 and 1 are needed")
    return y


def _check_pair(
    y_true: Any, y_score: Any, *, both_classes: bool = True, higher_is_riskier: bool = True
) -> tuple[IntArray, FloatArray]:
    y = _as_target(y_true, both_classes=both_classes)
    s = _as_float(y_score, "y_score")
    if y.shape != s.shape:
        raise _invalid("y_score", f"has length {s.size}, y_true has length {y.size}")
    return y, (s if higher_is_riskier else -s)


def _as_pd(values: Any, loc: str = "y_pd") -> FloatArray:
    arr = _as_float(values, loc)
    if (arr < 0.0).any() or (arr > 1.0).any():
        raise _invalid(loc, "must be probabilities in [0, 1]")
    return arr


# --------------------------------------------------------------------------------------------
# Discrimination


def auc(y_true: Any, y_score: Any, *, higher_is_riskier: bool = True) -> float:
    """Area under the ROC curve: the chance that a random bad scores riskier than a random
    good, ties counting one half (Mann-Whitney U with average ranks)."""
    y, s = _check_pair(y_true, y_score, higher_is_riskier=higher_is_riskier)
    return _auc(y, s)


def _auc(y: IntArray, s: FloatArray) -> float:
    _, inverse, counts = np.unique(s, return_inverse=True, return_counts=True)
    # Average rank of each distinct value: ranks before it, plus the mean of its own block.
    ends = np.cumsum(counts)
    average_rank = ends - (counts - 1) / 2.0
    ranks = average_rank[inverse]
    n_bad = int(y.sum())
    n_good = y.size - n_bad
    rank_sum_bad = float(ranks[y == 1].sum())
    return (rank_sum_bad - n_bad * (n_bad + 1) / 2.0) / (n_bad * n_good)


def gini(y_true: Any, y_score: Any, *, higher_is_riskier: bool = True) -> float:
    """Gini coefficient (accuracy ratio) = 2·AUC − 1."""
    return 2.0 * auc(y_true, y_score, higher_is_riskier=higher_is_riskier) - 1.0


@dataclass(frozen=True, slots=True)
class KS:
    """Kolmogorov-Smirnov separation of the goods' and bads' score distributions.

    `statistic` is max |F_good(t) − F_bad(t)| over thresholds t, as scipy's two-sample KS.
    `threshold` is the score where it is reached: rows with score ≤ threshold are on the
    safer side, rows above on the riskier side. With `higher_is_riskier=False` (points) the
    threshold is in points and the safer side is points ≥ threshold.
    """

    statistic: float
    threshold: float


def ks(y_true: Any, y_score: Any, *, higher_is_riskier: bool = True) -> KS:
    """KS statistic and the threshold at which it occurs; see `KS`."""
    y, s = _check_pair(y_true, y_score, higher_is_riskier=higher_is_riskier)
    statistic, threshold = _ks(y, s)
    return KS(statistic=statistic, threshold=threshold if higher_is_riskier else -threshold)


def _ks(y: IntArray, s: FloatArray) -> tuple[float, float]:
    values, inverse = np.unique(s, return_inverse=True)
    bads_at = np.bincount(inverse, weights=y.astype(np.float64), minlength=values.size)
    goods_at = np.bincount(inverse, minlength=values.size) - bads_at
    cdf_bad = np.cumsum(bads_at) / bads_at.sum()
    cdf_good = np.cumsum(goods_at) / goods_at.sum()
    gaps = np.abs(cdf_good - cdf_bad)
    best = int(np.argmax(gaps))
    return float(gaps[best]), float(values[best])


def brier(y_true: Any, y_pd: Any) -> float:
    """Brier score: mean squared gap between the PD and the outcome (lower is better).
    Needs PDs in [0, 1]; a single-class sample is accepted."""
    y = _as_target(y_true, both_classes=False)
    p = _as_pd(y_pd)
    if y.shape != p.shape:
        raise _invalid("y_pd", f"has length {p.size}, y_true has length {y.size}")
    return float(np.mean((p - y) ** 2))


# --------------------------------------------------------------------------------------------
# Gains and calibration tables


@dataclass(frozen=True, slots=True)
class GainsRow:
    """One band of a gains table; band 1 is the riskiest.

    `score_low`/`score_high` are the band's score range (in the caller's orientation, so in
    points when `higher_is_riskier=False`). Shares are fractions in [0, 1], not percents.
    `lift` is the band's bad rate over the overall bad rate; `cum_lift` the same for all
    bands up to and including this one.
    """

    band: int
    score_low: float
    score_high: float
    count: int
    bads: int
    goods: int
    bad_rate: float
    cum_count_share: float
    cum_bads_captured: float
    cum_goods_share: float
    lift: float
    cum_lift: float


def _quantile_bands(s: FloatArray, bins: int) -> IntArray:
    """Equal-count bands over `s` with ties kept together, numbered 0 (lowest) upward.
    Heavy ties (e.g. scorecard points) may give fewer than `bins` bands."""
    if bins < 1:
        raise _invalid("bins", "must be at least 1")
    cuts = np.unique(np.quantile(s, np.linspace(0.0, 1.0, bins + 1)[1:-1], method="lower"))
    # Band k holds values in (cuts[k-1], cuts[k]]: right-closed, so ties share a band.
    raw = np.searchsorted(cuts, s, side="left")
    _, dense = np.unique(raw, return_inverse=True)
    return dense.astype(np.int64)


def gains_table(
    y_true: Any, y_score: Any, bins: int = 10, *, higher_is_riskier: bool = True
) -> tuple[GainsRow, ...]:
    """Gains (decile) table: equal-count score bands, riskiest first, with counts, bad rate,
    cumulative share of bads captured and lift. Tied scores stay in one band, so heavily
    tied scores can give fewer than `bins` bands."""
    y, s = _check_pair(y_true, y_score, higher_is_riskier=higher_is_riskier)
    bands = _quantile_bands(s, bins)
    n_bands = int(bands.max()) + 1
    total_bads = int(y.sum())
    total_goods = y.size - total_bads
    overall = total_bads / y.size
    rows: list[GainsRow] = []
    cum_count = cum_bads = 0
    for rank, band in enumerate(range(n_bands - 1, -1, -1), start=1):
        in_band = bands == band
        count = int(in_band.sum())
        bads = int(y[in_band].sum())
        cum_count += count
        cum_bads += bads
        lo, hi = float(s[in_band].min()), float(s[in_band].max())
        if not higher_is_riskier:
            lo, hi = -hi, -lo
        rows.append(
            GainsRow(
                band=rank,
                score_low=lo,
                score_high=hi,
                count=count,
                bads=bads,
                goods=count - bads,
                bad_rate=bads / count,
                cum_count_share=cum_count / y.size,
                cum_bads_captured=cum_bads / total_bads,
                cum_goods_share=(cum_count - cum_bads) / total_goods,
                lift=(bads / count) / overall,
                cum_lift=(cum_bads / cum_count) / overall,
            )
        )
    return tuple(rows)


@dataclass(frozen=True, slots=True)
class CalibrationRow:
    """Predicted against observed default rate in one PD band, band 1 lowest PD.
    The band holds PDs in (pd_low, pd_high], the first band also its lower edge."""

    band: int
    pd_low: float
    pd_high: float
    count: int
    bads: int
    mean_pd: float
    observed_rate: float
    expected_bads: float


def calibration_table(
    y_true: Any, y_pd: Any, bands: int | Sequence[float] = 10
) -> tuple[CalibrationRow, ...]:
    """Predicted vs observed default rate by PD band. `bands` is either a number of
    equal-count bands (ties kept together) or strictly increasing PD edges, e.g.
    `(0, 0.02, 0.05, 0.1, 1)`, which must cover every PD. Empty bands are left out."""
    y = _as_target(y_true, both_classes=False)
    p = _as_pd(y_pd)
    if y.shape != p.shape:
        raise _invalid("y_pd", f"has length {p.size}, y_true has length {y.size}")
    if isinstance(bands, int):
        band_of = _quantile_bands(p, bands)
        limits = [
            (float(p[band_of == b].min()), float(p[band_of == b].max()))
            for b in range(int(band_of.max()) + 1)
        ]
    else:
        edges = _as_float(list(bands), "bands")
        if edges.size < 2 or (np.diff(edges) <= 0).any():
            raise _invalid("bands", "edges must be at least two strictly increasing values")
        if p.min() < edges[0] or p.max() > edges[-1]:
            raise _invalid("bands", f"edges {edges[0]}..{edges[-1]} do not cover every PD")
        band_of = np.clip(np.searchsorted(edges, p, side="left") - 1, 0, edges.size - 2)
        limits = [(float(edges[b]), float(edges[b + 1])) for b in range(edges.size - 1)]
    rows: list[CalibrationRow] = []
    for b, (lo, hi) in enumerate(limits):
        in_band = band_of == b
        count = int(in_band.sum())
        if count == 0:
            continue
        bads = int(y[in_band].sum())
        rows.append(
            CalibrationRow(
                band=len(rows) + 1,
                pd_low=lo,
                pd_high=hi,
                count=count,
                bads=bads,
                mean_pd=float(p[in_band].mean()),
                observed_rate=bads / count,
                expected_bads=float(p[in_band].sum()),
            )
        )
    return tuple(rows)


# --------------------------------------------------------------------------------------------
# Stability: PSI and CSI


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
            raise _invalid("bins", "must be at least 1")
        qs = np.linspace(0.0, 1.0, bins + 1)[1:-1]
        return np.unique(np.quantile(expected, qs, method="lower"))
    cuts = _as_float(list(bins), "bins")
    if (np.diff(cuts) <= 0).any():
        raise _invalid("bins", "edges must be strictly increasing")
    return cuts


def _numeric_labels(cuts: FloatArray) -> list[str]:
    bounds = [-np.inf, *cuts.tolist(), np.inf]
    return [f"({lo:g}, {hi:g}]" for lo, hi in itertools.pairwise(bounds)]


def _numeric_counts(values: FloatArray, cuts: FloatArray) -> IntArray:
    # Right-closed bins over the cut points, open at both ends: nothing falls outside.
    idx = np.searchsorted(cuts, values, side="left")
    return np.bincount(idx, minlength=cuts.size + 1).astype(np.int64)


def stability_table(
    expected: Any, actual: Any, bins: int | Sequence[float] = 10
) -> tuple[StabilityRow, ...]:
    """Per-bin PSI table of a numeric score. `bins` is a number of equal-count bins over
    `expected`, or cut points: n cut points give n + 1 bins, the outer two open-ended, so
    full edges such as `(0, 0.1, …, 1)` also work (the outer bins then stay empty and add 0).
    NaN raises `Invalid`; use `csi` for features with missing values."""
    e = _as_float(expected, "expected")
    a = _as_float(actual, "actual")
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
        raise _invalid(loc, f"must be one-dimensional, got shape {arr.shape}")
    if arr.size == 0:
        raise _invalid(loc, "must not be empty")
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
            raise _invalid("feature_train", "has no non-missing value")
        cuts = _numeric_cuts(e, bins)
        labels = _numeric_labels(cuts)
        e_counts = _numeric_counts(e, cuts)
        a_counts = _numeric_counts(a, cuts)
    elif _is_numeric(train) != _is_numeric(test) and not test_missing.all():
        raise _invalid("feature_test", "is not of the same kind (numeric/categorical) as train")
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


# --------------------------------------------------------------------------------------------
# Summary


def evaluate(y_true: Any, y_score: Any, *, higher_is_riskier: bool = True) -> dict[str, float]:
    """Summary metrics as a flat JSON-able dict: n, bads, bad_rate, auc, gini, ks,
    ks_threshold, and top-decile capture and lift. `brier` is included only when the score
    is a PD (higher_is_riskier and every value in [0, 1])."""
    y, s = _check_pair(y_true, y_score, higher_is_riskier=higher_is_riskier)
    area = _auc(y, s)
    ks_stat, ks_at = _ks(y, s)
    top = gains_table(y, s, bins=10)[0]
    summary: dict[str, float] = {
        "n": float(y.size),
        "bads": float(y.sum()),
        "bad_rate": float(y.mean()),
        "auc": area,
        "gini": 2.0 * area - 1.0,
        "ks": ks_stat,
        "ks_threshold": ks_at if higher_is_riskier else -ks_at,
        "top_decile_bads_captured": top.cum_bads_captured,
        "top_decile_lift": top.lift,
    }
    if higher_is_riskier and s.min() >= 0.0 and s.max() <= 1.0:
        summary["brier"] = float(np.mean((s - y) ** 2))
    return summary
