"""`fengkong alerts evaluate | list | ack` after `fengkong eod`, and `GET /v1/alerts`, `POST
/v1/alerts/{id}/acknowledge`, `POST /v1/alerts/evaluate` with authenticated callers: end of day
opens the alert its rules file asks for; risk managers acknowledge it, auditors only read;
refusals are CLI exit codes and problem+json (a bad status or note 422, an unknown alert or no
snapshot 404, acknowledged already 409), and a bad rules file is refused naming the allowed
values, never a 500."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable
from pathlib import Path

import pytest
from typer.testing import CliRunner

from fakes.api import acting_as, api_client
from fengkong.bootstrap import Context
from fengkong.cli import app
from fengkong.core.actor import Role
from fengkong.core.clock import SystemClock
from fengkong.db.database import Database
from fengkong.db.migrate import upgrade
from fengkong.lending.disbursement import disburse
from fengkong.lending.eod import run_end_of_day
from fengkong.lending.origination import accept_offer
from fengkong.monitoring.alert_rules import KINDS
from lending.test_service_support import lending_services, seed_approved

runner = CliRunner()
# Fires on any book with a loan: the whole book's balance above nothing.
RULES = (
    "rules:\n"
    "  - {id: book_not_empty, metric: outstanding_fen, kind: level, side: above, threshold: 0}\n"
)
BAD = "rules:\n  - {id: x, metric: outstanding_fen, kind: sometimes}\n"


def _run(*args: str) -> tuple[int, str]:
    result = runner.invoke(app, list(args))
    return result.exit_code, result.stdout


@pytest.fixture
def installed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """One loan paid out today in the CLI's own SQLite home; the rules file's path returned."""
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    rules = tmp_path / "rules.yaml"
    rules.write_text(RULES, encoding="utf-8")
    monkeypatch.setenv("FENGKONG_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("FENGKONG_DATABASE_URL", url)
    monkeypatch.setenv("FENGKONG_CONFIG", str(tmp_path / "absent.toml"))
    monkeypatch.setenv("FENGKONG_EARLY_WARNING_RULES_FILE", str(rules))
    db = Database(url)
    upgrade(db)
    clock = SystemClock()
    svc = lending_services(db, clock)  # type: ignore[arg-type]
    application = seed_approved(db, clock, amount=400_000)  # type: ignore[arg-type]
    disburse(accept_offer(application, "acc", svc).record.loan_id, "pay", svc)
    db.dispose()
    return rules


def test_the_alerts_commands(installed: Path, staff_login: Callable[[str], None]) -> None:
    today = SystemClock().business_date().isoformat()
    staff_login("fks_risk")
    code, out = _run("alerts", "evaluate", "--json")
    assert code == 1 and json.loads(out)["category"] == "not_found"  # no snapshot yet

    staff_login("fks_admin")
    code, out = _run("eod", "--json")
    assert code == 0, out
    staff_login("fks_auditor")
    code, out = _run("alerts", "list", "--json")
    [alert] = json.loads(out)["alerts"]
    assert code == 0 and alert["rule_id"] == "book_not_empty" and alert["status"] == "open"
    assert alert["value"] == "400000" and alert["opened_on"] == today
    code, out = _run("alerts", "list", "--csv")
    rows = list(csv.DictReader(io.StringIO(out)))
    assert code == 0 and [r["alert_id"] for r in rows] == [alert["alert_id"]]
    code, out = _run("alerts", "ack", alert["alert_id"], "--note", "seen", "--json")
    assert code == 1 and "alerts.ack" in out  # an auditor reads, a risk manager acknowledges
    code, out = _run("alerts", "list", "--status", "closed", "--json")
    assert code == 2 and json.loads(out)["errors"][0]["allowed"] == ["open", "acknowledged"]

    staff_login("fks_risk")
    code, out = _run("alerts", "ack", alert["alert_id"], "--note", "book reviewed", "--json")
    doc = json.loads(out)
    assert code == 0 and doc["acknowledged_by"] == "user:rita" and doc["note"] == "book reviewed"
    code, out = _run("alerts", "ack", alert["alert_id"], "--note", "again", "--json")
    assert code == 1 and json.loads(out)["category"] == "conflict"
    code, out = _run("alerts", "evaluate", "--date", today, "--json")
    assert code == 0 and json.loads(out)["repeated"] == 1 and json.loads(out)["opened"] == []
    code, out = _run("alerts", "list", "--status", "open")
    assert code == 0 and alert["alert_id"] not in out

    installed.write_text(BAD, encoding="utf-8")
    code, out = _run("alerts", "evaluate", "--json")
    doc = json.loads(out)
    assert code == 2 and doc["category"] == "invalid"
    assert doc["errors"][0]["allowed"] == list(KINDS)


def test_the_endpoints_with_auth_and_problem_json(context: Context, tmp_path: Path) -> None:
    rules = tmp_path / "rules.yaml"
    rules.write_text(RULES, encoding="utf-8")
    context.settings = context.settings.model_copy(update={"early_warning_rules_file": rules})
    client = api_client(context)
    risk = acting_as(context, "rita", Role.RISK_MANAGER)
    auditor = acting_as(context, "audrey", Role.AUDITOR)
    officer = acting_as(context, "olivia", Role.OFFICER)

    assert client.get("/v1/alerts", headers=auditor).json() == {"alerts": []}
    assert client.get("/v1/alerts", headers=officer).status_code == 403
    missing = client.post("/v1/alerts/evaluate", headers=risk)
    assert missing.status_code == 404
    assert missing.headers["content-type"].startswith("application/problem+json")

    application = seed_approved(context.db, context.clock, amount=500_000, vault=context.vault)  # type: ignore[arg-type]
    disburse(
        accept_offer(application, "acc", context.lending).record.loan_id, "pay", context.lending
    )
    run_end_of_day(context.clock.business_date(), context.lending, steps=context.eod_steps())

    [alert] = client.get("/v1/alerts", params={"status": "open"}, headers=auditor).json()["alerts"]
    assert alert["rule_id"] == "book_not_empty" and alert["value"] == "500000"
    path = f"/v1/alerts/{alert['alert_id']}/acknowledge"
    assert client.post(path, json={"note": "seen"}, headers=auditor).status_code == 403
    assert client.post(path, json={"note": ""}, headers=risk).status_code == 422
    unknown = client.post("/v1/alerts/alr_nope/acknowledge", json={"note": "x"}, headers=risk)
    assert unknown.status_code == 404
    done = client.post(path, json={"note": "limits cut"}, headers=risk)
    assert done.status_code == 200, done.text
    assert done.json()["acknowledged_by"] == "user:rita" and done.json()["note"] == "limits cut"
    again = client.post(path, json={"note": "again"}, headers=risk)
    assert again.status_code == 409
    assert again.headers["content-type"].startswith("application/problem+json")

    evaluated = client.post("/v1/alerts/evaluate", json={}, headers=risk)
    assert evaluated.status_code == 200 and evaluated.json()["repeated"] == 1
    bad_status = client.get("/v1/alerts", params={"status": "closed"}, headers=auditor)
    assert bad_status.status_code == 422
    bad_date = client.post("/v1/alerts/evaluate", json={"date": "2026-02-30"}, headers=risk)
    assert bad_date.status_code == 422

    rules.write_text(BAD, encoding="utf-8")
    context.__dict__.pop("early_warning")  # the wiring reads the rules file once
    refused = client.post("/v1/alerts/evaluate", headers=risk)
    assert refused.status_code == 422
    assert refused.headers["content-type"].startswith("application/problem+json")
    assert "sometimes" in refused.text and "trend" in refused.text
