"""A monotone constraint holds for every applicant: moving only that feature moves the PD one way."""

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


def _pd_along(model: GBMModel, rows: pd.DataFrame, feature: str, grid: np.ndarray) -> np.ndarray:
    curves = [model.predict_proba(rows.assign(**{feature: value}))[:, 1] for value in grid]
    return np.column_stack(curves)  # one row per applicant, one column per grid value


def test_constraints_hold_for_each_applicant() -> None:
    X, y = german()
    model = GBMModel(
        n_estimators=60,
        learning_rate=0.1,
        monotone_constraints={"duration_in_month": 1, "age_in_years": -1},
    ).fit(X, y)
    rows = X.head(40)
    longer = _pd_along(model, rows, "duration_in_month", np.arange(4, 73, 4))
    older = _pd_along(model, rows, "age_in_years", np.arange(19, 76, 3))
    assert (np.diff(longer, axis=1) >= 0).all()
    assert (np.diff(older, axis=1) <= 0).all()
    assert (longer[:, -1] > longer[:, 0]).any()


def test_constraint_on_unknown_or_categorical_feature_is_refused() -> None:
    X, y = german()
    with pytest.raises(Invalid, match="not columns"):
        GBMModel(n_estimators=5, monotone_constraints={"salary": 1}).fit(X, y)
    with pytest.raises(Invalid, match="categorical"):
        GBMModel(n_estimators=5, monotone_constraints={"purpose": 1}).fit(X, y)
