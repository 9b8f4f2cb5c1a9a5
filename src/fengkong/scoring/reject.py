"""Reject inference: declined applications have no outcome, yet a model trained on approved
ones only is later applied to everyone who applies. Two classic ways to give the rejects an
inferred outcome before refitting:

- fuzzy augmentation: each reject enters twice, once bad with weight P(bad) and once good with
  weight P(good), both from the model trained on the approved applications;
- parcelling: rejects are cut into score bands (deciles of the approved applications' PD); in
  each band a share `factor` × the approved bad rate of the band (at most 1) is drawn bad, the
  rest good, with a seeded draw. `factor` > 1 says what experience teaches: the declined are
  worse than approved applicants with the same score.

`RejectEffect` reports what the inference changed, for the registry metrics and the report.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any, Literal

import numpy as np
import numpy.typing as npt
import pandas as pd

from fengkong.core.errors import FieldError, Invalid

RejectMethod = Literal["fuzzy", "parcelling"]
REJECT_METHODS: tuple[str, ...] = ("fuzzy", "parcelling")
FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]


@dataclass(frozen=True, slots=True)
class Augmented:
    """Training rows after inference: the approved rows (weight 1) then the inferred rejects."""

    X: pd.DataFrame
    y: IntArray
    weight: FloatArray


def _check(X_accepted: pd.DataFrame, X_rejects: pd.DataFrame, p_bad: FloatArray) -> None:
    missing = [c for c in X_accepted.columns if c not in X_rejects.columns]
    if missing:
        raise Invalid((FieldError(("rejects",), f"missing feature columns: {missing}"),))
    if len(X_rejects) == 0:
        raise Invalid((FieldError(("rejects",), "no declined applications"),))
    if p_bad.shape != (len(X_rejects),) or not ((p_bad >= 0) & (p_bad <= 1)).all():
        raise Invalid((FieldError(("p_bad",), "one probability in [0, 1] per reject"),))


def fuzzy_augmentation(
    X_accepted: pd.DataFrame,
    y_accepted: npt.ArrayLike,
    X_rejects: pd.DataFrame,
    p_bad: npt.ArrayLike,
) -> Augmented:
    """Each reject twice: bad with weight P(bad), good with weight P(good)."""
    p = np.asarray(p_bad, dtype=np.float64)
    _check(X_accepted, X_rejects, p)
    rejects = X_rejects[list(X_accepted.columns)]
    X = pd.concat([X_accepted, rejects, rejects], ignore_index=True)
    y = np.concatenate(
        [
            np.asarray(y_accepted, dtype=np.int64),
            np.ones(len(p), np.int64),
            np.zeros(len(p), np.int64),
        ]
    )
    weight = np.concatenate([np.ones(len(X_accepted)), p, 1.0 - p])
    return Augmented(X, y, weight)


def parcelling(
    X_accepted: pd.DataFrame,
    y_accepted: npt.ArrayLike,
    p_bad_accepted: npt.ArrayLike,
    X_rejects: pd.DataFrame,
    p_bad: npt.ArrayLike,
    *,
    factor: float = 1.5,
    bands: int = 10,
    seed: int = 0,
) -> Augmented:
    """Rejects drawn bad at `factor` × the approved bad rate of their score band."""
    if not factor > 0:
        raise Invalid((FieldError(("factor",), f"must be > 0, got {factor!r}"),))
    p = np.asarray(p_bad, dtype=np.float64)
    _check(X_accepted, X_rejects, p)
    y_acc = np.asarray(y_accepted, dtype=np.int64)
    p_acc = np.asarray(p_bad_accepted, dtype=np.float64)
    edges = np.unique(np.quantile(p_acc, np.linspace(0, 1, bands + 1)[1:-1]))
    band_acc = np.searchsorted(edges, p_acc, side="right")
    band_rej = np.searchsorted(edges, p, side="right")
    overall = float(y_acc.mean())
    rate = np.array(
        [
            float(y_acc[band_acc == b].mean()) if (band_acc == b).any() else overall
            for b in range(len(edges) + 1)
        ]
    )
    chance = np.minimum(rate[band_rej] * factor, 1.0)
    drawn = (np.random.default_rng(seed).random(len(p)) < chance).astype(np.int64)
    X = pd.concat([X_accepted, X_rejects[list(X_accepted.columns)]], ignore_index=True)
    return Augmented(X, np.concatenate([y_acc, drawn]), np.ones(len(X), dtype=np.float64))


@dataclass(frozen=True, slots=True)
class RejectEffect:
    """What reject inference changed. AUCs are on the approved test rows (the only rows with
    outcomes); the score shift is the mean change in the rejects' PD; approval rates are over
    approved plus declined applications at the same PD cut-off, the one at which the model
    without inference approves the share that was actually approved."""

    method: str
    n_rejects: int
    inferred_bad_rate: float
    auc_before: float
    auc_after: float
    reject_pd_before: float
    reject_pd_after: float
    cutoff_pd: float
    approval_rate_before: float
    approval_rate_after: float

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def reject_effect(
    method: str,
    *,
    augmented: Augmented,
    n_accepted: int,
    auc_before: float,
    auc_after: float,
    pd_before_accepted: FloatArray,
    pd_before_rejects: FloatArray,
    pd_after_accepted: FloatArray,
    pd_after_rejects: FloatArray,
) -> RejectEffect:
    n_rejects = len(pd_before_rejects)
    inferred = augmented.y[n_accepted:]
    weights = augmented.weight[n_accepted:]
    everyone_before = np.concatenate([pd_before_accepted, pd_before_rejects])
    everyone_after = np.concatenate([pd_after_accepted, pd_after_rejects])
    approved_share = len(pd_before_accepted) / len(everyone_before)
    cutoff = float(np.quantile(everyone_before, approved_share))
    return RejectEffect(
        method=method,
        n_rejects=n_rejects,
        inferred_bad_rate=float(np.sum(inferred * weights) / np.sum(weights)),
        auc_before=auc_before,
        auc_after=auc_after,
        reject_pd_before=float(pd_before_rejects.mean()),
        reject_pd_after=float(pd_after_rejects.mean()),
        cutoff_pd=cutoff,
        approval_rate_before=float((everyone_before <= cutoff).mean()),
        approval_rate_after=float((everyone_after <= cutoff).mean()),
    )
