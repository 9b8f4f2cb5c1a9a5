"""A calibrator's artifact is plain JSON data and loads back to the same score-to-PD map."""

from __future__ import annotations

import json

import numpy as np
import pytest

from fengkong.core.errors import Invalid
from fengkong.scoring.calibration import Calibrator

RNG = np.random.default_rng(8)
SCORE = RNG.normal(size=2000)
Y = (RNG.random(SCORE.size) < 1 / (1 + np.exp(-(SCORE - 1)))).astype(int)


@pytest.mark.parametrize("method", ["platt", "isotonic"])
@pytest.mark.parametrize("higher_is_riskier", [True, False])
def test_round_trip_gives_identical_pds(method: str, higher_is_riskier: bool) -> None:
    calibrator = Calibrator(method, higher_is_riskier=higher_is_riskier, min_pd=0.001)
    score = SCORE if higher_is_riskier else -SCORE
    calibrator.fit(score, Y)
    artifact = json.loads(json.dumps(calibrator.to_artifact()))
    loaded = Calibrator.from_artifact(artifact)
    grid = np.linspace(-5, 5, 501)
    np.testing.assert_array_equal(loaded.predict_pd(grid), calibrator.predict_pd(grid))
    assert loaded.get_params() == calibrator.get_params()


def test_isotonic_artifact_holds_threshold_arrays() -> None:
    artifact = Calibrator("isotonic").fit(SCORE, Y).to_artifact()
    x, pd_ = artifact["fitted"]["x_thresholds"], artifact["fitted"]["y_thresholds"]
    assert len(x) == len(pd_) > 2
    assert x == sorted(x)
    assert pd_ == sorted(pd_)


@pytest.mark.parametrize(
    "breakage",
    [
        lambda a: a.update(kind="fengkong.scoring.gbm"),
        lambda a: a.update(method="beta"),
        lambda a: a["fitted"].update(y_thresholds=a["fitted"]["y_thresholds"][::-1]),
        lambda a: a["fitted"].pop("x_thresholds"),
    ],
)
def test_malformed_artifact_is_refused(breakage: object) -> None:
    artifact = Calibrator("isotonic").fit(SCORE, Y).to_artifact()
    breakage(artifact)  # type: ignore[operator]
    with pytest.raises(Invalid):
        Calibrator.from_artifact(artifact)
