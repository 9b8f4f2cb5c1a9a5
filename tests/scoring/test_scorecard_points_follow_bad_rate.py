"""Where a monotonic trend was asked for, points never contradict the bins' bad-rate order."""

import itertools

import pandas as pd
import pytest

from fengkong.scoring.scorecard import ScorecardModel
from fengkong.scoring.train import TrainedScorecard, binary_target, categorical_columns


def _ranges(ch):  # type: ignore[no-untyped-def]
    return [b for b in ch.bins if b.kind == "range" and b.count > 0]


@pytest.mark.parametrize("trend", ["ascending", "descending", "auto_asc_desc"])
def test_numeric_points_are_monotonic_against_bad_rate(german: pd.DataFrame, trend: str) -> None:
    X = german.drop(columns="creditability")
    y = binary_target(german["creditability"])
    model = ScorecardModel(
        categorical=categorical_columns(X),
        monotonic_trend=trend,  # type: ignore[arg-type]
        min_iv=0.0,
    ).fit(X, y)
    checked = 0
    for ch in model.scorecard_.characteristics:
        bins = sorted(_ranges(ch), key=lambda b: b.event_rate)
        for safer, riskier in itertools.pairwise(bins):
            assert safer.points >= riskier.points, (ch.name, safer, riskier)
            checked += 1
    assert checked > 0


def test_categorical_points_order_by_bad_rate(trained: TrainedScorecard) -> None:
    for ch in trained.model.scorecard_.characteristics:
        bins = sorted(
            (b for b in ch.bins if b.kind == "categories" and b.count > 0),
            key=lambda b: b.event_rate,
        )
        for safer, riskier in itertools.pairwise(bins):
            assert safer.points >= riskier.points, (ch.name, safer, riskier)


def test_every_kept_coefficient_has_the_risk_lowering_sign(trained: TrainedScorecard) -> None:
    assert all(ch.coefficient < 0 for ch in trained.model.scorecard_.characteristics)
