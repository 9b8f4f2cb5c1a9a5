"""The scoring lab's evaluation of each sample, as stored in the registry's `metrics` and drawn
by the report: discrimination on the points scale (higher safer, for both kinds), the AUC's
bootstrap interval, calibration (Brier, PD bands, reliability curve, ECE, Hosmer–Lemeshow),
gains by decile, the train / validation / test gap and the score's stability."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Any

import numpy as np
import numpy.typing as npt

from fengkong.core.errors import Invalid
from fengkong.scoring.lab_result import SampleScores, Stability
from fengkong.scoring.metrics import brier, calibration_table, evaluate, gains_table
from fengkong.scoring.model_checks import (
    BOOTSTRAP_RESAMPLES,
    auc_interval,
    expected_calibration_error,
    hosmer_lemeshow,
    reliability_curve,
)
from fengkong.scoring.points import Scaling
from fengkong.scoring.reject import RejectEffect

FloatArray = npt.NDArray[np.float64]

GBM_SCALING: Mapping[str, float] = {"base_score": 600.0, "base_odds": 50.0, "pdo": 20.0}
"""The points scale a GBM's calibrated PD is shown and decided on (as `registry.LoadedGBM`)."""


def points_of(kind: str, score: FloatArray, pd_: FloatArray) -> FloatArray:
    """A sample's scores on the points scale, higher safer: a scorecard's own points, a GBM's
    calibrated PD as points (`GBM_SCALING`, unrounded so no two applicants tie by rounding)."""
    if kind != "gbm":
        return np.asarray(score, dtype=np.float64)
    scaling = Scaling(**GBM_SCALING)
    p = np.clip(pd_, 1e-12, 1.0 - 1e-12)
    return np.asarray(scaling.offset + scaling.factor * np.log((1.0 - p) / p), dtype=np.float64)


def _hosmer_lemeshow(y: Any, pd_: Any) -> dict[str, Any] | None:
    try:
        return dataclasses.asdict(hosmer_lemeshow(y, pd_))
    except Invalid:  # fewer than three distinct PD groups (e.g. a tiny sample): no test
        return None


def sample_metrics(
    samples: tuple[SampleScores, ...],
    stability: Stability,
    effect: RejectEffect | None,
    *,
    seed: int = 0,
) -> dict[str, Any]:
    """Every sample's figures, the AUC gaps between samples and the score's stability."""
    metrics: dict[str, Any] = {}
    for s in samples:
        summary: dict[str, Any] = dict(evaluate(s.y, s.points, higher_is_riskier=False))
        summary["brier"] = brier(s.y, s.pd)
        interval = auc_interval(
            s.y, s.points, higher_is_riskier=False, n_resamples=BOOTSTRAP_RESAMPLES, seed=seed
        )
        summary["auc_ci"] = dataclasses.asdict(interval)
        summary["gains"] = [
            dataclasses.asdict(r) for r in gains_table(s.y, s.points, higher_is_riskier=False)
        ]
        summary["calibration"] = [dataclasses.asdict(r) for r in calibration_table(s.y, s.pd)]
        summary["reliability"] = [dataclasses.asdict(r) for r in reliability_curve(s.y, s.pd)]
        summary["ece"] = expected_calibration_error(s.y, s.pd)
        summary["hosmer_lemeshow"] = _hosmer_lemeshow(s.y, s.pd)
        metrics[s.name] = summary
    metrics["stability"] = {
        "psi_train_test": stability.psi_train_test,
        "psi_by_period": [{"period": p, "n": n, "psi": v} for p, n, v in stability.psi_by_period],
        "csi": {f: v for f, v in stability.csi},
    }
    if effect is not None:
        metrics["reject_inference"] = effect.as_dict()
    train_auc = metrics["train"]["auc"]
    metrics["gap"] = {
        "train_validation_auc": train_auc - metrics["validation"]["auc"],
        "train_test_auc": train_auc - metrics["test"]["auc"],
    }
    return metrics
