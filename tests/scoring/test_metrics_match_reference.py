"""AUC, Gini and Brier agree with scikit-learn; KS agrees with scipy's two-sample statistic."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.stats import ks_2samp
from sklearn.metrics import brier_score_loss, roc_auc_score

from fengkong.scoring import metrics


@st.composite
def labelled_scores(draw: st.DrawFn) -> tuple[np.ndarray, np.ndarray]:
    n = draw(st.integers(min_value=2, max_value=60))
    y = draw(st.lists(st.integers(0, 1), min_size=n, max_size=n))
    y[0], y[1] = 0, 1
    # Few distinct values so that ties are common.
    score = draw(st.lists(st.integers(0, 8), min_size=n, max_size=n))
    return np.array(y), np.array(score, dtype=float) / 8.0


@settings(max_examples=200, deadline=None)
@given(labelled_scores())
def test_auc_matches_sklearn_including_ties(data: tuple[np.ndarray, np.ndarray]) -> None:
    y, score = data
    assert metrics.auc(y, score) == pytest.approx(roc_auc_score(y, score), abs=1e-12)
    assert metrics.gini(y, score) == pytest.approx(2 * roc_auc_score(y, score) - 1, abs=1e-12)


@pytest.mark.filterwarnings("ignore::RuntimeWarning")
@settings(max_examples=200, deadline=None)
@given(labelled_scores())
def test_ks_matches_scipy_two_sample_statistic(data: tuple[np.ndarray, np.ndarray]) -> None:
    y, score = data
    expected = ks_2samp(score[y == 1], score[y == 0], method="asymp").statistic
    assert metrics.ks(y, score).statistic == pytest.approx(expected, abs=1e-12)


@settings(max_examples=100, deadline=None)
@given(labelled_scores())
def test_brier_matches_sklearn(data: tuple[np.ndarray, np.ndarray]) -> None:
    y, pd_ = data
    assert metrics.brier(y, pd_) == pytest.approx(brier_score_loss(y, pd_), abs=1e-12)


def test_ks_threshold_splits_where_the_gap_is_largest() -> None:
    y = np.array([0, 0, 0, 1, 0, 1, 1, 1])
    score = np.array([0.1, 0.2, 0.3, 0.35, 0.4, 0.6, 0.7, 0.8])
    result = metrics.ks(y, score)
    # At 0.3: all three goods below, no bad: gap 3/4; at 0.4: 4/4 vs 1/4, also 3/4 — first wins.
    assert result == metrics.KS(statistic=0.75, threshold=0.3)


def test_perfect_and_reversed_ranking() -> None:
    y = np.array([0, 0, 1, 1])
    score = np.array([0.1, 0.2, 0.8, 0.9])
    assert metrics.auc(y, score) == 1.0
    assert metrics.auc(y, -score) == 0.0
    assert metrics.ks(y, score).statistic == 1.0
