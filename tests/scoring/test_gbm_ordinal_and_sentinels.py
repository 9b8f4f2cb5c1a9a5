"""The GBM handles ordered categories and sentinel codes as the scorecard does: a grade goes in
as its rank (a value outside the order as missing), a sentinel code (98 "not applicable") as
missing rather than a large magnitude; the one-row path encodes both exactly as the batch path,
the artifact keeps them, and the lab gives the GBM the profile's orders and sentinels and any
declared with `ordinal` (`--ordinal`)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from fengkong.core.errors import Invalid
from fengkong.scoring.gbm import GBMModel
from fengkong.scoring.lab import train_model
from lender_files import GRADES, lender_file

ORDER = list(GRADES)


@pytest.fixture(scope="module")
def frame() -> pd.DataFrame:
    return lender_file(400, seed=5)


@pytest.fixture(scope="module")
def model(frame: pd.DataFrame) -> GBMModel:
    X = frame[["grade", "annual_inc", "delinq_2yrs"]]
    return GBMModel(
        n_estimators=40,
        min_child_samples=10,
        ordinal={"grade": ORDER},
        special_codes={"delinq_2yrs": [96, 98]},
    ).fit(X, frame["bad"])


def test_grades_go_in_as_ranks_and_sentinels_as_missing(model: GBMModel) -> None:
    X = pd.DataFrame(
        {
            "grade": ["A", "C", "G", "Z", None],
            "annual_inc": [5000.0] * 5,
            "delinq_2yrs": [0.0, 98.0, 96.0, 2.0, np.nan],
        }
    )
    matrix = model._encode(X)
    assert matrix[:3, 0].tolist() == [0.0, 2.0, 6.0]
    assert np.isnan(matrix[3:, 0]).all()  # outside the order, and missing
    assert matrix[[0, 3], 2].tolist() == [0.0, 2.0] and np.isnan(matrix[1:3, 2]).all()
    assert "grade" not in model.categories_  # a rank, not an unordered category
    risk = model.decision_function(X)
    assert risk[1] == pytest.approx(model.decision_function(X.assign(delinq_2yrs=np.nan))[1])


def test_the_one_row_path_encodes_as_the_frame(model: GBMModel) -> None:
    rows = [
        {"grade": "B", "annual_inc": 3000, "delinq_2yrs": 98},
        {"grade": "unknown", "annual_inc": 3000.5, "delinq_2yrs": 1.0},
        {"grade": None, "annual_inc": None, "delinq_2yrs": 96.0},
    ]
    for row in rows:
        frame = pd.DataFrame([row], dtype=object)
        np.testing.assert_array_equal(model.encode_row(row), model._encode(frame))


def test_the_artifact_keeps_orders_and_sentinels(model: GBMModel, frame: pd.DataFrame) -> None:
    again = GBMModel.from_artifact(model.to_artifact())
    assert again.orders_ == model.orders_ and again.sentinels_ == model.sentinels_
    X = frame[["grade", "annual_inc", "delinq_2yrs"]]
    np.testing.assert_array_equal(again.decision_function(X), model.decision_function(X))


def test_orders_and_codes_must_name_fitting_columns(frame: pd.DataFrame) -> None:
    X, y = frame[["grade", "annual_inc"]], frame["bad"]
    with pytest.raises(Invalid, match="ordinal"):
        GBMModel(n_estimators=5, ordinal={"sub_grade": ORDER}).fit(X, y)
    with pytest.raises(Invalid, match="numeric features only"):
        GBMModel(n_estimators=5, special_codes={"grade": [98]}).fit(X, y)
    with pytest.raises(Invalid, match="ordinal"):
        GBMModel(n_estimators=5, ordinal={"grade": "ABC"}).fit(X, y)


def test_the_lab_gives_the_gbm_the_profile_orders_and_sentinels(frame: pd.DataFrame) -> None:
    # Declared against the profile's own reading of "n years", to show the declaration wins.
    declared = ["10+ years", *(f"{k} years" for k in range(9, 0, -1)), "< 1 year"]
    config = {"ordinal": {"emp_length": declared}, "gbm": {"max_estimators": 60}}
    result = train_model(frame, "bad", kind="gbm", config=config)
    params = result.params["model"]
    assert params["ordinal"]["grade"] == ORDER  # recognised by the profile
    assert params["ordinal"]["emp_length"] == declared  # declared
    assert 98.0 in params["special_codes"]["delinq_2yrs"]
    assert 365243.0 in params["special_codes"]["days_employed"]
    model = result.model
    assert isinstance(model, GBMModel) and "grade" in model.orders_
    assert result.params["validation"]["lightgbm"]["num_threads"] == 0  # every core
