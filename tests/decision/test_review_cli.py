"""`fengkong review`: the queue from the command line, with `--json` documents on stdout and exit
codes for refusals (1 conflict, 2 bad input)."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
from typer.testing import CliRunner

from factories import queue_referral
from fengkong.cli import app
from fengkong.core.clock import SystemClock
from fengkong.db.database import Database
from fengkong.db.migrate import upgrade
from fengkong.db.uow import SqlUnitOfWork
from fengkong.decision.review import ReviewConfig

runner = CliRunner()


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("FENGKONG_HOME", str(tmp_path / "home"))
    monkeypatch.delenv("FENGKONG_DATABASE_URL", raising=False)
    monkeypatch.setenv("FENGKONG_CONFIG", str(tmp_path / "absent.toml"))
    return tmp_path / "home"


def refer(home: Path, amount_fen: int = 500_000) -> str:
    # The CLI runs on the system clock, so the item is queued on it too.
    db = Database(f"sqlite:///{home / 'fengkong.db'}")
    upgrade(db)
    with SqlUnitOfWork(db) as uow:
        item = queue_referral(uow, SystemClock(), ReviewConfig(), amount_fen)
        uow.commit()
    db.dispose()
    return item.id


def test_review_list_claim_approve(home: Path, staff_login: Callable[[str], None]) -> None:
    item = refer(home)
    staff_login("fks_as_wang")
    listed = runner.invoke(app, ["review", "list", "--status", "open", "--json"])
    assert listed.exit_code == 0, listed.output
    assert [i["id"] for i in json.loads(listed.stdout)] == [item]

    claimed = runner.invoke(app, ["review", "claim", item, "--json"])
    assert claimed.exit_code == 0, claimed.output
    assert json.loads(claimed.stdout)["claimed_by"] == "user:wang"  # the login, not a typed name

    staff_login("fks_as_li")
    taken = runner.invoke(app, ["review", "claim", item])
    assert taken.exit_code == 1 and "claimed by user:wang" in taken.stderr
    staff_login("fks_as_wang")

    no_comment = runner.invoke(app, ["review", "approve", item, "--comment", " "])
    assert no_comment.exit_code == 2

    approved = runner.invoke(
        app,
        ["review", "approve", item, "--comment", "verified"],
    )
    assert approved.exit_code == 0, approved.output
    assert "approved" in approved.stdout

    bad_status = runner.invoke(app, ["review", "list", "--status", "pending"])
    assert bad_status.exit_code == 2
