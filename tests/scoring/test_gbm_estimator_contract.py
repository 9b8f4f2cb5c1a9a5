"""GBMModel keeps the scikit-learn contract: `__init__` stores, `fit` validates and returns
self, fitted state ends in `_`, scoring before `fit` raises NotFittedError."""

from __future__ import annotations

from functools import cache
from importlib.resources import files

import numpy as np
import pandas as pd
import pytest
from sklearn.base import clone
from sklearn.exceptions import NotFittedError
from sklearn.model_selection import StratifiedKFold, cross_val_score

from fengkong.core.errors import Invalid
from fengkong.scoring.gbm import GBMModel


@cache
def german() -> tuple[pd.DataFrame, np.ndarray]:
    with (files("fengkong") / "data" / "germancredit.csv").open() as fh:
        frame = pd.read_csv(fh)
    y = (frame.pop("creditability") == "bad").astype(int).to_numpy()
    return frame, y


def test_init_only_stores_and_clone_round_trips() -> None:
    model = GBMModel(n_estimators=7, monotone_constraints={"age_in_years": -1})
    assert model.get_params()["n_estimators"] == 7
    assert not [k for k in vars(model) if k.endswith("_")]
    twin = clone(model)
    assert twin.get_params() == model.get_params()


@pytest.mark.parametrize(
    "method", ["predict_proba", "predict", "decision_function", "contributions"]
)
def test_scoring_before_fit_raises_not_fitted(method: str) -> None:
    X, _ = german()
    with pytest.raises(NotFittedError):
        getattr(GBMModel(), method)(X.head(2))


def test_to_artifact_before_fit_raises_not_fitted() -> None:
    with pytest.raises(NotFittedError):
        GBMModel().to_artifact()


def test_fit_returns_self_with_fitted_attributes() -> None:
    X, y = german()
    model = GBMModel(n_estimators=20)
    assert model.fit(X, y) is model
    assert model.n_features_in_ == X.shape[1]
    assert list(model.feature_names_in_) == list(X.columns)
    assert model.n_estimators_ == 20
    assert set(model.categories_) == {
        c for c in X.columns if X[c].dtype == object or not pd.api.types.is_numeric_dtype(X[c])
    }
    proba = model.predict_proba(X)
    assert proba.shape == (len(X), 2)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0)
    assert set(np.unique(model.predict(X))) <= {0, 1}


@pytest.mark.parametrize(
    ("param", "value"),
    [
        ("n_estimators", 0),
        ("learning_rate", 0.0),
        ("num_leaves", 1),
        ("subsample", 1.5),
        ("reg_lambda", -1.0),
        ("inner_folds", 1),
        ("num_threads", -1),
        ("deterministic", "yes"),
        ("categorical_features", "purpose"),
        ("monotone_constraints", {"age_in_years": 2}),
    ],
)
def test_each_bad_parameter_is_named(param: str, value: object) -> None:
    X, y = german()
    with pytest.raises(Invalid) as caught:
        GBMModel(**{param: value}).fit(X, y)  # type: ignore[arg-type]
    assert caught.value.errors[0].loc == (param,)


def test_bad_training_data_is_refused() -> None:
    X, y = german()
    with pytest.raises(Invalid, match="single class"):
        GBMModel(n_estimators=5).fit(X, np.zeros(len(X)))
    with pytest.raises(Invalid, match="length"):
        GBMModel(n_estimators=5).fit(X, y[:-1])
    with pytest.raises(Invalid, match="DataFrame"):
        GBMModel(n_estimators=5).fit(X.to_numpy(), y)
    with pytest.raises(Invalid, match="together"):
        GBMModel(n_estimators=5).fit(X, y, X_valid=X)


def test_scoring_frame_must_carry_the_features() -> None:
    X, y = german()
    model = GBMModel(n_estimators=5).fit(X, y)
    with pytest.raises(Invalid, match="duration_in_month"):
        model.predict_proba(X.drop(columns=["duration_in_month"]))
    bad = X.head(2).astype({"duration_in_month": object})
    bad.loc[bad.index[0], "duration_in_month"] = "twelve"
    with pytest.raises(Invalid, match="non-numeric"):
        model.predict_proba(bad)
    # Extra columns and a different column order are fine.
    shuffled = X.head(5)[list(reversed(X.columns))].assign(extra=1)
    np.testing.assert_array_equal(model.predict_proba(shuffled), model.predict_proba(X.head(5)))


def test_works_inside_sklearn_cross_validation() -> None:
    X, y = german()
    folds = StratifiedKFold(3, shuffle=True, random_state=0)
    scores = cross_val_score(GBMModel(n_estimators=30), X, y, cv=folds, scoring="roc_auc")
    assert scores.shape == (3,)
    assert scores.mean() > 0.7
