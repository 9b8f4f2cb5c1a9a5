"""Batch scoring of a CSV or Parquet file, chunk by chunk, gives the online path's scores;
bad input is refused with the column named."""

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from fengkong.core.errors import Invalid
from fengkong.scoring.batch import OUTPUT_COLUMNS, score_file
from fengkong.scoring.registry import LoadedScorecard
from fengkong.scoring.train import TrainedScorecard


@pytest.fixture
def loaded(trained: TrainedScorecard) -> LoadedScorecard:
    return LoadedScorecard("application-v1", "0" * 64, trained.model.scorecard_)


@pytest.mark.parametrize("suffix", [".csv", ".parquet"])
def test_file_scores_equal_online_scores(
    loaded: LoadedScorecard, german: pd.DataFrame, tmp_path: Path, suffix: str
) -> None:
    rows = german.drop(columns="creditability").copy()
    rows.loc[::9, "purpose"] = None  # missing: the missing bin (an unknown value is refused)
    rows.loc[::11, "duration_in_month"] = np.nan  # missing → the missing bin
    data = tmp_path / f"in{suffix}"
    out = tmp_path / f"out{suffix}"
    if suffix == ".csv":
        rows.to_csv(data, index=False)
    else:
        rows.to_parquet(data, index=False)
    chunks: list[int] = []
    result = score_file(loaded, data, out, chunk_rows=300, on_chunk=chunks.append)
    assert (result.scored, result.rejected, result.errors) == (len(rows), 0, None)
    assert chunks == [300, 300, 300, 100]
    scored = pd.read_csv(out, keep_default_na=False) if suffix == ".csv" else pd.read_parquet(out)
    assert tuple(scored.columns[-len(OUTPUT_COLUMNS) :]) == OUTPUT_COLUMNS
    for i, record in enumerate(rows.to_dict("records")):
        online = loaded.score(record)
        assert scored["score"].iloc[i] == online.score
        assert scored["pd"].iloc[i] == pytest.approx(online.pd)
        top = [f"SC_{c.feature.upper()}" for c in online.top_adverse(4)]
        assert [scored[f"reason_{k}"].iloc[i] for k in range(1, 5)] == top + [""] * (4 - len(top))


def test_missing_columns_and_infinities_are_refused(
    loaded: LoadedScorecard, german: pd.DataFrame, tmp_path: Path
) -> None:
    feature = loaded.features[0]
    data = tmp_path / "in.csv"
    german.drop(columns=[feature]).to_csv(data, index=False)
    with pytest.raises(Invalid, match=feature):
        score_file(loaded, data, tmp_path / "out.csv")
    numeric = next(ch.name for ch in loaded.scorecard.characteristics if ch.dtype == "numerical")
    german.assign(**{numeric: np.inf}).to_csv(data, index=False)
    with pytest.raises(Invalid, match=numeric):
        score_file(loaded, data, tmp_path / "out.csv")
    assert not (tmp_path / "out.csv").exists()
