"""A calibrator maps raw scores to PDs that stay in [min_pd, 1 − min_pd] and never fall as the
score gets riskier, for both methods and both score orientations."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.exceptions import NotFittedError
from sklearn.isotonic import IsotonicRegression

from fengkong.core.errors import Invalid
from fengkong.scoring.calibration import Calibrator

RNG = np.random.default_rng(21)
LOG_ODDS = np.round(RNG.normal(-1.0, 1.2, 3000), 2)
Y = (RNG.random(LOG_ODDS.size) < 1 / (1 + np.exp(-(0.8 * LOG_ODDS - 0.4)))).astype(int)


@st.composite
def score_samples(draw: st.DrawFn) -> tuple[np.ndarray, np.ndarray]:
    n = draw(st.integers(4, 60))
    score = draw(st.lists(st.integers(-50, 50), min_size=n, max_size=n))
    y = draw(st.lists(st.integers(0, 1), min_size=n, max_size=n))
    # A safest good and a riskiest bad make both classes present and the score informative.
    return np.array([-60, *score, 60], dtype=float) / 10.0, np.array([0, *y, 1])


@pytest.mark.parametrize("method", ["platt", "isotonic"])
@settings(max_examples=60, deadline=None)
@given(sample=score_samples(), probe=st.lists(st.floats(-20, 20), min_size=2, max_size=30))
def test_pd_is_monotone_and_bounded(
    method: str, sample: tuple[np.ndarray, np.ndarray], probe: list[float]
) -> None:
    score, y = sample
    try:
        calibrator = Calibrator(method).fit(score, y)
    except Invalid:
        # A sample where riskier scores go with fewer defaults; Platt refuses it (tested below).
        assert method == "platt"
        return
    grid = np.sort(np.array(probe))
    pd_ = calibrator.predict_pd(grid)
    assert (np.diff(pd_) >= 0).all()
    assert (pd_ >= calibrator.min_pd).all()
    assert (pd_ <= 1 - calibrator.min_pd).all()


def test_isotonic_matches_sklearn() -> None:
    calibrator = Calibrator("isotonic", min_pd=0.0).fit(LOG_ODDS, Y)
    reference = IsotonicRegression(out_of_bounds="clip").fit(LOG_ODDS, Y)
    grid = np.linspace(-6, 4, 2001)
    np.testing.assert_allclose(calibrator.predict_pd(grid), reference.predict(grid), atol=1e-12)


def test_platt_recovers_the_true_link() -> None:
    calibrator = Calibrator("platt").fit(LOG_ODDS, Y)
    assert calibrator.slope_ == pytest.approx(0.8, abs=0.12)
    assert calibrator.intercept_ == pytest.approx(-0.4, abs=0.12)


def test_platt_solves_its_likelihood_equations() -> None:
    calibrator = Calibrator("platt", min_pd=0.0).fit(LOG_ODDS, Y)
    bads, goods = Y.sum(), Y.size - Y.sum()
    target = np.where(Y == 1, (bads + 1) / (bads + 2), 1 / (goods + 2))
    residual = target - calibrator.predict_pd(LOG_ODDS)
    assert abs(residual.sum()) < 1e-8
    assert abs((residual * LOG_ODDS).sum()) < 1e-8


@pytest.mark.parametrize("method", ["platt", "isotonic"])
def test_points_with_higher_is_safer(method: str) -> None:
    points = 600 - 28.85 * LOG_ODDS
    on_points = Calibrator(method, higher_is_riskier=False).fit(points, Y)
    on_log_odds = Calibrator(method).fit(LOG_ODDS, Y)
    np.testing.assert_allclose(
        on_points.predict_pd(points), on_log_odds.predict_pd(LOG_ODDS), atol=1e-9
    )
    assert on_points.predict_pd([700.0])[0] < on_points.predict_pd([500.0])[0]


def test_platt_refuses_a_score_that_ranks_the_wrong_way() -> None:
    with pytest.raises(Invalid, match="higher_is_riskier"):
        Calibrator("platt").fit(-LOG_ODDS, Y)


def test_perfect_separation_stays_finite() -> None:
    calibrator = Calibrator("platt").fit([-2.0, -1.0, 1.0, 2.0], [0, 0, 1, 1])
    assert np.isfinite(calibrator.slope_)
    assert 0.5 < calibrator.predict_pd([2.0])[0] < 1.0


def test_parameters_and_fitting_are_checked() -> None:
    with pytest.raises(Invalid, match="method"):
        Calibrator("beta").fit(LOG_ODDS, Y)
    with pytest.raises(Invalid, match="min_pd"):
        Calibrator(min_pd=0.7).fit(LOG_ODDS, Y)
    with pytest.raises(Invalid, match="single class"):
        Calibrator().fit([0.1, 0.2], [0, 0])
    with pytest.raises(NotFittedError):
        Calibrator().predict_pd([0.1])
