"""Metrics refuse input they cannot judge: one class, unequal lengths, NaN, non-0/1 targets."""

from __future__ import annotations

import math

import numpy as np
import pytest

from fengkong.core.errors import Invalid
from fengkong.scoring import metrics, stability

RANK_METRICS = (metrics.auc, metrics.gini, metrics.ks, metrics.gains_table, metrics.evaluate)


@pytest.mark.parametrize("metric", RANK_METRICS)
def test_single_class_is_refused_by_rank_metrics(metric: object) -> None:
    with pytest.raises(Invalid, match="single class"):
        metric([0, 0, 0], [0.1, 0.2, 0.3])  # type: ignore[operator]


@pytest.mark.parametrize("metric", (*RANK_METRICS, metrics.brier, metrics.calibration_table))
def test_length_mismatch_is_refused(metric: object) -> None:
    with pytest.raises(Invalid, match="length"):
        metric([0, 1, 0], [0.1, 0.2])  # type: ignore[operator]


@pytest.mark.parametrize("metric", (*RANK_METRICS, metrics.brier, metrics.calibration_table))
def test_nan_is_refused(metric: object) -> None:
    with pytest.raises(Invalid, match="NaN"):
        metric([0, 1, 0], [0.1, math.nan, 0.3])  # type: ignore[operator]
    with pytest.raises(Invalid, match="NaN"):
        metric([0, 1, math.nan], [0.1, 0.2, 0.3])  # type: ignore[operator]


def test_target_other_than_zero_one_is_refused() -> None:
    with pytest.raises(Invalid, match="only 0"):
        metrics.auc([0, 1, 2], [0.1, 0.2, 0.3])


def test_brier_needs_probabilities_but_accepts_one_class() -> None:
    with pytest.raises(Invalid, match=r"\[0, 1\]"):
        metrics.brier([0, 1], [0.2, 1.5])
    assert metrics.brier([0, 0], [0.1, 0.3]) == pytest.approx(0.05)


def test_psi_refuses_nan_and_empty() -> None:
    with pytest.raises(Invalid, match="NaN"):
        stability.psi([0.1, 0.2], [0.1, np.nan])
    with pytest.raises(Invalid, match="empty"):
        stability.psi([], [0.1])


def test_invalid_carries_the_field() -> None:
    with pytest.raises(Invalid) as caught:
        metrics.auc([1, 1], [0.1, 0.2])
    assert caught.value.errors[0].loc == ("y_true",)
