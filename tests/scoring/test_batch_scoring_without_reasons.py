"""Batch scoring without reasons (`score --no-reasons`): the same scores and PDs as with them,
no reason columns in the output, and for a GBM no TreeSHAP contributions are computed."""

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from fengkong.core.errors import Invalid
from fengkong.scoring.batch import OUTPUT_COLUMNS, score_file
from fengkong.scoring.calibration import Calibrator
from fengkong.scoring.gbm import GBMModel
from fengkong.scoring.points import Scaling
from fengkong.scoring.registry import LoadedGBM, LoadedScorecard
from fengkong.scoring.train import TrainedScorecard, binary_target

TARGET = "creditability"


@pytest.fixture(scope="module")
def gbm(german: pd.DataFrame) -> LoadedGBM:
    X, y = german.drop(columns=TARGET), binary_target(german[TARGET])
    model = GBMModel(n_estimators=40).fit(X.iloc[:400], y[:400])
    calibrator = Calibrator("platt", higher_is_riskier=True).fit(model.decision_function(X), y)
    return LoadedGBM("gbm-v1", "0" * 64, model, calibrator, Scaling(600, 50, 20))


@pytest.fixture
def scorecard(trained: TrainedScorecard) -> LoadedScorecard:
    return LoadedScorecard("application-v1", "0" * 64, trained.model.scorecard_)


def test_scores_and_pds_equal_those_with_reasons(
    gbm: LoadedGBM, scorecard: LoadedScorecard, german: pd.DataFrame
) -> None:
    rows = german.drop(columns=TARGET).iloc[:300].copy()
    rows.loc[::7, "purpose"] = None
    for loaded in (gbm, scorecard):
        full = loaded.score_frame(rows)
        quick = loaded.score_frame(rows, reasons=False)
        assert quick.reasons == () and len(full.reasons) == 4
        np.testing.assert_array_equal(quick.score, full.score)
        np.testing.assert_allclose(quick.pd, full.pd, rtol=1e-12)


def test_a_gbm_without_reasons_asks_lightgbm_for_no_contributions(
    gbm: LoadedGBM, german: pd.DataFrame, monkeypatch: pytest.MonkeyPatch
) -> None:
    def refuse(_: pd.DataFrame) -> None:
        raise AssertionError("contributions computed without reasons")

    monkeypatch.setattr(gbm.model, "contributions_array", refuse)
    rows = german.drop(columns=TARGET).iloc[:50]
    assert len(gbm.score_frame(rows, reasons=False).score) == 50
    with pytest.raises(Invalid, match="finite"):
        gbm.score_frame(rows.assign(duration_in_month=np.inf), reasons=False)


@pytest.mark.parametrize("suffix", [".parquet", ".tsv.gz"])
def test_the_file_gets_score_and_pd_only(
    gbm: LoadedGBM, german: pd.DataFrame, tmp_path: Path, suffix: str
) -> None:
    rows = german.drop(columns=TARGET).iloc[:200].assign(reason_1="kept as it is")
    data, out = tmp_path / f"in{suffix}", tmp_path / "out.parquet"
    if suffix == ".parquet":
        rows.to_parquet(data, index=False)
    else:
        rows.to_csv(data, sep="\t", index=False)
    result = score_file(gbm, data, out, chunk_rows=64, reasons=False)
    assert (result.scored, result.rejected) == (200, 0)
    scored = pd.read_parquet(out)
    assert list(scored.columns) == [*rows.columns, "score", "pd"]
    assert (scored["reason_1"] == "kept as it is").all()  # an input column, not an output
    np.testing.assert_array_equal(scored["score"], gbm.score_frame(rows).score)
    with pytest.raises(Invalid, match="overwritten"):  # with reasons, reason_1 would clash
        score_file(gbm, data, tmp_path / "again.parquet")
    assert OUTPUT_COLUMNS[:2] == ("score", "pd")
