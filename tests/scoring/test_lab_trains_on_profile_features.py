"""`train_model` trains on the profile's features only: on a lender's file with a row index,
ids and a leaking column, neither kind uses them, and the GBM takes column names of any
characters (LightGBM refuses some), reporting them as the file spells them."""

from __future__ import annotations

import pandas as pd
import pytest

from fengkong.scoring.lab import train_model
from fengkong.scoring.lab_config import TrainingConfig
from fengkong.scoring.profile import DataProfile
from lender_files import lender_file

NOT_FEATURES = {"Unnamed: 0", "rownames", "id", "country", "recoveries"}


@pytest.fixture(scope="module")
def frame() -> pd.DataFrame:
    return lender_file(600, seed=2)


@pytest.mark.parametrize("kind", ["scorecard", "gbm"])
def test_ids_row_indexes_and_leaks_are_not_trained_on(frame: pd.DataFrame, kind: str) -> None:
    result = train_model(frame, "bad", kind=kind)  # type: ignore[arg-type]
    assert not set(result.features) & NOT_FEATURES
    assert not set(result.params["features_offered"]) & NOT_FEATURES
    stored = DataProfile.from_dict(result.params["profile"])
    assert stored == result.profile and stored.column("id").verdict == "id"
    assert result.metrics["test"]["auc"] > 0.6


def test_a_gbm_trains_on_names_lightgbm_refuses(frame: pd.DataFrame) -> None:
    awkward = frame.rename(
        columns={"grade": 'grade "A:G"', "annual_inc": "收入[年], 元", "delinq_2yrs": "{delinq}"}
    )
    config = TrainingConfig(keep=("Unnamed: 0",))
    result = train_model(awkward, "bad", kind="gbm", config=config)
    names = set(result.model.feature_names_in_)
    assert {'grade "A:G"', "收入[年], 元", "{delinq}", "Unnamed: 0"} <= names
    contributions = result.model.contributions(awkward.drop(columns="bad").head(5))
    assert {'grade "A:G"', "收入[年], 元"} <= set(contributions.columns)
