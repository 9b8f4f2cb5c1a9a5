"""Evaluation of credit models: discrimination (AUC, Gini, KS, gains) and calibration (Brier,
predicted vs observed by band). Stability (PSI, CSI) is in `scoring.stability`.

Conventions, shared by every function here (checked in `scoring.metric_inputs`):

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

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from fengkong.scoring.metric_inputs import (
    FloatArray,
    IntArray,
    as_float,
    as_pd,
    as_target,
    check_pair,
    invalid,
)

# --------------------------------------------------------------------------------------------
# Discrimination


def auc(y_true: Any, y_score: Any, *, higher_is_riskier: bool = True) -> float:
    """Area under the ROC curve: the chance that a random bad scores riskier than a random
    good, ties counting one half (Mann-Whitney U with average ranks)."""
    y, s = check_pair(y_true, y_score, higher_is_riskier=higher_is_riskier)
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
    y, s = check_pair(y_true, y_score, higher_is_riskier=higher_is_riskier)
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
    y = as_target(y_true, both_classes=False)
    p = as_pd(y_pd)
    if y.shape != p.shape:
        raise invalid("y_pd", f"has length {p.size}, y_true has length {y.size}")
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
        raise invalid("bins", "must be at least 1")
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
    y, s = check_pair(y_true, y_score, higher_is_riskier=higher_is_riskier)
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
    y = as_target(y_true, both_classes=False)
    p = as_pd(y_pd)
    if y.shape != p.shape:
        raise invalid("y_pd", f"has length {p.size}, y_true has length {y.size}")
    if isinstance(bands, int):
        band_of = _quantile_bands(p, bands)
        limits = [
            (float(p[band_of == b].min()), float(p[band_of == b].max()))
            for b in range(int(band_of.max()) + 1)
        ]
    else:
        edges = as_float(list(bands), "bands")
        if edges.size < 2 or (np.diff(edges) <= 0).any():
            raise invalid("bands", "edges must be at least two strictly increasing values")
        if p.min() < edges[0] or p.max() > edges[-1]:
            raise invalid("bands", f"edges {edges[0]}..{edges[-1]} do not cover every PD")
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
# Summary


def evaluate(y_true: Any, y_score: Any, *, higher_is_riskier: bool = True) -> dict[str, float]:
    """Summary metrics as a flat JSON-able dict: n, bads, bad_rate, auc, gini, ks,
    ks_threshold, and top-decile capture and lift. `brier` is included only when the score
    is a PD (higher_is_riskier and every value in [0, 1])."""
    y, s = check_pair(y_true, y_score, higher_is_riskier=higher_is_riskier)
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
