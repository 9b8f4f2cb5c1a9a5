"""The number of trees comes from early stopping (validation set or inner CV), and the same
data and parameters give the same model."""

from __future__ import annotations

from functools import cache
from importlib.resources import files

import numpy as np
import pandas as pd

from fengkong.scoring.gbm import GBMModel


@cache
def german() -> tuple[pd.DataFrame, np.ndarray]:
    with (files("fengkong") / "data" / "germancredit.csv").open() as fh:
        frame = pd.read_csv(fh)
    y = (frame.pop("creditability") == "bad").astype(int).to_numpy()
    return frame, y


def test_early_stopping_on_validation_set_keeps_the_best_trees() -> None:
    X, y = german()
    fast = {"learning_rate": 0.3, "early_stopping_rounds": 10, "max_estimators": 400}
    model = GBMModel(**fast).fit(X.iloc[:700], y[:700], X.iloc[700:], y[700:])
    assert 1 <= model.n_estimators_ < 400
    capped = GBMModel(n_estimators=3, **fast).fit(X.iloc[:700], y[:700], X.iloc[700:], y[700:])
    assert capped.n_estimators_ <= 3


def test_inner_cv_chooses_the_rounds_without_a_validation_set() -> None:
    X, y = german()
    model = GBMModel(learning_rate=0.3, early_stopping_rounds=10, max_estimators=400)
    model.fit(X, y)
    assert 1 <= model.n_estimators_ < 400


def test_fixed_rounds_without_validation_set() -> None:
    X, y = german()
    assert GBMModel(n_estimators=12).fit(X, y).n_estimators_ == 12


def test_same_inputs_same_model() -> None:
    X, y = german()
    params = {"n_estimators": 30, "random_state": 3}
    first = GBMModel(**params).fit(X, y)
    second = GBMModel(**params).fit(X, y)
    assert first.booster_.model_to_string() == second.booster_.model_to_string()
    other_seed = GBMModel(n_estimators=30, random_state=4).fit(X, y)
    assert not np.array_equal(other_seed.predict_proba(X), first.predict_proba(X))


def test_thread_count_does_not_change_the_model() -> None:
    X, y = german()
    one = GBMModel(n_estimators=30, num_threads=1).fit(X, y)
    two = GBMModel(n_estimators=30, num_threads=2).fit(X, y)
    np.testing.assert_array_equal(one.predict_proba(X), two.predict_proba(X))
