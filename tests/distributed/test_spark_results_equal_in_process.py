"""On a local Spark session (local[2]: its Python workers are other processes, so every partition
and function crosses a process boundary pickled), batch scoring, the back-test and end of day
give exactly what they give in this process, as on Dask. Skipped where PySpark or a Java runtime
is missing."""

from __future__ import annotations

import operator
import os
import shutil
from collections.abc import Iterator
from functools import partial
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from typer.testing import CliRunner

from fengkong.bootstrap import Context
from fengkong.cli import app
from fengkong.decision import backtest as backtest_module
from fengkong.scoring.batch import score_frame
from fengkong.scoring.registry import LoadedScorecard
from fengkong.scoring.train import TrainedScorecard
from partition_runs import (
    backtest_reports,
    eod_books,
    scored_bytes,
    scoring_input,
    stored_decisions,
)

pytestmark = pytest.mark.filterwarnings("ignore:PySpark does not yet fully support pandas")
pytest.importorskip("pyspark")
if shutil.which("java") is None and not os.environ.get("JAVA_HOME"):
    pytest.skip("Spark needs a Java runtime", allow_module_level=True)

from fengkong.distributed.spark_runner import SparkRunner, spark_runner  # noqa: E402


@pytest.fixture(scope="module")
def spark() -> Iterator[SparkRunner]:
    with spark_runner("local[2]") as runner:
        yield runner


@pytest.fixture
def loaded(trained: TrainedScorecard) -> LoadedScorecard:
    return LoadedScorecard("application-v1", "0" * 64, trained.model.scorecard_)


def test_the_session_runs_partitions_in_other_processes_and_keeps_their_order(
    spark: SparkRunner,
) -> None:
    assert spark.parallelism == 2
    assert spark.map(sorted, [[3, 1], [2], [9, 8, 7]]) == [[1, 3], [2], [7, 8, 9]]
    assert spark.map(sorted, []) == []
    assert os.getpid() not in set(spark.map(operator.call, [os.getpid] * 4))


@pytest.mark.parametrize("suffix", [".csv", ".parquet"])
def test_a_file_scored_on_spark_is_the_file_scored_here(
    spark: SparkRunner, loaded: LoadedScorecard, german: pd.DataFrame, tmp_path: Path, suffix: str
) -> None:
    data = scoring_input(german, tmp_path, suffix)
    here = scored_bytes(loaded, data, tmp_path / "here")
    assert scored_bytes(loaded, data, tmp_path / "spark", spark, partitions=3) == here


def test_a_chunk_goes_through_map_in_pandas_and_keeps_its_rows_and_index(
    spark: SparkRunner, loaded: LoadedScorecard, german: pd.DataFrame
) -> None:
    rows = german.drop(columns="creditability").iloc[100:160].copy()
    rows["purpose"] = None  # a column with no value at all in the chunk: the missing bin
    here = score_frame(loaded, rows)
    pd.testing.assert_frame_equal(spark.map_frame(partial(score_frame, loaded), rows, 3), here)


def test_a_chunk_spark_cannot_type_is_scored_through_slices_alike(
    spark: SparkRunner,
    loaded: LoadedScorecard,
    german: pd.DataFrame,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    rows = german.drop(columns="creditability").iloc[100:160].copy()
    rows["purpose"] = ["car (new)", 3, None] * 20  # mixed types: no Arrow type fits
    sliced: list[int] = []
    mapped = SparkRunner.map

    def counted(self: SparkRunner, fn: Any, parts: Any) -> Any:
        sliced.append(len(parts))
        return mapped(self, fn, parts)

    monkeypatch.setattr(SparkRunner, "map", counted)
    there = spark.map_frame(partial(score_frame, loaded), rows, 3)
    assert sliced == [3]
    pd.testing.assert_frame_equal(there, score_frame(loaded, rows))


def test_a_backtest_on_spark_reports_what_it_reports_here(
    spark: SparkRunner, context: Context, german: pd.DataFrame, monkeypatch: pytest.MonkeyPatch
) -> None:
    rows = stored_decisions(context, german, 30)
    monkeypatch.setattr(backtest_module, "PAGE_SIZE", 5)
    here = backtest_reports(rows)
    assert backtest_reports(rows, spark, partitions=2) == here
    assert here[0].swap_out.count > 0 and here[1].swap_in.count > 0


def test_end_of_day_on_spark_books_what_it_books_here(
    spark: SparkRunner, sqlite_template: Path, tmp_path: Path
) -> None:
    # larger chunks than on Dask: each chunk is one Spark job, and a job costs Spark a while
    here = eod_books(sqlite_template, tmp_path / "here", chunk=20, quiet_chunk=20)
    there = eod_books(sqlite_template, tmp_path / "spark", spark, chunk=20, quiet_chunk=20)
    assert (there.loans, there.journal, there.totals) == (here.loans, here.journal, here.totals)
    assert sum(t["interest_fen"] for t in here.totals.values()) > 0


def test_fengkong_score_on_spark_writes_the_file_it_writes_here(
    spark: SparkRunner,
    context: Context,
    german: pd.DataFrame,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr("fengkong.cli.score.context", lambda: context)
    monkeypatch.delenv("FENGKONG_API_KEY", raising=False)
    monkeypatch.setenv("FENGKONG_SESSION", "fks_risk")
    with context.uow() as uow:
        model = next(m.version for m in uow.models.list() if m.status.value == "champion")
    data = scoring_input(german, tmp_path, ".parquet")
    written = []
    for name, engine in (("here", "local"), ("spark", "spark")):
        out = tmp_path / name / "scored.parquet"
        command = ["score", "--model", model, "--data", str(data), "--out", str(out)]
        done = CliRunner().invoke(app, [*command, "--engine", engine, "--chunk-rows", "400"])
        assert done.exit_code == 2, done.output  # the one refused row
        written.append(out.read_bytes())
    assert written[1] == written[0]
    assert spark.map(sorted, [[2, 1]]) == [[1, 2]]  # the command left the running session be
