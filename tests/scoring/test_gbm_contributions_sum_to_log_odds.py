"""Per-feature contributions are in log-odds and add up, with the bias, to the model's log-odds."""

from __future__ import annotations

from functools import cache
from importlib.resources import files

import numpy as np
import pandas as pd

from fengkong.scoring.gbm import BIAS_COLUMN, GBMModel


@cache
def german() -> tuple[pd.DataFrame, np.ndarray]:
    with (files("fengkong") / "data" / "germancredit.csv").open() as fh:
        frame = pd.read_csv(fh)
    y = (frame.pop("creditability") == "bad").astype(int).to_numpy()
    return frame, y


def test_rows_sum_to_log_odds_and_pd() -> None:
    X, y = german()
    model = GBMModel(n_estimators=40).fit(X, y)
    sample = X.iloc[100:150]
    contributions = model.contributions(sample)
    assert list(contributions.columns) == [*X.columns, BIAS_COLUMN]
    assert list(contributions.index) == list(sample.index)
    log_odds = contributions.sum(axis=1).to_numpy()
    np.testing.assert_allclose(log_odds, model.decision_function(sample), atol=1e-9)
    np.testing.assert_allclose(
        1 / (1 + np.exp(-log_odds)), model.predict_proba(sample)[:, 1], atol=1e-9
    )
    # One bias for everybody.
    assert contributions[BIAS_COLUMN].nunique() == 1


def test_a_feature_the_model_never_uses_contributes_nothing() -> None:
    X, y = german()
    X = X.assign(constant=1.0)
    model = GBMModel(n_estimators=20).fit(X, y)
    assert (model.contributions(X.head(20))["constant"] == 0.0).all()
