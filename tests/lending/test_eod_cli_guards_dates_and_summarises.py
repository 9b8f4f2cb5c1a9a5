"""`fengkong eod` from the command line, on SQLite and PostgreSQL: a future date exits 2 and
changes nothing; `--simulate` runs it and says so; a date before the last completed run is
refused; `--json` is one document whose summary equals what the books moved; without `--json`
a summary table is printed. `fengkong servicing eod` keeps the same guards. The admin who runs
it is audited as its starter; the loans' work stays the system's."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
from typer.testing import CliRunner

from fengkong.cli import app
from fengkong.core.clock import SystemClock
from fengkong.db.database import Database
from fengkong.db.migrate import upgrade
from fengkong.db.uow import SqlUnitOfWork
from fengkong.decision.policy_products import POLICY_PRODUCTS
from fengkong.lending.config import LendingConfig
from fengkong.lending.disbursement import disburse
from fengkong.lending.origination import accept_offer
from fengkong.lending.payment import SimulatedGateway
from fengkong.lending.services import LendingServices
from lending.test_service_support import ledger_snapshot, seed_approved

runner = CliRunner()


@pytest.fixture
def book(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, database_url: str) -> Database:
    """Two loans paid out today, on the clock the CLI itself uses."""
    monkeypatch.setenv("FENGKONG_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("FENGKONG_DATABASE_URL", database_url)
    monkeypatch.setenv("FENGKONG_CONFIG", str(tmp_path / "absent.toml"))
    db = Database(database_url)
    upgrade(db)
    clock = SystemClock()
    svc = LendingServices(
        lambda: SqlUnitOfWork(db),
        clock,
        SimulatedGateway(),
        LendingConfig(),
        policy_products=POLICY_PRODUCTS,
    )
    for k in range(2):
        application = seed_approved(db, clock, amount=400_000, terms=6)  # type: ignore[arg-type]
        made = accept_offer(application, f"acc{k}", svc).record.loan_id
        disburse(made, f"pay{k}", svc)
    return db


def _runs(db: Database) -> list[tuple[str, str]]:
    """(business date, status) of every end-of-day run."""
    with db.engine.connect() as conn:
        rows = conn.execute(sa.text("select business_date, status from eod_runs order by 1"))
        return [(str(r[0]), str(r[1])) for r in rows]


def test_future_dates_need_simulate_and_past_dates_are_refused(
    book: Database, staff_login: Callable[[str], None]
) -> None:
    staff_login("fks_admin")
    today = SystemClock().business_date()
    ahead = (today + timedelta(days=100)).isoformat()
    before = ledger_snapshot(book)

    for command in (["eod"], ["servicing", "eod"]):
        refused = runner.invoke(app, [*command, "--date", ahead, "--json"])
        assert refused.exit_code == 2, refused.output
        assert "after today's business date" in refused.stderr and "--simulate" in refused.stderr
        error = json.loads(refused.stdout)  # with --json, the error is the one document
        assert (error["code"], error["errors"][0]["type"]) == ("invalid", "date_in_future")
    assert ledger_snapshot(book) == before and _runs(book) == []
    assert "--simulate" in runner.invoke(app, ["eod", "--help"]).stdout

    ran = runner.invoke(app, ["eod", "--json"])
    assert ran.exit_code == 0, ran.output
    doc = json.loads(ran.stdout)
    assert doc["ran"] == [today.isoformat()] and doc["simulated"] is False
    entries, postings = ledger_snapshot(book)
    assert doc["summary"]["loans"] == 2
    assert (doc["summary"]["entries"], doc["summary"]["postings"]) == (
        entries - before[0],
        postings - before[1],
    )
    with SqlUnitOfWork(book) as uow:
        trail = [(r.action, r.actor) for r in uow.audit.for_subject("eod", today.isoformat())]
    assert trail == [("eod.started", "user:adam"), ("eod.completed", "system:eod")]

    stale = runner.invoke(app, ["eod", "--date", (today - timedelta(days=1)).isoformat()])
    assert stale.exit_code == 1
    assert "before the last completed end of day" in stale.stderr
    same = runner.invoke(app, ["eod", "--json"])
    assert same.exit_code == 0 and json.loads(same.stdout)["already_done"] is True
    assert ledger_snapshot(book) == (entries, postings)

    tomorrow = (today + timedelta(days=1)).isoformat()
    simulated = runner.invoke(app, ["eod", "--date", tomorrow, "--simulate"])
    assert simulated.exit_code == 0, simulated.output
    assert "SIMULATION" in simulated.stdout and "loans accrued" in simulated.stdout
    assert _runs(book) == [(today.isoformat(), "done"), (tomorrow, "done")]

    bad = runner.invoke(app, ["eod", "--date", "2026-02-30"])
    assert bad.exit_code == 2 and "not a date" in bad.stderr
