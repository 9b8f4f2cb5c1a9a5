"""`GBMModel(param_grid=...)` chooses its hyperparameters from the training data it is given:
every candidate's score is the inner cross-validation of those rows (or the validation set),
the best one wins, and the final model is that candidate refitted on the same rows."""

from __future__ import annotations

import json
from typing import Any

import lightgbm as lgb
import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import roc_auc_score

from fengkong.core.errors import Invalid
from fengkong.scoring.gbm import GBMModel
from fengkong.scoring.gbm_params import STANDARD_GRID
from fengkong.scoring.lab_config import parse_config

GRID = {"min_child_samples": [5, 40], "num_leaves": [4, 8]}


def _data(seed: int, n: int = 600) -> tuple[pd.DataFrame, np.ndarray]:
    rng = np.random.default_rng(seed)
    X = pd.DataFrame(
        {
            "a": rng.normal(size=n),
            "b": rng.normal(size=n),
            "c": rng.integers(0, 5, size=n).astype(float),
            "kind": rng.choice(["x", "y", "z"], size=n),
        }
    )
    logit = 1.2 * X["a"] - 0.8 * X["b"] * (X["c"] > 2) + (X["kind"] == "z") - 1.0
    y = (rng.random(n) < 1 / (1 + np.exp(-logit))).astype(int).to_numpy()
    return X, y


def _fit(X: pd.DataFrame, y: np.ndarray, **params: Any) -> GBMModel:
    return GBMModel(learning_rate=0.1, early_stopping_rounds=20, **params).fit(X, y)


def _inner_cv(model: GBMModel, X: pd.DataFrame, y: np.ndarray, values: dict[str, Any]) -> Any:
    """The inner cross-validation of one candidate, computed here from the training rows only."""
    candidate = GBMModel(**{**model.get_params(), **values, "param_grid": None})
    cat_index = [i for i, n in enumerate(model.feature_names_in_) if n in model.categories_]
    train_set = lgb.Dataset(
        model._encode(X),
        label=y.astype(float),
        feature_name=[str(n) for n in model.feature_names_in_],
        categorical_feature=cat_index,
        params={"verbosity": -1},
        free_raw_data=False,
    )
    params = {**candidate._lgb_params(), "monotone_constraints": [0] * 4, "metric": "auc"}
    return lgb.cv(
        params,
        train_set,
        num_boost_round=model.max_estimators,
        nfold=model.inner_folds,
        stratified=True,
        shuffle=True,
        seed=model.random_state,
        callbacks=[lgb.early_stopping(model.early_stopping_rounds, verbose=False)],
    )["valid auc-mean"]


def test_every_candidate_is_scored_by_cross_validating_the_training_rows() -> None:
    X, y = _data(0)
    model = _fit(X, y, param_grid=GRID)
    assert len(model.search_results_) == 4
    for result in model.search_results_:
        scores = _inner_cv(model, X, y, result["params"])
        assert result["auc"] == pytest.approx(scores[-1], abs=1e-12)
        assert result["n_estimators"] == len(scores)
    best = max(model.search_results_, key=lambda r: r["auc"])
    assert model.best_params_ == best["params"]
    assert model.n_estimators_ == best["n_estimators"]


def test_the_winner_is_refitted_on_all_training_rows() -> None:
    X, y = _data(3)
    searched = _fit(X, y, param_grid=GRID)
    plain = _fit(X, y, n_estimators=searched.n_estimators_, **searched.best_params_)
    np.testing.assert_array_equal(searched.decision_function(X), plain.decision_function(X))


def test_a_hopeless_candidate_is_never_chosen() -> None:
    X, y = _data(4)
    # A leaf of 1,000 applicants cannot exist in 600 rows: no split, AUC one half.
    model = _fit(X, y, param_grid={"min_child_samples": [1000, 20]})
    assert model.best_params_ == {"min_child_samples": 20}
    assert model.search_results_[0]["auc"] == 0.5


def test_with_a_validation_set_the_candidates_are_compared_on_it() -> None:
    X, y = _data(5)
    X_valid, y_valid = _data(6, n=300)
    model = GBMModel(learning_rate=0.1, early_stopping_rounds=20, param_grid=GRID).fit(
        X, y, X_valid, y_valid
    )
    best = max(model.search_results_, key=lambda r: r["auc"])
    assert model.best_params_ == best["params"]
    assert roc_auc_score(y_valid, model.decision_function(X_valid)) == pytest.approx(
        best["auc"], abs=1e-9
    )


def test_standard_grid_and_artifact_round_trip() -> None:
    X, y = _data(7)
    model = _fit(X, y, param_grid="standard")
    assert len(model.search_results_) == len(STANDARD_GRID["min_child_samples"]) * len(
        STANDARD_GRID["reg_lambda"]
    )
    assert all(model.best_params_[k] in v for k, v in STANDARD_GRID.items())
    loaded = GBMModel.from_artifact(json.loads(json.dumps(model.to_artifact())))
    np.testing.assert_array_equal(loaded.decision_function(X), model.decision_function(X))
    assert loaded.best_params_ == model.best_params_
    assert loaded.lgb_params_ == model.lgb_params_
    assert loaded.lgb_params_["min_data_in_leaf"] == model.best_params_["min_child_samples"]


@pytest.mark.parametrize(
    ("grid", "loc"),
    [
        ({"objective": ["binary"]}, ("param_grid", "objective")),
        ({"num_leaves": []}, ("param_grid", "num_leaves")),
        ({"num_leaves": 8}, ("param_grid", "num_leaves")),
        ({"num_leaves": [8, 1]}, ("param_grid", "num_leaves")),
        ({"learning_rate": [0.1, 2.0]}, ("param_grid", "learning_rate")),
        ("wide", ("param_grid",)),
    ],
)
def test_a_bad_grid_is_refused_naming_the_key(grid: object, loc: tuple[str, ...]) -> None:
    X, y = _data(8)
    with pytest.raises(Invalid) as caught:
        GBMModel(param_grid=grid).fit(X, y)  # type: ignore[arg-type]
    assert [e.loc for e in caught.value.errors] == [loc]


def test_the_grid_comes_from_the_training_configuration() -> None:
    config = parse_config({"kind": "gbm", "gbm": {"param_grid": {"num_leaves": [4, 16]}}})
    assert config.gbm["param_grid"] == {"num_leaves": [4, 16]}
    with pytest.raises(Invalid) as caught:
        parse_config({"gbm": {"param_grid": {"num_leaves": [1]}}})
    assert caught.value.errors[0].loc == ("gbm", "param_grid", "num_leaves")
