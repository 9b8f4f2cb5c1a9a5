"""Batch scoring checks every enumerated column against the allowed set the application schema
uses: a row with housing "castle" is refused and listed in the error report, every other row is
scored exactly as before."""

from pathlib import Path

import pandas as pd
import pytest

from fengkong.core.errors import Invalid
from fengkong.features.codebook import allowed
from fengkong.scoring.batch import ERROR_COLUMNS, score_file
from fengkong.scoring.registry import LoadedScorecard
from fengkong.scoring.train import TrainedScorecard


@pytest.fixture
def loaded(trained: TrainedScorecard) -> LoadedScorecard:
    return LoadedScorecard("application-v1", "0" * 64, trained.model.scorecard_)


@pytest.mark.parametrize("suffix", [".csv", ".parquet"])
def test_a_bad_row_is_reported_and_the_rest_scored(
    loaded: LoadedScorecard, german: pd.DataFrame, tmp_path: Path, suffix: str
) -> None:
    assert {"housing", "purpose"} <= set(loaded.features)
    rows = german.drop(columns="creditability").head(50).copy()
    rows.loc[6, "housing"] = "castle"  # data row 7
    rows.loc[40, "purpose"] = "yacht"  # data row 41, in the second chunk
    rows.loc[41, "housing"] = None  # missing is allowed: the missing bin
    data = tmp_path / f"in{suffix}"
    out = tmp_path / f"out{suffix}"
    rows.to_csv(data, index=False) if suffix == ".csv" else rows.to_parquet(data, index=False)

    result = score_file(loaded, data, out, chunk_rows=30)

    assert (result.scored, result.rejected) == (48, 2)
    assert result.errors == tmp_path / "out.errors.csv"
    report = pd.read_csv(result.errors)
    assert tuple(report.columns) == ERROR_COLUMNS
    assert report[["row", "column", "value"]].values.tolist() == [
        [7, "housing", "castle"],
        [41, "purpose", "yacht"],
    ]
    assert all(repr(v) in report["message"][0] for v in allowed("housing"))
    scored = pd.read_csv(out) if suffix == ".csv" else pd.read_parquet(out)
    kept = rows.drop(index=[6, 40]).reset_index(drop=True)
    assert len(scored) == 48
    for i, record in enumerate(kept.to_dict("records")):
        assert scored["score"].iloc[i] == loaded.score(record).score


def test_a_clean_file_leaves_no_report_and_a_stale_one_is_removed(
    loaded: LoadedScorecard, german: pd.DataFrame, tmp_path: Path
) -> None:
    data = tmp_path / "in.csv"
    german.drop(columns="creditability").head(20).to_csv(data, index=False)
    stale = tmp_path / "out.errors.csv"
    stale.write_text("row,column,value,message\n1,housing,castle,old\n")
    result = score_file(loaded, data, tmp_path / "out.csv")
    assert (result.scored, result.rejected, result.errors) == (20, 0, None)
    assert not stale.exists()


def test_every_row_refused_writes_no_output(
    loaded: LoadedScorecard, german: pd.DataFrame, tmp_path: Path
) -> None:
    data = tmp_path / "in.csv"
    german.drop(columns="creditability").head(5).assign(housing="castle").to_csv(data, index=False)
    with pytest.raises(Invalid) as refused:
        score_file(loaded, data, tmp_path / "out.csv")
    assert [e.loc for e in refused.value.errors] == [("data", r, "housing") for r in range(1, 6)]
    assert refused.value.errors[0].allowed == allowed("housing")
    assert not (tmp_path / "out.csv").exists()
    assert len(pd.read_csv(tmp_path / "out.errors.csv")) == 5
