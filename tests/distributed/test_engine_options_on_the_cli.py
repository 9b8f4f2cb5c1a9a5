"""`--engine`, `--dask-address` and `--partitions` on the commands that run batch work over
partitions: `fengkong score`, `fengkong eod` and `fengkong policy backtest` on Dask (a scheduler
at an address, or a local cluster started for the run) give what they give in this process; an
unknown engine, an option of another engine, a malformed address, a partition count below 1 and
an engine that is not installed exit 2 before anything is read, in both languages; a scheduler
that does not answer exits 1."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from decision.test_backtest_support import NEW_SEGMENT, STRICTER, decide, demo_with
from fengkong.bootstrap import Context
from fengkong.cli import app
from fengkong.core.clock import SystemClock
from fengkong.db.database import Database
from fengkong.db.uow import SqlUnitOfWork
from fengkong.decision.policy_products import POLICY_PRODUCTS
from fengkong.distributed import dask_runner as dask_module
from fengkong.distributed import engines
from fengkong.distributed.dask_runner import dask_runner
from fengkong.lending.config import LendingConfig
from fengkong.lending.disbursement import disburse
from fengkong.lending.origination import accept_offer
from fengkong.lending.payment import SimulatedGateway
from fengkong.lending.services import LendingServices
from lending.test_service_support import ledger_snapshot, seed_approved
from partition_runs import scoring_input

runner = CliRunner()


@pytest.fixture(scope="module")
def scheduler() -> Iterator[str]:
    """The address of a running Dask scheduler with one worker process."""
    with dask_runner(workers=1) as cluster:
        scheduler = cluster.client.scheduler
        assert scheduler is not None
        yield str(scheduler.address)


def _book(path: Path, template: Path) -> Database:
    """Three loans paid out today, on the clock the CLI itself uses."""
    path.write_bytes(template.read_bytes())
    db = Database(f"sqlite:///{path}")
    clock = SystemClock()
    svc = LendingServices(
        lambda: SqlUnitOfWork(db),
        clock,
        SimulatedGateway(),
        LendingConfig(),
        policy_products=POLICY_PRODUCTS,
    )
    for k in range(3):
        application = seed_approved(db, clock, amount=300_000 + 100_000 * k, terms=6)  # type: ignore[arg-type]
        disburse(accept_offer(application, f"acc{k}", svc).record.loan_id, f"pay{k}", svc)
    return db


def test_end_of_day_on_a_dask_scheduler_books_what_it_books_here(
    scheduler: str,
    sqlite_template: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    staff_login: Callable[[str], None],
) -> None:
    monkeypatch.setenv("FENGKONG_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("FENGKONG_CONFIG", str(tmp_path / "absent.toml"))
    staff_login("fks_admin")
    ahead = (SystemClock().business_date() + timedelta(days=3)).isoformat()
    docs = []
    for name, engine in (("here", []), ("dask", ["--engine", "dask", "--dask-address", scheduler])):
        db = _book(tmp_path / f"{name}.db", sqlite_template)
        monkeypatch.setenv("FENGKONG_DATABASE_URL", f"sqlite:///{tmp_path / name}.db")
        runs = []
        for dated in ([], ["--date", ahead, "--simulate"]):  # today, then three dates caught up
            ran = runner.invoke(app, ["eod", *dated, "--json", *engine])
            assert ran.exit_code == 0, ran.output
            runs.append(json.loads(ran.stdout)["totals"])
        docs.append((runs, ledger_snapshot(db)))
        db.dispose()
    (here, here_books), (there, there_books) = docs
    assert there == here and there_books == here_books
    assert [len(totals) for totals in here] == [1, 3]
    assert all(t["loans"] == 3 and t["interest_fen"] > 0 for t in here[1].values())


@pytest.fixture
def decided(context: Context, german: pd.DataFrame, monkeypatch: pytest.MonkeyPatch) -> Context:
    decide(context, german, 24)
    monkeypatch.setattr("fengkong.cli.policy.context", lambda: context)
    monkeypatch.setattr("fengkong.cli.score.context", lambda: context)
    monkeypatch.delenv("FENGKONG_API_KEY", raising=False)
    monkeypatch.setenv("FENGKONG_SESSION", "fks_risk")  # a risk manager back-tests and scores
    return context


def test_a_backtest_on_a_dask_scheduler_reports_what_it_reports_here(
    decided: Context, scheduler: str, tmp_path: Path
) -> None:
    candidate = tmp_path / "stricter.yaml"
    candidate.write_text(demo_with(NEW_SEGMENT, STRICTER), encoding="utf-8")
    since = decided.clock.business_date().isoformat()
    command = ["policy", "backtest", str(candidate), "--since", since, "--json"]
    here = runner.invoke(app, command)
    there = runner.invoke(
        app, [*command, "--engine", "dask", "--dask-address", scheduler, "--partitions", "3"]
    )
    assert here.exit_code == 0 and there.exit_code == 0, there.output
    assert json.loads(there.stdout) == json.loads(here.stdout)
    assert json.loads(here.stdout)["swap_out"]["count"] > 0


def test_a_file_scored_on_a_local_dask_cluster_is_the_file_scored_here(
    decided: Context, german: pd.DataFrame, tmp_path: Path
) -> None:
    with decided.uow() as uow:
        model = next(m.version for m in uow.models.list() if m.status.value == "champion")
    data = scoring_input(german, tmp_path, ".csv")
    outputs = []
    for name, engine in (("here", []), ("dask", ["--engine", "dask", "--partitions", "2"])):
        out = tmp_path / name / "scored.csv"
        done = runner.invoke(
            app,
            ["score", "--model", model, "--data", str(data), "--out", str(out), "--json", *engine],
        )
        assert done.exit_code == 2, done.output  # the one refused row
        doc = json.loads(done.stdout)
        assert (doc["rows"], doc["rejected"]) == (len(german) - 1, 1)
        outputs.append((doc["engine"], out.read_bytes()))
    assert outputs[0][0] == "local" and outputs[1][0] == "dask"
    assert outputs[1][1] == outputs[0][1]


SCORE = ["score", "--model", "m", "--data", "absent.csv", "--out", "out.csv"]
BACKTEST = ["policy", "backtest", "absent.yaml", "--since", "2026-01-01"]


@pytest.mark.parametrize(
    ("command", "options", "says"),
    [
        (SCORE, ["--engine", "ray"], "unknown engine 'ray': local, dask or spark / 未知的计算引擎"),
        (["eod"], ["--engine", "DASKY"], "unknown engine"),
        (BACKTEST, ["--dask-address", "tcp://h:8786"], "--dask-address goes with --engine dask"),
        (SCORE, ["--engine", "dask", "--dask-address", "h:8786"], "不是 Dask 调度器地址"),
        (["eod"], ["--engine", "dask", "--spark-master", "local[2]"], "仅用于 --engine spark"),
        (["servicing", "eod"], ["--engine", "spork"], "未知的计算引擎 'spork'"),
        (SCORE, ["--partitions", "0"], "--partitions"),
        (BACKTEST, ["--partitions", "-1"], "--partitions"),
        (["eod"], ["--partitions", "0"], "--partitions"),
    ],
)
def test_wrong_engine_options_exit_2_before_anything_is_read(
    command: list[str],
    options: list[str],
    says: str,
    staff_login: Callable[[str], None],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def no_wiring() -> None:
        raise AssertionError("the options are checked before the wiring is built")

    for shell in ("score", "policy", "lending", "servicing"):
        monkeypatch.setattr(f"fengkong.cli.{shell}.context", no_wiring)
    staff_login("fks_all")
    refused = runner.invoke(app, [*command, *options])
    assert refused.exit_code == 2, refused.output
    assert says in refused.stderr


@pytest.mark.parametrize(("engine", "extra"), [("dask", "dask"), ("spark", "spark")])
def test_an_engine_not_installed_exits_2_naming_its_extra(
    engine: str, extra: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(engines, "find_spec", lambda name: None)
    refused = runner.invoke(app, [*SCORE, "--engine", engine, "--json"])
    assert refused.exit_code == 2
    assert f"pip install 'fengkong[{extra}]'" in refused.stderr and "未安装" in refused.stderr
    assert json.loads(refused.stdout)["code"] == "engine_missing"


def test_a_scheduler_that_does_not_answer_exits_1(
    decided: Context, german: pd.DataFrame, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(dask_module, "CONNECT_TIMEOUT", "1s")
    data = scoring_input(german, tmp_path, ".csv")
    out = tmp_path / "scored.csv"
    nobody = ["--engine", "dask", "--dask-address", "tcp://127.0.0.1:9"]
    with decided.uow() as uow:
        model = next(m.version for m in uow.models.list() if m.status.value == "champion")
    failed = runner.invoke(
        app, ["score", "--model", model, "--data", str(data), "--out", str(out), *nobody]
    )
    assert failed.exit_code == 1, failed.output
    assert "no Dask scheduler answers at tcp://127.0.0.1:9" in failed.stderr
    assert not out.exists()
