"""Categorical features are native LightGBM categoricals with the category list fixed at fit;
a category never seen in training is scored exactly as a missing value."""

from __future__ import annotations

from functools import cache
from importlib.resources import files

import numpy as np
import pandas as pd
import pytest

from fengkong.core.errors import Invalid
from fengkong.scoring.gbm import GBMModel


@cache
def german() -> tuple[pd.DataFrame, np.ndarray]:
    with (files("fengkong") / "data" / "germancredit.csv").open() as fh:
        frame = pd.read_csv(fh)
    y = (frame.pop("creditability") == "bad").astype(int).to_numpy()
    return frame, y


@cache
def fitted() -> GBMModel:
    X, y = german()
    return GBMModel(n_estimators=40).fit(X, y)


def test_category_list_is_fixed_at_fit_and_sorted() -> None:
    model = fitted()
    X, _ = german()
    assert model.categories_["purpose"] == tuple(sorted(X["purpose"].unique()))
    assert "duration_in_month" not in model.categories_


def test_unseen_category_scores_as_missing() -> None:
    model = fitted()
    X, _ = german()
    rows = pd.concat([X.head(5)] * 3, ignore_index=True)
    rows.loc[0:4, "purpose"] = "crypto mining rig"
    rows.loc[5:9, "purpose"] = None
    log_odds = model.decision_function(rows)
    np.testing.assert_array_equal(log_odds[0:5], log_odds[5:10])
    # The purpose does matter for these rows, so the equality above is not vacuous.
    assert not np.array_equal(log_odds[0:5], log_odds[10:15])


def test_category_dtype_and_strings_score_the_same() -> None:
    model = fitted()
    X, _ = german()
    as_category = X.head(50).astype({"purpose": "category", "housing": "category"})
    np.testing.assert_array_equal(model.predict_proba(as_category), model.predict_proba(X.head(50)))


def test_integer_coded_category_declared_explicitly() -> None:
    rng = np.random.default_rng(0)
    region = rng.integers(1, 6, 600)
    y = (rng.random(600) < np.where(region == 3, 0.7, 0.15)).astype(int)
    X = pd.DataFrame({"region": region, "noise": rng.normal(size=600)})
    model = GBMModel(n_estimators=30, categorical_features=("region",)).fit(X, y)
    assert model.categories_["region"] == (1, 2, 3, 4, 5)
    # Floats equal to the codes (as after a NaN crept into the column) map to the same category.
    as_float = X.head(20).astype({"region": float})
    np.testing.assert_array_equal(model.predict_proba(as_float), model.predict_proba(X.head(20)))
    pd_by_region = model.predict_proba(X)[:, 1]
    assert pd_by_region[region == 3].mean() > pd_by_region[region != 3].mean()


def test_undeclared_text_column_is_refused_when_categoricals_are_listed() -> None:
    X, y = german()
    with pytest.raises(Invalid, match="declared categorical"):
        GBMModel(n_estimators=5, categorical_features=("purpose",)).fit(X, y)
