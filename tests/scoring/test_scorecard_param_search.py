"""`ScorecardModel(param_grid=...)` chooses IV threshold, correlation limit and L2 strength by
cross-validating the training rows it is given (binning again on each inner part), then fits
on all of them with the winner."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import roc_auc_score
from sklearn.model_selection import StratifiedKFold

from fengkong.core.errors import Invalid
from fengkong.scoring.lab_config import parse_config
from fengkong.scoring.scorecard import ScorecardModel
from fengkong.scoring.scorecard_params import STANDARD_GRID
from fengkong.scoring.train import binary_target

COLUMNS = [
    "status_of_existing_checking_account",
    "duration_in_month",
    "credit_history",
    "credit_amount",
    "age_in_years",
    "savings_account_and_bonds",
]
GRID = {"min_iv": [0.0, 0.3], "C": [0.01, 1.0]}


@pytest.fixture(scope="module")
def data(german: pd.DataFrame) -> tuple[pd.DataFrame, np.ndarray, list[str]]:
    X = german[COLUMNS]
    categorical = [c for c in COLUMNS if not pd.api.types.is_numeric_dtype(X[c])]
    return X, binary_target(german["creditability"]), categorical


def _risk(model: ScorecardModel, X: pd.DataFrame) -> np.ndarray:
    """The regression's log-odds of bad: what the inner folds rank by."""
    woe = model.transform(X)
    coefficients = np.asarray([c.coefficient for c in model.scorecard_.characteristics])
    return np.asarray(woe.to_numpy() @ coefficients + model.intercept_)


def _inner_auc(X: pd.DataFrame, y: np.ndarray, categorical: list[str], values: Any) -> float:
    """One candidate's mean inner AUC, computed here from the training rows only."""
    folds = StratifiedKFold(3, shuffle=True, random_state=0)
    aucs = []
    for train, valid in folds.split(X, y):
        try:
            model = ScorecardModel(categorical=categorical, **values).fit(X.iloc[train], y[train])
        except Invalid:  # no feature reaches the IV threshold
            aucs.append(0.5)
            continue
        aucs.append(float(roc_auc_score(y[valid], _risk(model, X.iloc[valid]))))
    return float(np.mean(aucs))


def test_every_candidate_is_scored_on_inner_folds_of_the_training_rows(data) -> None:  # type: ignore[no-untyped-def]
    X, y, categorical = data
    model = ScorecardModel(categorical=categorical, param_grid=GRID).fit(X, y)
    assert [r["params"] for r in model.search_results_] == [
        {"C": 0.01, "min_iv": 0.0},
        {"C": 0.01, "min_iv": 0.3},
        {"C": 1.0, "min_iv": 0.0},
        {"C": 1.0, "min_iv": 0.3},
    ]
    for result in model.search_results_:
        # Binned scores tie often; rounding in the last bit can order a tie either way.
        assert result["auc"] == pytest.approx(
            _inner_auc(X, y, categorical, result["params"]), abs=1e-3
        )
    best = max(model.search_results_, key=lambda r: r["auc"])
    assert model.best_params_ == best["params"]


def test_the_winner_is_fitted_on_all_training_rows(data) -> None:  # type: ignore[no-untyped-def]
    X, y, categorical = data
    searched = ScorecardModel(categorical=categorical, param_grid=GRID).fit(X, y)
    plain = ScorecardModel(categorical=categorical, **searched.best_params_).fit(X, y)
    assert searched.scorecard_ == plain.scorecard_
    np.testing.assert_array_equal(searched.score(X), plain.score(X))


def test_no_grid_means_no_search(data) -> None:  # type: ignore[no-untyped-def]
    X, y, categorical = data
    model = ScorecardModel(categorical=categorical).fit(X, y)
    assert model.best_params_ == {} and model.search_results_ == []


def test_standard_grid_is_eight_candidates() -> None:
    sizes = [len(v) for v in STANDARD_GRID.values()]
    assert int(np.prod(sizes)) == 8
    assert set(STANDARD_GRID) == {"min_iv", "max_correlation", "C"}


@pytest.mark.parametrize(
    ("grid", "loc"),
    [
        ({"min_bin_size": [0.05]}, ("param_grid", "min_bin_size")),
        ({"C": []}, ("param_grid", "C")),
        ({"C": [1.0, -1.0]}, ("param_grid", "C")),
        ({"max_correlation": [0.0]}, ("param_grid", "max_correlation")),
        ("wide", ("param_grid",)),
    ],
)
def test_a_bad_grid_is_refused_naming_the_key(data, grid: object, loc: tuple[str, ...]) -> None:  # type: ignore[no-untyped-def]
    X, y, categorical = data
    with pytest.raises(Invalid) as caught:
        ScorecardModel(categorical=categorical, param_grid=grid).fit(X, y)  # type: ignore[arg-type]
    assert [e.loc for e in caught.value.errors] == [loc]


def test_the_grid_comes_from_the_training_configuration() -> None:
    config = parse_config({"scorecard": {"param_grid": "standard", "inner_folds": 4}})
    assert config.scorecard == {"param_grid": "standard", "inner_folds": 4}
    with pytest.raises(Invalid) as caught:
        parse_config({"scorecard": {"param_grid": {"C": [0]}}})
    assert caught.value.errors[0].loc == ("scorecard", "param_grid", "C")
