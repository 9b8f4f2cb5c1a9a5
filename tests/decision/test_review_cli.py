"""`fengkong review`: the queue from the command line, with `--json` documents on stdout and exit
codes for refusals (1 conflict, 2 bad input)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from fengkong.cli import app
from fengkong.core.clock import SystemClock
from fengkong.core.ids import new_id
from fengkong.core.money import Fen
from fengkong.db.database import Database
from fengkong.db.migrate import upgrade
from fengkong.db.uow import SqlUnitOfWork
from fengkong.decision.outcome import Outcome, Reason
from fengkong.decision.record import DecisionRecord
from fengkong.decision.review import ReviewConfig, enqueue_referral
from fengkong.onboarding.application import StoredApplication

runner = CliRunner()


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("FENGKONG_HOME", str(tmp_path / "home"))
    monkeypatch.delenv("FENGKONG_DATABASE_URL", raising=False)
    monkeypatch.delenv("FENGKONG_OFFICER", raising=False)
    monkeypatch.setenv("FENGKONG_CONFIG", str(tmp_path / "absent.toml"))
    return tmp_path / "home"


def refer(home: Path, amount_fen: int = 500_000) -> str:
    # The CLI runs on the system clock, so the item is queued on it too.
    clock = SystemClock()
    db = Database(f"sqlite:///{home / 'fengkong.db'}")
    upgrade(db)
    application_id = new_id("app", clock)
    decision = DecisionRecord(
        id=new_id("dec", clock),
        application_id=application_id,
        decided_at=clock.now(),
        outcome=Outcome.REFER,
        score=520,
        pd="0.120000",
        approved_amount=None,
        reasons=(Reason("POL_SCORE_IN_REVIEW_BAND", "in the review band", "人工审核区间"),),
        policy_version="starter-v1",
        model_version=None,
        model_sha256=None,
        inputs={"amount_fen": amount_fen},
        features={},
        input_hash="0" * 64,
    )
    with SqlUnitOfWork(db) as uow:
        uow.applications.add(
            StoredApplication(
                id=application_id,
                received_at=clock.now(),
                product="cash_loan",
                amount=Fen(amount_fen),
                term_months=12,
                purpose="car",
                monthly_income=Fen(800_000),
                name_enc="x",
                id_number_enc="x",
                id_number_bidx="x",
                phone_enc="x",
                phone_bidx="x",
            )
        )
        uow.decisions.add(decision)
        item = enqueue_referral(uow, decision, clock, ReviewConfig())
        uow.commit()
    db.dispose()
    return item.id


def test_review_list_claim_approve(home: Path) -> None:
    item = refer(home)
    listed = runner.invoke(app, ["review", "list", "--status", "open", "--json"])
    assert listed.exit_code == 0, listed.output
    assert [i["id"] for i in json.loads(listed.stdout)] == [item]

    claimed = runner.invoke(app, ["review", "claim", item, "--officer", "wang", "--json"])
    assert claimed.exit_code == 0, claimed.output
    assert json.loads(claimed.stdout)["claimed_by"] == "wang"

    taken = runner.invoke(app, ["review", "claim", item, "--officer", "li"])
    assert taken.exit_code == 1 and "claimed by wang" in taken.stderr

    no_comment = runner.invoke(
        app, ["review", "approve", item, "--officer", "wang", "--comment", " "]
    )
    assert no_comment.exit_code == 2

    approved = runner.invoke(
        app,
        ["review", "approve", item, "--comment", "verified"],
        env={"FENGKONG_OFFICER": "wang"},
    )
    assert approved.exit_code == 0, approved.output
    assert "approved" in approved.stdout

    bad_status = runner.invoke(app, ["review", "list", "--status", "pending"])
    assert bad_status.exit_code == 2
