"""On a Dask cluster (two worker processes, so every partition and function crosses a process
boundary pickled), batch scoring, the back-test and end of day give exactly what they give in
this process: the same scored file and error report byte for byte, the same back-test reports,
and the same loans and journal to the fen after four dates of end of day."""

from __future__ import annotations

import operator
import os
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest

from fengkong.bootstrap import Context
from fengkong.decision import backtest as backtest_module
from fengkong.distributed.dask_runner import DaskRunner, dask_runner
from fengkong.scoring.registry import LoadedScorecard
from fengkong.scoring.train import TrainedScorecard
from partition_runs import (
    backtest_reports,
    eod_books,
    scored_bytes,
    scoring_input,
    stored_decisions,
)


@pytest.fixture(scope="module")
def dask() -> Iterator[DaskRunner]:
    with dask_runner(workers=2, threads_per_worker=1) as runner:
        yield runner


@pytest.fixture
def loaded(trained: TrainedScorecard) -> LoadedScorecard:
    return LoadedScorecard("application-v1", "0" * 64, trained.model.scorecard_)


def test_the_cluster_runs_partitions_in_other_processes_and_keeps_their_order(
    dask: DaskRunner,
) -> None:
    assert dask.parallelism == 2
    assert dask.map(sorted, [[3, 1], [2], [9, 8, 7]]) == [[1, 3], [2], [7, 8, 9]]
    # os.getpid called on each worker (a function of this test module would not unpickle
    # there: the workers do not have the tests on their path)
    pids = set(dask.map(operator.call, [os.getpid] * 6))
    assert len(pids) == 2 and os.getpid() not in pids


@pytest.mark.parametrize("suffix", [".csv", ".parquet"])
def test_a_file_scored_on_the_cluster_is_the_file_scored_here(
    dask: DaskRunner, loaded: LoadedScorecard, german: pd.DataFrame, tmp_path: Path, suffix: str
) -> None:
    data = scoring_input(german, tmp_path, suffix)
    here = scored_bytes(loaded, data, tmp_path / "here")
    there = scored_bytes(loaded, data, tmp_path / "dask", dask, partitions=3)
    assert here[2] == len(german) - 1  # one row refused
    assert there == here


def test_a_backtest_on_the_cluster_reports_what_it_reports_here(
    dask: DaskRunner,
    context: Context,
    german: pd.DataFrame,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    rows = stored_decisions(context, german, 40)
    monkeypatch.setattr(backtest_module, "PAGE_SIZE", 4)  # several blocks of partitions
    here = backtest_reports(rows)
    there = backtest_reports(rows, dask, partitions=3)
    assert there == here
    against_stored, champion_challenger = here
    assert against_stored.decisions == 40
    assert against_stored.swap_out.count > 0 and against_stored.swap_out.expected_loss > 0
    assert champion_challenger.swap_in.count > 0 and champion_challenger.swap_in.amount > 0


def test_end_of_day_on_the_cluster_books_what_it_books_here(
    dask: DaskRunner, sqlite_template: Path, tmp_path: Path
) -> None:
    here = eod_books(sqlite_template, tmp_path / "here")
    there = eod_books(sqlite_template, tmp_path / "dask", dask)
    assert there.loans == here.loans
    assert there.journal == here.journal
    assert there.totals == here.totals
    days = list(here.totals.values())
    assert sum(t["quiet_loans"] for t in days) > 0  # both paths carried loans
    assert sum(t["loans"] - t["quiet_loans"] for t in days) > 0
    assert sum(t["interest_fen"] for t in days) > 0
