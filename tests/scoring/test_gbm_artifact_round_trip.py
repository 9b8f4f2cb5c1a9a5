"""A GBM artifact is plain JSON data; loading it gives identical predictions and contributions."""

from __future__ import annotations

import json
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


def test_json_round_trip_gives_identical_predictions() -> None:
    X, y = german()
    model = GBMModel(n_estimators=40, monotone_constraints={"duration_in_month": 1}).fit(X, y)
    artifact = model.to_artifact()
    loaded = GBMModel.from_artifact(json.loads(json.dumps(artifact)))
    np.testing.assert_array_equal(loaded.predict_proba(X), model.predict_proba(X))
    pd.testing.assert_frame_equal(loaded.contributions(X), model.contributions(X))
    assert loaded.categories_ == model.categories_
    assert loaded.monotone_constraints_ == model.monotone_constraints_
    assert loaded.get_params() == {
        **model.get_params(),
        "monotone_constraints": {"duration_in_month": 1},
    }
    # Unseen categories behave the same after loading.
    odd = X.head(3).assign(purpose="crypto")
    np.testing.assert_array_equal(loaded.predict_proba(odd), model.predict_proba(odd))


def test_artifact_holds_text_model_and_no_pickle() -> None:
    X, y = german()
    artifact = GBMModel(n_estimators=10).fit(X, y).to_artifact()
    assert artifact["model"].startswith("tree\n")
    assert artifact["features"] == list(X.columns)
    assert artifact["n_estimators"] == 10
    json.dumps(artifact)


@pytest.mark.parametrize(
    "breakage",
    [
        lambda a: a.update(kind="something else"),
        lambda a: a.update(model="not a model"),
        lambda a: a.update(features=a["features"][:-1]),
        lambda a: a.pop("categories"),
    ],
)
def test_malformed_artifact_is_refused(breakage: object) -> None:
    X, y = german()
    artifact = GBMModel(n_estimators=5).fit(X, y).to_artifact()
    breakage(artifact)  # type: ignore[operator]
    with pytest.raises(Invalid):
        GBMModel.from_artifact(artifact)
