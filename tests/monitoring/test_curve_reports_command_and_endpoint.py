"""`GET /v1/reports/vintage|rolls|concentration` after end of day at two month ends, and
`fengkong report vintage|rolls|concentration` after `fengkong eod` on the CLI's own clock: both
answer from the snapshots, mask the largest borrowers, and refuse bad dates, dimensions and
counts (HTTP 422 problem+json, exit 2), naming what is allowed."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from typer.testing import CliRunner

from fakes.api import api_client
from fengkong.bootstrap import Context, load_vault
from fengkong.cli import app
from fengkong.core.clock import SystemClock
from fengkong.core.settings import load_settings
from fengkong.db.database import Database
from fengkong.db.migrate import upgrade
from fengkong.lending.disbursement import disburse
from fengkong.lending.eod import run_end_of_day
from fengkong.lending.origination import accept_offer
from fengkong.monitoring.curves import is_month_end
from lending.test_service_support import lending_services, seed_approved

runner = CliRunner()


def test_the_endpoints_answer_and_refuse_in_problem_json(context: Context) -> None:
    client = api_client(context)
    assert client.get("/v1/reports/vintage").status_code == 404  # no snapshot yet

    clock = context.clock
    svc = context.lending
    for k, (amount, region) in enumerate(((600_000, "32"), (300_000, "11"))):
        application = seed_approved(
            context.db, clock, amount=amount, region=region, vault=context.vault
        )  # type: ignore[arg-type]
        disburse(accept_offer(application, f"acc{k}", svc).record.loan_id, f"pay{k}", svc)
    for end in ((2026, 3, 31), (2026, 4, 30)):
        clock.set(datetime(*end, 9, 0, tzinfo=UTC))
        run_end_of_day(clock.business_date(), svc, steps=context.eod_steps())

    vintage = client.get("/v1/reports/vintage")
    assert vintage.status_code == 200, vintage.text
    doc = vintage.json()
    assert doc["month_ends"] == ["2026-03-31", "2026-04-30"]
    assert [(p["vintage"], p["months_on_book"]) for p in doc["points"]] == [
        ("2026-03", 0),
        ("2026-03", 1),
    ]
    assert doc["points"][0]["originated_fen"] == 900_000
    assert doc["points"][0]["m1_plus_rate"] == "0.000000"

    rolls = client.get("/v1/reports/rolls", params={"by": "region"}).json()
    assert {(p["segment"], p["roll"]) for p in rolls["points"]} == {
        (region, roll) for region in ("11", "32") for roll in ("M0→M1", "M1→M2", "M2→M3", "M3→M3+")
    }

    answer = client.get("/v1/reports/concentration", params={"top": "1", "by": "region"})
    assert answer.status_code == 200, answer.text
    conc = answer.json()
    assert conc["business_date"] == "2026-04-30" and conc["borrowers"] == 2
    (largest,) = conc["top"]
    assert largest["customer_id"].startswith("cus_") and largest["masked"]["name"] == "张*"
    assert largest["masked"]["id_number"] == "110***********1239"
    (regions,) = conc["dimensions"]
    assert [s["segment"] for s in regions["segments"]] == ["32", "11"]
    # The ¥6 000 loan's borrower, alone in Jiangsu, is the largest.
    assert largest["outstanding_fen"] == regions["segments"][0]["outstanding_fen"]
    assert largest["share"] == regions["segments"][0]["share"] == conc["top_share"]
    assert regions["segments"][0]["name"] == "Jiangsu" and regions["limit"] is None

    for path, params, field in (
        ("/v1/reports/vintage", {"date": "2026-02-30"}, "date"),
        ("/v1/reports/vintage", {"date": "2026-05-01"}, "date"),
        ("/v1/reports/rolls", {"by": "employer"}, "by"),
        ("/v1/reports/concentration", {"by": "vintage"}, "by"),
        ("/v1/reports/concentration", {"top": "21"}, "top"),
        ("/v1/reports/concentration", {"date": "2026-03-30"}, "date"),
    ):
        refused = client.get(path, params=params)
        assert refused.status_code == 422, (path, params, refused.text)
        assert refused.headers["content-type"].startswith("application/problem+json")
        assert field in refused.text
    by = client.get("/v1/reports/concentration", params={"by": "vintage"}).text
    assert "channel" in by  # names what is allowed


@pytest.fixture
def installed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Database:
    """Two loans paid out today on the clock the CLI uses, in the CLI's own SQLite home."""
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    monkeypatch.setenv("FENGKONG_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("FENGKONG_DATABASE_URL", url)
    monkeypatch.setenv("FENGKONG_CONFIG", str(tmp_path / "absent.toml"))
    monkeypatch.setenv("FENGKONG_MONITORING_CONCENTRATION_LIMITS", '{"region": "0.5"}')
    db = Database(url)
    upgrade(db)
    clock = SystemClock()
    svc = lending_services(db, clock)  # type: ignore[arg-type]
    vault = load_vault(load_settings())  # the CLI's own: the report masks with it
    for k, (amount, region) in enumerate(((500_000, "44"), (300_000, None))):
        application = seed_approved(db, clock, amount=amount, region=region, vault=vault)  # type: ignore[arg-type]
        disburse(accept_offer(application, f"acc{k}", svc).record.loan_id, f"pay{k}", svc)
    return db


def _run(*args: str) -> tuple[int, str]:
    result = runner.invoke(app, list(args))
    return result.exit_code, result.stdout


def test_the_report_commands_after_end_of_day(
    installed: Database, staff_login: Callable[[str], None]
) -> None:
    today = SystemClock().business_date()
    staff_login("fks_admin")
    assert _run("eod", "--json")[0] == 0
    staff_login("fks_risk")

    code, out = _run("report", "concentration", "--json")
    assert code == 0, out
    doc = json.loads(out)
    assert doc["business_date"] == today.isoformat()
    assert doc["outstanding_fen"] == 800_000 and doc["top_fen"] == 800_000
    regions = next(d for d in doc["dimensions"] if d["dimension"] == "region")
    assert regions["limit"] == "0.5" and regions["hhi"] == "0.531250"  # 0.625² + 0.375²
    assert [(s["segment"], s["breached"]) for s in regions["segments"]] == [
        ("44", True),
        ("unknown", False),
    ]
    assert doc["breaches"] == 1

    code, out = _run("report", "concentration", "--by", "region", "--csv")
    rows = list(csv.DictReader(io.StringIO(out)))
    assert code == 0 and [(r["segment"], r["breached"]) for r in rows] == [
        ("44", "True"),
        ("unknown", "False"),
    ]
    code, out = _run("report", "concentration", "--top", "1")
    assert code == 0 and "BREACH" in out and "Guangdong" in out and "张*" in out, out

    # The curves are read at month ends: only on the last day of a month has today one.
    code, out = _run("report", "vintage", "--json")
    if is_month_end(today):
        assert code == 0 and json.loads(out)["points"][0]["originated_fen"] == 800_000
    else:
        assert code == 1 and json.loads(out)["category"] == "not_found"
    code, out = _run("report", "rolls", "--csv")
    assert code == (0 if is_month_end(today) else 1)

    for bad in (
        ["vintage", "--date", (today + timedelta(days=1)).isoformat()],
        ["rolls", "--date", "yesterday"],
        ["rolls", "--by", "employer"],
        ["concentration", "--by", "score_band"],
        ["concentration", "--top", "0"],
    ):
        code, out = _run("report", *bad, "--json")
        assert code == 2, (bad, out)
        assert json.loads(out)["category"] == "invalid"
    _, out = _run("report", "rolls", "--by", "employer", "--json")
    assert "score_band" in json.loads(out)["errors"][0]["allowed"]
