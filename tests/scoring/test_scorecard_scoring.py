import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from sklearn.exceptions import NotFittedError

from fengkong.core.errors import IntegrityBroken, Invalid
from fengkong.scoring.artifact import read_artifact, write_artifact
from fengkong.scoring.points import Scaling
from fengkong.scoring.scorecard import ScorecardModel
from fengkong.scoring.serialize import scorecard_from_dict, scorecard_to_dict
from fengkong.scoring.train import TrainedScorecard, binary_target, categorical_columns


def test_score_is_the_sum_of_the_table(trained: TrainedScorecard, german: pd.DataFrame) -> None:
    sc = trained.model.scorecard_
    row = german.iloc[3].to_dict()
    result = sc.score(row)
    assert result.score == sum(c.points for c in result.contributions)
    assert 0 < result.pd < 1
    assert math.isclose(result.pd, sc.scaling.probability_of_default(result.score))


def test_batch_equals_row_by_row(trained: TrainedScorecard, german: pd.DataFrame) -> None:
    sc = trained.model.scorecard_
    batch = sc.score_batch({n: german[n].to_numpy() for n in sc.features})
    online = [sc.score(r).score for r in german.to_dict("records")]
    assert batch.tolist() == online


def test_scaling_anchors() -> None:
    s = Scaling(base_score=600, base_odds=50, pdo=20)
    assert math.isclose(s.probability_of_default(600), 1 / 51)
    assert math.isclose(s.probability_of_default(620), 1 / 101)


def test_missing_and_unseen_values_fall_in_the_missing_bin(trained: TrainedScorecard) -> None:
    sc = trained.model.scorecard_
    purpose = next(ch for ch in sc.characteristics if ch.dtype == "categorical")
    assert purpose.bin_index("never seen in training") == purpose.missing_index
    assert purpose.bin_index(None) == purpose.missing_index
    numeric = next(ch for ch in sc.characteristics if ch.dtype == "numerical")
    assert numeric.bin_index(float("nan")) == numeric.missing_index
    with pytest.raises(Invalid):
        numeric.bin_index(float("inf"))
    with pytest.raises(Invalid):
        numeric.bin_index("12")


def test_top_adverse_ranks_points_lost(trained: TrainedScorecard, german: pd.DataFrame) -> None:
    result = trained.model.scorecard_.score(german.iloc[1].to_dict())
    top = result.top_adverse(4)
    assert 0 < len(top) <= 4
    lost = [c.points_lost for c in top]
    assert lost == sorted(lost, reverse=True) and lost[0] > 0


def test_artifact_round_trip_and_hash(
    trained: TrainedScorecard, tmp_path: Path, german: pd.DataFrame
) -> None:
    sc = trained.model.scorecard_
    path = tmp_path / "model.json"
    sha = write_artifact(path, scorecard_to_dict(sc))
    loaded = scorecard_from_dict(read_artifact(path, sha))
    cols = {n: german[n].to_numpy() for n in sc.features}
    assert np.array_equal(loaded.score_batch(cols), sc.score_batch(cols))
    path.write_bytes(path.read_bytes().replace(b'"points":', b'"points": ', 1))
    with pytest.raises(IntegrityBroken):
        read_artifact(path, sha)


def test_bad_targets_and_parameters_are_refused(german: pd.DataFrame) -> None:
    X = german.drop(columns="creditability")
    with pytest.raises(Invalid, match="single class"):
        ScorecardModel().fit(X, np.zeros(len(X), dtype=int))
    with pytest.raises(Invalid, match="0/1"):
        ScorecardModel().fit(X, np.full(len(X), 2))
    with pytest.raises(Invalid, match="min_iv"):
        ScorecardModel(min_iv=2).fit(X, binary_target(german["creditability"]))
    with pytest.raises(Invalid, match="not a binary target"):
        binary_target(pd.Series(["good", "bad", "ugly"]))
    with pytest.raises(NotFittedError):
        ScorecardModel().score(X)


def test_constant_and_empty_columns_are_dropped(german: pd.DataFrame) -> None:
    X = german.drop(columns="creditability").assign(constant=1.0, empty=np.nan)
    model = ScorecardModel(categorical=categorical_columns(X)).fit(
        X, binary_target(german["creditability"])
    )
    assert "constant" not in model.selected_ and "empty" not in model.selected_
