"""`fengkong line scores`, `GET /v1/lines/{id}/behaviour-scores` and `fengkong model
train-behaviour`: the scores kept for a line's holder, newest first; bad input refused with a
clear error (CLI exit 2, HTTP 422 problem+json; an unknown line 404); a book too young to learn
from says so instead of training a model on nothing."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from typer.testing import CliRunner

from fakes.api import api_client
from fengkong.bootstrap import Context
from fengkong.cli import app
from fengkong.core.clock import SystemClock
from fengkong.db.database import Database
from fengkong.db.migrate import upgrade
from fengkong.db.uow import SqlUnitOfWork
from fengkong.lending.behaviour import BehaviourFacts, BehaviourScore
from fengkong.lending.blacklist_trigger import bind_line_borrower
from fengkong.lending.credit_lines import open_line
from fengkong.onboarding.party import customer_id
from lending.test_collections_support import VAULT, person, servicing
from lending.test_service_support import lending_services

runner = CliRunner()
FACTS = BehaviourFacts(3, 1, 3, 1, 0, 0, 12, 12, 1, 0.4, 0.5, 1, 0)


def _scored(
    db: Database, vault_index: Callable[[str, str], str], id_number: str, today: date
) -> None:
    """Three days of scores for the holder of `id_number`, the newest `today`."""
    customer = customer_id(vault_index("id_number", id_number))
    with SqlUnitOfWork(db) as uow:
        uow.behaviour.save_scores(
            [
                BehaviourScore(
                    customer,
                    today - timedelta(days=k),
                    560 - k,
                    Decimal("0.08"),
                    "behaviour-v1",
                    ("SC_DAYS_PAST_DUE",),
                    FACTS,
                )
                for k in range(3)
            ],
            SystemClock().now(),
        )
        uow.commit()


@pytest.fixture
def installed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[Database, str]:
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    monkeypatch.setenv("FENGKONG_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("FENGKONG_DATABASE_URL", url)
    monkeypatch.setenv("FENGKONG_CONFIG", str(tmp_path / "absent.toml"))
    db = Database(url)
    upgrade(db)
    clock = SystemClock()
    svc = servicing(db, clock)  # type: ignore[arg-type]
    line = open_line(1_000_000, Decimal("0.12"), "line-1", lending_services(db, clock))  # type: ignore[arg-type]
    _, id_number, phone = person(7)
    bind_line_borrower(line.line_id, svc, id_number=id_number, phone=phone)
    _scored(db, VAULT.blind_index, id_number, clock.business_date())
    return db, line.line_id


def _run(*args: str) -> tuple[int, str]:
    result = runner.invoke(app, list(args))
    return result.exit_code, result.stdout


def test_the_commands(installed: tuple[Database, str], staff_login: Callable[[str], None]) -> None:
    _, line_id = installed
    staff_login("fks_officer")
    code, out = _run("line", "scores", line_id, "--json")
    assert code == 0, out
    scores = json.loads(out)
    assert [s["score"] for s in scores] == [560, 559, 558]
    assert scores[0]["model_version"] == "behaviour-v1" and scores[0]["pd"] == "0.08"
    assert scores[0]["facts"]["utilisation"] == 0.5
    code, out = _run("line", "scores", line_id, "--limit", "1")
    assert code == 0 and "560" in out and "559" not in out  # the table, the newest only
    code, out = _run("line", "scores", "line_nope", "--json")
    assert code == 1 and json.loads(out)["category"] == "not_found"
    code, out = _run("line", "scores", line_id, "--limit", "0", "--json")
    assert code == 2 and json.loads(out)["category"] == "invalid"

    staff_login("fks_risk")
    tomorrow = (SystemClock().business_date() + timedelta(days=1)).isoformat()
    for bad in (
        ["--as-of", tomorrow],
        ["--as-of", "last week"],
        ["--kind", "forest"],
        ["--window-months", "0"],
        ["--bad-dpd", "0"],
    ):
        code, out = _run("model", "train-behaviour", *bad, "--json")
        assert code == 2, (bad, out)
        assert json.loads(out)["category"] == "invalid"
    code, out = _run("model", "train-behaviour", "--json")
    assert code == 2 and "needs at least 10" in json.loads(out)["message"] + out


def test_the_endpoint(context: Context) -> None:
    client = api_client(context)
    line = open_line(1_000_000, Decimal("0.12"), "line-api", context.lending)
    _, id_number, phone = person(8)
    bind_line_borrower(line.line_id, context.servicing, id_number=id_number, phone=phone)
    assert client.get(f"/v1/lines/{line.line_id}/behaviour-scores").json() == []
    today = context.clock.business_date()
    _scored(context.db, context.vault.blind_index, id_number, today)
    answer = client.get(f"/v1/lines/{line.line_id}/behaviour-scores", params={"limit": 2})
    assert answer.status_code == 200, answer.text
    assert [s["score"] for s in answer.json()] == [560, 559]
    assert answer.json()[0]["business_date"] == today.isoformat()
    missing = client.get("/v1/lines/line_nope/behaviour-scores")
    assert missing.status_code == 404
    assert missing.headers["content-type"].startswith("application/problem+json")
    bad = client.get(f"/v1/lines/{line.line_id}/behaviour-scores", params={"limit": 0})
    assert bad.status_code == 422
