"""The officer's path from the command line, on SQLite and PostgreSQL: `apply` refers, `review
claim` / `show` / `approve` decide within the policy's bounds (exit 2 naming the bound otherwise,
nothing changed), `loan offer` / `accept` / `disburse` book and pay the loan, and `decision replay`
replays the automatic decision and reports the officer's as its manual override."""

from __future__ import annotations

import json
from collections.abc import Callable
from importlib import resources
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from factories import body, make_champion
from fengkong.bootstrap import bootstrap
from fengkong.cli import app
from fengkong.core.clock import SystemClock
from fengkong.core.settings import load_settings
from fengkong.scoring.train import TrainedScorecard

runner = CliRunner()


@pytest.fixture
def home(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, database_url: str, trained: TrainedScorecard
) -> Path:
    """A deployment on the demo policy (its cut-offs fit the German scorecard) with a champion."""
    policy = resources.files("fengkong.decision").joinpath("policies", "demo-german.yaml")
    monkeypatch.setenv("FENGKONG_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("FENGKONG_DATABASE_URL", database_url)
    monkeypatch.setenv("FENGKONG_POLICY_FILE", str(policy))
    monkeypatch.setenv("FENGKONG_CONFIG", str(tmp_path / "absent.toml"))
    ctx = bootstrap(load_settings(), clock=SystemClock())
    try:
        with ctx.uow() as uow:
            make_champion(uow, ctx.artifacts_dir, trained, ctx.clock)
            uow.commit()
    finally:
        ctx.close()
    return tmp_path


def cli(*args: str) -> Any:
    result = runner.invoke(app, [*args, "--json"])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def test_refer_claim_approve_offer_accept_disburse_replay(
    home: Path, staff_login: Callable[[str], None]
) -> None:
    staff_login("fks_channel")  # the lender's app applies, the officer reviews
    application = home / "app.json"
    referral = {k: v for k, v in body().items() if k != "existing_monthly_debt"}
    application.write_text(json.dumps(referral))
    decision = cli("apply", str(application))
    assert decision["outcome"] == "refer", decision
    staff_login("fks_as_wang")
    app_id = decision["application_id"]
    (item,) = [i for i in cli("review", "list") if i["application_id"] == app_id]
    assert item["amount"] == "5000.00"  # a plain decimal string, as every --json amount

    waiting = runner.invoke(app, ["loan", "offer", app_id])
    assert waiting.exit_code == 1 and "awaits an officer" in waiting.stderr

    assert cli("review", "claim", item["id"])["claimed_by"] == "user:wang"
    bounds = cli("review", "show", item["id"])["bounds"]
    assert bounds["max_amount_fen"] == 500_000
    assert bounds["max_amount_basis"] == "the amount applied for"

    approve = ["review", "approve", item["id"], "--comment", "verified"]
    too_much = runner.invoke(app, [*approve, "--limit", "6000.00"])
    assert too_much.exit_code == 2
    assert "limit" in too_much.stderr and "the amount applied for" in too_much.stderr
    too_dear = runner.invoke(app, [*approve, "--annual-rate", "0.36"])
    assert too_dear.exit_code == 2 and "0.06..0.24" in too_dear.stderr
    not_a_rate = runner.invoke(app, [*approve, "--annual-rate", "cheap"])
    assert not_a_rate.exit_code == 2
    assert cli("review", "show", item["id"])["status"] == "claimed"  # nothing changed

    approved = cli(*approve, "--limit", "4500.00", "--annual-rate", "0.15", "--term-months", "12")
    officer = approved["officer_decision"]
    assert approved["status"] == "approved"
    assert officer["automatic_decision_id"] == decision["decision_id"]
    assert (officer["approved_amount"], officer["annual_rate"]) == ("4500.00", "0.15")

    staff_login("fks_all")  # offered, accepted in the app and paid out
    offer = cli("loan", "offer", app_id)
    assert (offer["amount"], offer["annual_rate"], len(offer["schedule"])) == (
        "4500.00",
        "0.15",
        12,
    )
    loan = cli("loan", "accept", app_id, "--key", "acc-1")
    paid = cli("loan", "disburse", loan["loan_id"], "--key", "pay-1")
    assert paid["loan_status"] == "active"

    staff_login("fks_as_wang")
    replayed = cli("decision", "replay", decision["decision_id"])
    assert (replayed["replayed"], replayed["matched"]) == (1, 1)
    (override,) = replayed["manual_overrides"]
    assert override["officer_decision_id"] == officer["id"]
    assert (override["outcome"], override["decided_by"]) == ("approve", "user:wang")
    by_officer_id = cli("decision", "replay", officer["id"])
    assert by_officer_id["matched"] == 1
    assert by_officer_id["manual_overrides"][0]["decision_id"] == decision["decision_id"]
    text = runner.invoke(app, ["decision", "replay", "--all"])
    assert text.exit_code == 0
    assert "manual override by officer user:wang" in " ".join(text.stdout.split())


def test_decline_with_a_reason_from_the_command_line(
    home: Path, staff_login: Callable[[str], None]
) -> None:
    staff_login("fks_channel")
    application = home / "app.json"
    referral = {k: v for k, v in body().items() if k != "existing_monthly_debt"}
    application.write_text(json.dumps(referral))
    app_id = cli("apply", str(application))["application_id"]
    staff_login("fks_as_li")
    (item,) = [i for i in cli("review", "list") if i["application_id"] == app_id]
    cli("review", "claim", item["id"])
    decline = ["review", "decline", item["id"], "--comment", "fake payslip"]
    unknown = runner.invoke(app, [*decline, "--reason", "REV_MOON_PHASE"])
    assert unknown.exit_code == 2 and "REV_FRAUD_SUSPECTED" in unknown.stderr
    declined = cli(*decline, "--reason", "rev_fraud_suspected")
    reason = declined["officer_decision"]["reasons"][0]
    assert (reason["code"], reason["text_zh"]) == ("REV_FRAUD_SUSPECTED", "申请存在欺诈嫌疑")
    staff_login("fks_officer")
    refused = runner.invoke(app, ["loan", "offer", app_id])
    assert refused.exit_code == 1 and "decline" in refused.stderr
