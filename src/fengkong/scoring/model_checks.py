"""The model report's checks, each a pure function of outcomes and scores (conventions of
`scoring.metrics`: `y_true` 0 good / 1 bad, scores higher-riskier unless
`higher_is_riskier=False`, PDs in [0, 1]):

- `reliability_curve`: mean predicted PD against observed default rate per PD bin;
- `expected_calibration_error`: the row-weighted mean gap between the two (ECE);
- `hosmer_lemeshow`: the Hosmer–Lemeshow goodness-of-fit statistic over PD groups and its
  p-value (chi-square with groups − 2 degrees of freedom);
- `auc_interval`: the AUC with a seeded percentile-bootstrap confidence interval;
- `feature_importance`: a GBM's total split gain and mean |SHAP| per feature.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

import numpy as np

from fengkong.scoring.metric_inputs import (
    FloatArray,
    IntArray,
    as_pd,
    as_target,
    check_pair,
    invalid,
)
from fengkong.scoring.metrics import _auc, _quantile_bands

if TYPE_CHECKING:
    import pandas as pd

    from fengkong.scoring.gbm import GBMModel

BinStrategy = Literal["uniform", "quantile"]
BOOTSTRAP_RESAMPLES = 1000
"""Resamples of the AUC's bootstrap interval in the lab's report."""


def _target_and_pd(y_true: Any, y_pd: Any) -> tuple[IntArray, FloatArray]:
    y = as_target(y_true, both_classes=False)
    p = as_pd(y_pd)
    if y.shape != p.shape:
        raise invalid("y_pd", f"has length {p.size}, y_true has length {y.size}")
    return y, p


@dataclass(frozen=True, slots=True)
class ReliabilityBin:
    """One PD bin of a reliability curve, lowest PD first; empty bins are left out."""

    pd_low: float
    pd_high: float
    count: int
    mean_pd: float
    observed_rate: float


def _bins(p: FloatArray, bins: int, strategy: BinStrategy) -> tuple[IntArray, FloatArray]:
    """Each PD's bin number and the bins' edges."""
    if bins < 1:
        raise invalid("bins", "must be at least 1")
    if strategy == "uniform":
        edges = np.linspace(0.0, 1.0, bins + 1)
    elif strategy == "quantile":
        edges = np.quantile(p, np.linspace(0.0, 1.0, bins + 1))
    else:
        raise invalid("strategy", f"must be uniform or quantile, got {strategy!r}")
    # As scikit-learn's calibration_curve: bin k holds edges[k] < p <= edges[k+1], the first
    # bin also p == edges[0].
    return np.searchsorted(edges[1:-1], p, side="left").astype(np.int64), edges


def reliability_curve(
    y_true: Any, y_pd: Any, bins: int = 10, *, strategy: BinStrategy = "uniform"
) -> tuple[ReliabilityBin, ...]:
    """Mean predicted PD and observed default rate in each non-empty bin: `bins` equal-width
    bins of [0, 1] (`uniform`) or equal-count bins of the PDs (`quantile`)."""
    y, p = _target_and_pd(y_true, y_pd)
    which, edges = _bins(p, bins, strategy)
    out: list[ReliabilityBin] = []
    for k in range(len(edges) - 1):
        inside = which == k
        count = int(inside.sum())
        if count:
            out.append(
                ReliabilityBin(
                    pd_low=float(edges[k]),
                    pd_high=float(edges[k + 1]),
                    count=count,
                    mean_pd=float(p[inside].mean()),
                    observed_rate=float(y[inside].mean()),
                )
            )
    return tuple(out)


def expected_calibration_error(
    y_true: Any, y_pd: Any, bins: int = 10, *, strategy: BinStrategy = "uniform"
) -> float:
    """ECE: Σ (rows in bin / rows) · |observed default rate − mean PD| over the bins of
    `reliability_curve`. 0 is perfect; it is in units of default rate."""
    curve = reliability_curve(y_true, y_pd, bins, strategy=strategy)
    n = sum(b.count for b in curve)
    return float(sum(b.count / n * abs(b.observed_rate - b.mean_pd) for b in curve))


@dataclass(frozen=True, slots=True)
class HosmerLemeshow:
    """The Hosmer–Lemeshow test: a small p-value says the PDs do not fit the outcomes."""

    statistic: float
    dof: int
    p_value: float
    groups: int


def hosmer_lemeshow(y_true: Any, y_pd: Any, groups: int = 10) -> HosmerLemeshow:
    """Σ over equal-count PD groups (ties kept together) of (O − E)² / (E · (1 − E / n)),
    O and E the observed and expected bads and n the group's rows; chi-square with
    groups − 2 degrees of freedom."""
    from scipy.stats import chi2

    y, p = _target_and_pd(y_true, y_pd)
    band = _quantile_bands(p, groups)
    n_groups = int(band.max()) + 1
    if n_groups < 3:
        raise invalid("y_pd", "needs at least three distinct PD groups")
    statistic = 0.0
    for g in range(n_groups):
        inside = band == g
        n = float(inside.sum())
        observed = float(y[inside].sum())
        expected = float(p[inside].sum())
        variance = expected * (1.0 - expected / n)
        if variance > 0:
            statistic += (observed - expected) ** 2 / variance
    dof = n_groups - 2
    return HosmerLemeshow(
        statistic=statistic,
        dof=dof,
        p_value=float(chi2.sf(statistic, dof)),
        groups=n_groups,
    )


@dataclass(frozen=True, slots=True)
class AucInterval:
    """The AUC and its percentile-bootstrap confidence interval."""

    auc: float
    low: float
    high: float
    level: float
    n_resamples: int
    seed: int


def auc_interval(
    y_true: Any,
    y_score: Any,
    *,
    higher_is_riskier: bool = True,
    n_resamples: int = BOOTSTRAP_RESAMPLES,
    level: float = 0.95,
    seed: int = 0,
) -> AucInterval:
    """The AUC and the central `level` share of its values over `n_resamples` resamples of
    the rows with replacement (numpy's generator seeded with `seed`); a resample holding a
    single class is drawn again from the same stream."""
    y, s = check_pair(y_true, y_score, higher_is_riskier=higher_is_riskier)
    if n_resamples < 1:
        raise invalid("n_resamples", "must be at least 1")
    if not 0 < level < 1:
        raise invalid("level", "must be in (0, 1)")
    rng = np.random.default_rng(seed)
    values: list[float] = []
    while len(values) < n_resamples:
        pick = rng.integers(0, y.size, y.size)
        bads = int(y[pick].sum())
        if 0 < bads < y.size:
            values.append(_auc(y[pick], s[pick]))
    tail = (1.0 - level) / 2.0
    low, high = np.quantile(np.asarray(values), [tail, 1.0 - tail])
    return AucInterval(
        auc=_auc(y, s),
        low=float(low),
        high=float(high),
        level=level,
        n_resamples=n_resamples,
        seed=seed,
    )


@dataclass(frozen=True, slots=True)
class FeatureImportance:
    """A GBM feature's total split gain (and its share of all gain) and mean |SHAP value|
    (its mean absolute contribution to the log-odds of default over the rows given)."""

    feature: str
    gain: float
    gain_share: float
    mean_abs_shap: float


def feature_importance(model: GBMModel, X: pd.DataFrame) -> tuple[FeatureImportance, ...]:
    """Gain and mean |SHAP| of every feature of `model` over the rows of `X`, largest mean
    |SHAP| first (ties by name)."""
    gains = np.asarray(model.booster_.feature_importance(importance_type="gain"), dtype=float)
    shap = np.abs(model.contributions_array(X)[:, :-1]).mean(axis=0)
    total = float(gains.sum())
    rows = [
        FeatureImportance(
            feature=str(name),
            gain=float(g),
            gain_share=float(g) / total if total > 0 else 0.0,
            mean_abs_shap=float(v),
        )
        for name, g, v in zip(model.feature_names_in_, gains, shap, strict=True)
    ]
    return tuple(sorted(rows, key=lambda r: (-r.mean_abs_shap, r.feature)))
