"""The report's checks (`scoring.model_checks`) against hand computations and scikit-learn."""

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.calibration import calibration_curve
from sklearn.metrics import roc_auc_score

from fengkong.core.errors import Invalid
from fengkong.scoring.gbm import GBMModel
from fengkong.scoring.model_checks import (
    auc_interval,
    expected_calibration_error,
    feature_importance,
    hosmer_lemeshow,
    reliability_curve,
)


@settings(max_examples=40, deadline=None)
@given(st.integers(0, 10_000), st.integers(20, 300), st.sampled_from(["uniform", "quantile"]))
def test_reliability_curve_matches_scikit_learn(seed: int, n: int, strategy: str) -> None:
    rng = np.random.default_rng(seed)
    p = rng.beta(1, 4, n)
    y = (rng.random(n) < p).astype(int)
    curve = reliability_curve(y, p, 5, strategy=strategy)  # type: ignore[arg-type]
    observed, predicted = calibration_curve(y, p, n_bins=5, strategy=strategy)
    assert [b.observed_rate for b in curve] == pytest.approx(list(observed))
    assert [b.mean_pd for b in curve] == pytest.approx(list(predicted))
    assert sum(b.count for b in curve) == n


def test_ece_by_hand() -> None:
    # Two bins: PDs 0.1 (4 rows, 1 bad: gap 0.15) and 0.9 (6 rows, 6 bads: gap 0.1).
    p = [0.1] * 4 + [0.9] * 6
    y = [1, 0, 0, 0] + [1] * 6
    assert expected_calibration_error(y, p, 10) == pytest.approx(0.4 * 0.15 + 0.6 * 0.1)


def test_ece_of_a_perfectly_calibrated_sample_is_near_zero() -> None:
    rng = np.random.default_rng(7)
    p = rng.uniform(0.01, 0.6, 200_000)
    y = (rng.random(p.size) < p).astype(int)
    assert expected_calibration_error(y, p) < 0.005
    assert expected_calibration_error(y, np.clip(p * 1.5, 0, 1)) > 0.05


def test_hosmer_lemeshow_by_hand_and_on_its_own_probabilities() -> None:
    p = np.repeat([0.1, 0.2, 0.3, 0.4], 10)
    y = np.zeros(40, dtype=int)
    y[[0, 10, 11, 20, 21, 22, 23, 30, 31, 32]] = 1  # observed 1, 2, 4, 3 of 10
    expected = [1.0, 2.0, 3.0, 4.0]
    hand = sum(
        (o - e) ** 2 / (e * (1 - e / 10)) for o, e in zip([1, 2, 4, 3], expected, strict=True)
    )
    hl = hosmer_lemeshow(y, p, groups=4)
    assert hl.statistic == pytest.approx(hand) and hl.dof == 2 and hl.groups == 4
    rng = np.random.default_rng(11)
    q = rng.uniform(0.02, 0.5, 5_000)
    drawn = (rng.random(q.size) < q).astype(int)
    assert hosmer_lemeshow(drawn, q).p_value > 0.05  # its own probabilities fit
    assert hosmer_lemeshow(drawn, np.clip(q * 0.6, 0, 1)).p_value < 0.001  # a PD too low


def test_auc_interval_is_seeded_and_holds_the_auc() -> None:
    rng = np.random.default_rng(3)
    y = rng.integers(0, 2, 400)
    score = y + rng.normal(0, 1.5, 400)
    ci = auc_interval(y, score, n_resamples=300, seed=5)
    assert ci.auc == pytest.approx(roc_auc_score(y, score))
    assert ci.low < ci.auc < ci.high and ci.n_resamples == 300
    assert auc_interval(y, score, n_resamples=300, seed=5) == ci
    assert auc_interval(y, score, n_resamples=300, seed=6) != ci
    points = auc_interval(y, -score, higher_is_riskier=False, n_resamples=300, seed=5)
    assert points == ci
    # About 1.96 standard errors each side: wider on a smaller sample.
    small = auc_interval(y[:80], score[:80], n_resamples=300, seed=5)
    assert small.high - small.low > ci.high - ci.low
    with pytest.raises(Invalid):
        auc_interval(y, score, n_resamples=0)


def test_feature_importance_gain_and_shap() -> None:
    rng = np.random.default_rng(0)
    X = pd.DataFrame({"strong": rng.normal(size=600), "noise": rng.normal(size=600)})
    y = (rng.random(600) < 1 / (1 + np.exp(-2 * X["strong"]))).astype(int)
    model = GBMModel(n_estimators=40, learning_rate=0.1).fit(X, y)
    rows = feature_importance(model, X)
    assert [r.feature for r in rows] == ["strong", "noise"]
    assert sum(r.gain_share for r in rows) == pytest.approx(1.0)
    gains = model.booster_.feature_importance(importance_type="gain")
    assert {r.feature: r.gain for r in rows}["strong"] == pytest.approx(gains[0])
    contributions = model.contributions(X)
    assert rows[0].mean_abs_shap == pytest.approx(contributions["strong"].abs().mean())
