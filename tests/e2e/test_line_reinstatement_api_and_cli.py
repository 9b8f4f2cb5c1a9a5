"""An officer reverses a rule's action on a credit line over HTTP (`POST /v1/lines/{id}/
reinstatement`) and from `fengkong line reinstate`, on SQLite and PostgreSQL; the borrower's
notices are listed (`GET /v1/lines/{id}/notices`, `fengkong line notices`, `line show`). Bad
input is a 422 or exit 2, nothing to reverse a 409 or exit 1, an unknown line a 404 or exit 1;
a refused reversal changes nothing."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
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
from fengkong.core.settings import Settings, load_settings
from fengkong.lending.credit_lines import change_line, open_line

runner = CliRunner()
RULE_FREEZE = "DPD_OVER_THRESHOLD: 3 days past due > 0"
RULE_CLOSE = "BLACKLIST_HIT: mobile on the black list"


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


def _ruled(ctx: Context, key: str, action: str, reason: str) -> str:
    """A line a rule acted on: changed with no officer, as end of day changes it."""
    line = open_line(1_000_000, Decimal("0.18"), key, ctx.lending)
    change_line(line.line_id, action, reason, ctx.lending)
    return line.line_id


def test_reinstatement_over_http(client: TestClient, wired: Context) -> None:
    frozen = _ruled(wired, "api-frozen", "freeze", RULE_FREEZE)
    closed = _ruled(wired, "api-closed", "close", RULE_CLOSE)
    officer = acting_as(wired, "li.wei")

    def reinstate(line_id: str, headers: dict[str, str] = officer, **body: Any) -> Any:
        return client.post(f"/v1/lines/{line_id}/reinstatement", json=body, headers=headers)

    def problem(response: Any, status: int) -> dict[str, Any]:
        assert response.status_code == status, response.text
        assert response.headers["content-type"].startswith("application/problem+json")
        doc: dict[str, Any] = response.json()
        return doc

    problem(reinstate(frozen, reason=""), 422)
    problem(reinstate(frozen), 422)
    problem(reinstate("line_nope", reason="disputed"), 404)
    refused = problem(reinstate(closed, reason="not the same person"), 422)
    assert "acknowledge_blacklist" in json.dumps(refused)
    auditor = acting_as(wired, "wang.audit", *_roles("auditor"))
    problem(reinstate(frozen, auditor, reason="disputed"), 403)
    assert client.get(f"/v1/lines/{frozen}").json()["status"] == "frozen"

    done = reinstate(frozen, reason="bank outage on the due date")
    assert done.status_code == 200, done.text
    assert done.json()["status"] == "active"
    last = done.json()["history"][-1]
    assert (last["kind"], last["officer"]) == ("reinstated", "user:li.wei")
    problem(reinstate(frozen, reason="again"), 409)  # nothing automatic left to reverse

    reopened = reinstate(closed, reason="not the same person", acknowledge_blacklist=True)
    assert reopened.json()["status"] == "active"

    notices = client.get(f"/v1/lines/{frozen}/notices")
    assert notices.status_code == 200, notices.text
    assert [(n["kind"], n["reason"]) for n in notices.json()] == [
        ("line_frozen", "DPD_OVER_THRESHOLD"),
        ("line_reinstated", "DPD_OVER_THRESHOLD"),
    ]
    assert {n["status"] for n in notices.json()} == {"sent"}
    problem(client.get("/v1/lines/line_nope/notices"), 404)


def _roles(*names: str) -> tuple[Any, ...]:
    from fengkong.core.actor import Role

    return tuple(Role(n) for n in names)


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


def test_reinstatement_from_the_cli(cli_env: str, staff_login: Callable[[str], None]) -> None:
    staff_login("fks_as_li.wei")  # an officer
    _json("line", "list")  # the schema is brought up to date by the first command
    ctx = bootstrap(load_settings())
    try:
        frozen = _ruled(ctx, "cli-frozen", "freeze", RULE_FREEZE)
        closed = _ruled(ctx, "cli-closed", "close", RULE_CLOSE)
    finally:
        ctx.close()

    no_reason = _run("line", "reinstate", frozen, "--reason", " ")
    assert no_reason.exit_code == 2 and "reason" in no_reason.output
    assert _run("line", "reinstate", frozen).exit_code == 2  # --reason is required
    unknown = _run("line", "reinstate", "line_nope", "--reason", "disputed")
    assert unknown.exit_code == 1 and "line_nope" in unknown.output
    fraud = _run("line", "reinstate", closed, "--reason", "not the same person")
    assert fraud.exit_code == 2 and "acknowledge" in fraud.output

    line = _json("line", "reinstate", frozen, "--reason", "bank outage on the due date")
    assert line["status"] == "active" and line["history"][-1]["kind"] == "reinstated"
    again = _run("line", "reinstate", frozen, "--reason", "again")
    assert again.exit_code == 1 and "no automatic action" in again.output
    reopened = _json(
        "line", "reinstate", closed, "--reason", "not the same person", "--acknowledge-blacklist"
    )
    assert reopened["status"] == "active"

    notices = _json("line", "notices", frozen)
    assert [n["kind"] for n in notices] == ["line_frozen", "line_reinstated"]
    assert [n["kind"] for n in _json("line", "show", frozen)["notices"]] == [
        "line_frozen",
        "line_reinstated",
    ]
    table = _run("line", "notices", frozen)
    assert table.exit_code == 0 and "line_reinstated" in table.output
    shown = _run("line", "show", frozen)
    assert shown.exit_code == 0 and "notice to the borrower" in shown.output
    assert _run("line", "notices", "line_nope").exit_code == 1
