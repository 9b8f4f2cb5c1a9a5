"""Credit lines end to end, over HTTP and from `fengkong line …`, on SQLite and PostgreSQL: open,
draw, repay a draw (which frees its principal again), freeze, unfreeze, raise and lower the limit,
close; every change with its reason on the line and in the audit log; refusals a 409 or exit 1,
bad input a 422 or exit 2, and nothing stored changes on either."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from datetime import timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from fakes.access import FakeAuthenticator
from fakes.api import acting_as, api_client
from fengkong.bootstrap import Context, bootstrap
from fengkong.cli import app as cli
from fengkong.core.clock import FakeClock
from fengkong.core.settings import Settings
from lending.test_service_support import ledger_snapshot

runner = CliRunner()


@pytest.fixture
def wired(settings: Settings, clock: FakeClock) -> Iterator[Context]:
    ctx = bootstrap(settings, clock=clock)
    ctx.authenticator = FakeAuthenticator()
    yield ctx
    ctx.close()


@pytest.fixture
def client(wired: Context) -> Iterator[TestClient]:
    with api_client(wired) as c:
        yield c


def _audit(ctx: Context, line_id: str) -> list[tuple[str, str, dict[str, Any]]]:
    with ctx.uow() as uow:
        records = uow.audit.for_subject("credit_line", line_id)
    return [(r.action, r.actor, dict(r.payload)) for r in records]


def _open(client: TestClient, limit: str = "1000.00") -> str:
    opened = client.post(
        "/v1/lines",
        json={"limit": limit, "annual_rate": "0.18"},
        headers={"Idempotency-Key": f"open-{limit}"},
    )
    assert opened.status_code == 201, opened.text
    line_id: str = opened.json()["line_id"]
    return line_id


def test_repaying_a_draw_frees_its_principal_on_the_line(
    client: TestClient, wired: Context, clock: FakeClock
) -> None:
    line_id = _open(client)
    drawn = client.post(
        f"/v1/lines/{line_id}/draws",
        json={"amount": "600.00", "terms": 3},
        headers={"Idempotency-Key": "d1"},
    )
    assert drawn.status_code == 201, drawn.text
    draw_id = drawn.json()["loan"]["loan_id"]
    first = drawn.json()["loan"]["positions"][0]
    assert drawn.json()["line"]["available"] == "400.00"

    clock.set(clock.now() + timedelta(days=31))  # the first instalment is due
    assert wired.clock.business_date().isoformat() >= first["due"]
    body = {"draw_id": draw_id, "amount": first["scheduled_total"]}
    repaid = client.post(
        f"/v1/lines/{line_id}/repayments", json=body, headers={"Idempotency-Key": "r1"}
    )
    assert repaid.status_code == 201, repaid.text
    doc = repaid.json()
    principal = Decimal(doc["repayment"]["allocated"]["principal"])
    assert principal > 0 and doc["repayment"]["loan_id"] == draw_id
    assert doc["line"]["draw_balances"] == [
        {"draw_id": draw_id, "principal_outstanding": str(Decimal("600.00") - principal)}
    ]
    assert doc["line"]["available"] == str(Decimal("400.00") + principal)
    again = client.post(
        f"/v1/lines/{line_id}/repayments", json=body, headers={"Idempotency-Key": "r1"}
    )
    assert again.json()["repayment"]["repayment_id"] == doc["repayment"]["repayment_id"]
    assert client.get(f"/v1/lines/{line_id}").json()["available"] == doc["line"]["available"]


def test_line_changes_carry_reasons_and_refusals_change_nothing(
    client: TestClient, wired: Context
) -> None:
    line_id = _open(client)
    other = _open(client, "500.00")
    drawn = client.post(
        f"/v1/lines/{other}/draws",
        json={"amount": "100.00", "terms": 3},
        headers={"Idempotency-Key": "o1"},
    )
    foreign_draw = drawn.json()["loan"]["loan_id"]
    before = ledger_snapshot(wired.db)

    def act(action: str, **body: Any) -> Any:
        headers = acting_as(wired, "li.wei")
        return client.post(f"/v1/lines/{line_id}/{action}", json=body, headers=headers)

    def problem(response: Any, status: int) -> None:
        assert response.status_code == status, response.text
        assert response.headers["content-type"].startswith("application/problem+json")

    problem(act("freeze", reason=""), 422)
    problem(act("limit", reason="x"), 422)  # no new limit
    problem(act("limit", reason="x", new_limit="1000.00"), 422)  # the limit it has
    problem(act("limit", reason="x", new_limit="999999999.00"), 422)  # over the product
    problem(act("unfreeze", reason="not frozen"), 409)
    problem(
        client.post(
            f"/v1/lines/{line_id}/repayments",
            json={"draw_id": foreign_draw, "amount": "10.00"},
            headers={"Idempotency-Key": "r-foreign"},
        ),
        422,
    )
    assert act("freeze", reason="suspected fraud 疑似欺诈").json()["status"] == "frozen"
    draw = client.post(
        f"/v1/lines/{line_id}/draws",
        json={"amount": "10.00", "terms": 3},
        headers={"Idempotency-Key": "d-frozen"},
    )
    problem(draw, 409)
    problem(act("limit", reason="raise", new_limit="2000.00"), 409)  # frozen
    assert act("unfreeze", reason="cleared on appeal").json()["status"] == "active"
    raised = act("limit", reason="good payer", new_limit="2000.00").json()
    assert (raised["limit"], raised["available"]) == ("2000.00", "2000.00")
    lowered = act("limit", reason="income fell", new_limit="800.00").json()
    assert lowered["limit"] == "800.00"
    closed = act("close", reason="customer asked").json()
    assert closed["status"] == "closed"
    problem(act("limit", reason="x", new_limit="900.00"), 409)
    assert ledger_snapshot(wired.db) == before

    kinds = [(h["kind"], h["reason"], h["officer"]) for h in closed["history"]]
    assert kinds == [
        ("opened", "opened", ""),
        ("frozen", "suspected fraud 疑似欺诈", "user:li.wei"),
        ("unfrozen", "cleared on appeal", "user:li.wei"),
        ("raised", "good payer", "user:li.wei"),
        ("reduced", "income fell", "user:li.wei"),
        ("closed", "customer asked", "user:li.wei"),
    ]
    audited = _audit(wired, line_id)
    assert [(a, actor) for a, actor, _ in audited] == [
        ("line.opened", "user:root"),
        ("line.freeze", "user:li.wei"),
        ("line.unfreeze", "user:li.wei"),
        ("line.limit", "user:li.wei"),
        ("line.limit", "user:li.wei"),
        ("line.close", "user:li.wei"),
    ]
    assert audited[3][2]["reason"] == "good payer"
    assert (audited[3][2]["limit_before_fen"], audited[3][2]["limit_after_fen"]) == (
        100_000,
        200_000,
    )


@pytest.fixture
def cli_env(database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setenv("FENGKONG_HOME", str(tmp_path / "cli-home"))
    monkeypatch.setenv("FENGKONG_DATABASE_URL", database_url)
    monkeypatch.setenv("FENGKONG_CONFIG", str(tmp_path / "absent.toml"))
    return database_url


def _run(*args: str) -> Any:
    return runner.invoke(cli, list(args))


def _json(*args: str) -> Any:
    result = _run(*args, "--json")
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def test_line_commands_from_the_cli(
    cli_env: str, staff_login: Callable[[str], None], monkeypatch: pytest.MonkeyPatch
) -> None:
    staff_login("fks_as_li.wei")  # an officer: the one who acts, audited by name
    line = _json("line", "open", "--limit", "3939.00", "--annual-rate", "0.18", "--key", "o")
    line_id = line["line_id"]
    assert (line["limit"], line["available"]) == ("3939.00", "3939.00")
    assert (
        _json("line", "open", "--limit", "3939.00", "--annual-rate", "0.18", "--key", "o")[
            "line_id"
        ]
        == line_id
    )  # the same key opens it once

    drawn = _json("line", "draw", line_id, "--amount", "1000", "--terms", "3", "--key", "d1")
    draw_id = drawn["loan"]["loan_id"]
    assert drawn["line"]["available"] == "2939.00"
    assert drawn["disbursement"]["payout"]["status"] == "succeeded"
    assert _json("line", "show", line_id)["draw_balances"] == [
        {"draw_id": draw_id, "principal_outstanding": "1000.00"}
    ]

    over = _run("line", "draw", line_id, "--amount", "2939.01", "--terms", "3", "--key", "d2")
    assert over.exit_code == 1 and "available" in over.stderr
    assert (
        _run("line", "draw", line_id, "--amount", "1.001", "--terms", "3", "--key", "d3").exit_code
        == 2
    )
    assert (
        _run("line", "draw", line_id, "--amount", "ten", "--terms", "3", "--key", "d3").exit_code
        == 2
    )
    assert (
        _run("line", "draw", "line_nope", "--amount", "1", "--terms", "3", "--key", "d4").exit_code
        == 1
    )

    repaid = _json("line", "repay", line_id, "--draw", draw_id, "--amount", "50.00", "--key", "r")
    assert repaid["repayment"]["amount"] == "50.00" and repaid["line"]["line_id"] == line_id
    assert (
        _run("line", "repay", line_id, "--draw", "", "--amount", "1", "--key", "r2").exit_code == 2
    )

    with monkeypatch.context() as logged_out:
        logged_out.delenv("FENGKONG_SESSION")
        no_officer = _run("line", "freeze", line_id, "--reason", "suspected fraud", "--json")
    assert no_officer.exit_code == 1
    assert json.loads(no_officer.stdout)["code"] == "unauthenticated"
    named = _run("line", "freeze", line_id, "--reason", "suspected fraud", "--by", "li.wei")
    assert named.exit_code == 2 and "--by" in named.output  # no free-text officer any more
    assert _run("line", "freeze", line_id, "--reason", " ").exit_code == 2
    frozen = _json("line", "freeze", line_id, "--reason", "suspected fraud")
    assert frozen["status"] == "frozen"
    on_frozen = _run("line", "draw", line_id, "--amount", "1", "--terms", "3", "--key", "d5")
    assert on_frozen.exit_code == 1 and "frozen" in on_frozen.stderr
    raise_frozen = ("line", "limit", line_id, "--to", "5000", "--reason", "x")
    assert _run(*raise_frozen).exit_code == 1
    assert _json("line", "unfreeze", line_id, "--reason", "appeal")["status"] == "active"
    assert _json(*raise_frozen)["limit"] == "5000.00"
    assert _run("line", "limit", line_id, "--to", "-1", "--reason", "x").exit_code == 2
    closed = _json("line", "close", line_id, "--reason", "customer asked")
    assert closed["status"] == "closed" and closed["available"] == "4000.00"
    assert {h["officer"] for h in closed["history"][2:]} == {"user:li.wei"}
    assert [h["kind"] for h in closed["history"]] == [
        "opened",
        "drawn",
        "frozen",
        "unfrozen",
        "raised",
        "closed",
    ]
    shown = _run("line", "show", line_id)
    assert shown.exit_code == 0 and "[closed]" in shown.stdout
    assert _run("line", "show", "line_nope").exit_code == 1
