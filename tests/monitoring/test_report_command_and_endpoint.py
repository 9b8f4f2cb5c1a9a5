"""`fengkong report portfolio` (table, --json, --csv) and `report rebuild` after `fengkong eod`
on the CLI's own clock, and `GET /v1/reports/portfolio` with an authenticated client: both
answer with the snapshot end of day wrote, and refuse bad dates and dimensions (CLI exit 2,
HTTP 422 problem+json; none yet: 404)."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

import pytest
from typer.testing import CliRunner

from fakes.api import api_client
from fengkong.bootstrap import Context
from fengkong.cli import app
from fengkong.core.clock import SystemClock
from fengkong.db.database import Database
from fengkong.db.migrate import upgrade
from fengkong.lending.disbursement import disburse
from fengkong.lending.eod import run_end_of_day
from fengkong.lending.origination import accept_offer
from lending.test_service_support import lending_services, seed_approved

runner = CliRunner()


@pytest.fixture
def installed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Database:
    """Two loans paid out today on the clock the CLI uses, in the CLI's own SQLite home."""
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    monkeypatch.setenv("FENGKONG_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("FENGKONG_DATABASE_URL", url)
    monkeypatch.setenv("FENGKONG_CONFIG", str(tmp_path / "absent.toml"))
    db = Database(url)
    upgrade(db)
    clock = SystemClock()
    svc = lending_services(db, clock)  # type: ignore[arg-type]
    for k, region in enumerate(("44", None)):
        application = seed_approved(db, clock, amount=400_000, region=region)  # type: ignore[arg-type]
        disburse(accept_offer(application, f"acc{k}", svc).record.loan_id, f"pay{k}", svc)
    return db


def _run(*args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, list(args))
    return result.exit_code, result.stdout, result.stderr


def test_the_report_commands_after_end_of_day(
    installed: Database, staff_login: Callable[[str], None]
) -> None:
    today = SystemClock().business_date()
    staff_login("fks_risk")
    code, out, _ = _run("report", "portfolio", "--json")
    assert code == 1 and json.loads(out)["category"] == "not_found"  # no snapshot yet

    staff_login("fks_admin")
    code, out, _ = _run("eod", "--json")
    assert code == 0, out
    staff_login("fks_risk")
    code, out, _ = _run("report", "portfolio", "--json")
    doc = json.loads(out)
    assert code == 0 and doc["business_date"] == today.isoformat() and doc["loans"] == 2
    whole = next(s for s in doc["segments"] if s["dimension"] == "all")
    assert whole["active_loans"] == 2 and whole["outstanding_fen"] == 800_000
    assert whole["overdue_rate_count"] == "0.000000"
    regions = {s["segment"]: s["name"] for s in doc["segments"] if s["dimension"] == "region"}
    assert regions == {"44": "Guangdong", "unknown": "unknown"}

    code, out, _ = _run("report", "portfolio", "--by", "region", "--csv")
    rows = list(csv.DictReader(io.StringIO(out)))
    assert code == 0 and [r["segment"] for r in rows] == ["44", "unknown"]
    assert rows[0]["classes_normal_loans"] == "1" and rows[0]["business_date"] == today.isoformat()

    code, out, _ = _run("report", "portfolio", "--date", today.isoformat(), "--by", "product")
    assert code == 0 and "cash_loan" in out and "portfolio on" in out, out

    for bad in (
        ["--date", (today - timedelta(days=1)).isoformat()],
        ["--date", (today + timedelta(days=1)).isoformat()],
        ["--date", "yesterday"],
        ["--by", "employer"],
    ):
        code, out, _ = _run("report", "portfolio", *bad, "--json")
        assert code == 2, (bad, out)
        assert json.loads(out)["category"] == "invalid"
    _, out, _ = _run("report", "portfolio", "--by", "employer", "--json")
    assert "score_band" in json.loads(out)["errors"][0]["allowed"]

    code, out, _ = _run("report", "rebuild", "--from", today.isoformat(), "--to", today.isoformat())
    assert code == 1 and "forbidden" in out + _  # a risk manager reads, an admin rebuilds
    staff_login("fks_admin")
    code, out, _ = _run(
        "report", "rebuild", "--from", today.isoformat(), "--to", today.isoformat(), "--json"
    )
    assert code == 0 and json.loads(out) == {
        "dates": [today.isoformat()],
        "segments": json.loads(out)["segments"],
        "changed": [],
        "new": [],
    }
    code, out, _ = _run("report", "rebuild", "--from", today.isoformat(), "--to", today.isoformat())
    assert code == 0 and "unchanged" in out, out
    earlier = (today - timedelta(days=1)).isoformat()  # before the first loan was paid out
    later = (today + timedelta(days=1)).isoformat()  # no end of day yet
    for first, last, loc in (
        (earlier, today.isoformat(), "from"),
        (today.isoformat(), later, "to"),
    ):
        code, out, _ = _run("report", "rebuild", "--from", first, "--to", last, "--json")
        assert code == 2 and json.loads(out)["category"] == "invalid", out
        assert json.loads(out)["errors"][0]["loc"] == [loc]
    code, out, _ = _run("report", "rebuild", "--from", "yesterday", "--to", later)
    assert code == 2 and "Traceback" not in out + _


def test_the_endpoint_answers_and_refuses_in_problem_json(context: Context) -> None:
    client = api_client(context)
    missing = client.get("/v1/reports/portfolio")
    assert missing.status_code == 404
    assert missing.headers["content-type"].startswith("application/problem+json")

    clock = context.clock
    application = seed_approved(
        context.db, clock, amount=500_000, score=640, region="32", vault=context.vault
    )  # type: ignore[arg-type]
    svc = context.lending
    disburse(accept_offer(application, "acc", svc).record.loan_id, "pay", svc)
    today = clock.business_date()
    run_end_of_day(today, svc, steps=context.eod_steps())

    answer = client.get("/v1/reports/portfolio", params={"by": "region,score_band"})
    assert answer.status_code == 200, answer.text
    doc = answer.json()
    assert doc["business_date"] == today.isoformat() and doc["lgd"] == "0.45"
    assert [(s["dimension"], s["segment"]) for s in doc["segments"]] == [
        ("region", "32"),
        ("score_band", "600-649"),
    ]
    assert doc["segments"][0]["outstanding_fen"] == 500_000
    assert doc["segments"][0]["expected_loss_fen"] == 11_250  # 0.05 × 0.45 × 500 000

    for params in (
        {"date": (today - timedelta(days=1)).isoformat()},
        {"date": (today + timedelta(days=1)).isoformat()},
        {"date": "2026-02-30"},
        {"by": "employer"},
    ):
        refused = client.get("/v1/reports/portfolio", params=params)
        assert refused.status_code == 422, (params, refused.text)
        assert refused.headers["content-type"].startswith("application/problem+json")
