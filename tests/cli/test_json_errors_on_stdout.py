"""With `--json`, a command that fails still prints exactly one JSON document on stdout, with a
stable `code`, its `kind`, `message` and `detail`; the exit code says what kind of failure it
was: 1 refused by the domain (not found, conflict, payout declined), 2 bad usage or bad input."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import typer
from typer.testing import CliRunner

from fengkong.cli import app

runner = CliRunner()


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("FENGKONG_HOME", str(tmp_path / "home"))
    monkeypatch.delenv("FENGKONG_DATABASE_URL", raising=False)
    monkeypatch.setenv("FENGKONG_CONFIG", str(tmp_path / "absent.toml"))
    return tmp_path


def _failed(args: list[str], exit_code: int) -> dict[str, Any]:
    result = runner.invoke(app, [*args, "--json"])
    assert result.exit_code == exit_code, (args, result.output, result.exception)
    doc = json.loads(result.stdout)  # exactly one document: json.loads refuses trailing text
    assert isinstance(doc, dict), args
    assert {"code", "category", "message", "detail"} <= set(doc), (args, doc)
    assert doc["exit_code"] == exit_code
    return doc


def _json_commands() -> Iterator[tuple[str, ...]]:
    def walk(command: Any, path: tuple[str, ...]) -> Iterator[tuple[str, ...]]:
        if hasattr(command, "commands"):  # a group (Typer vendors Click: not `click.Group`)
            # Click's contract for groups, which also loads the lazily registered commands
            ctx = typer.Context(command)
            for name in command.list_commands(ctx):
                yield from walk(command.get_command(ctx, name), (*path, name))
        elif any("--json" in p.opts for p in command.params):
            yield path

    yield from walk(typer.main.get_command(app), ())


JSON_COMMANDS = sorted(_json_commands())


def test_every_json_command_is_seen() -> None:
    assert len(JSON_COMMANDS) > 40 and ("apply",) in JSON_COMMANDS and ("score",) in JSON_COMMANDS


@pytest.mark.parametrize("command", JSON_COMMANDS, ids=" ".join)
def test_an_unknown_option_is_a_usage_error_document(command: tuple[str, ...]) -> None:
    doc = _failed([*command, "--no-such-option"], 2)
    assert (doc["code"], doc["category"]) == ("no_such_option", "usage")
    assert "--no-such-option" in doc["detail"]


def test_a_missing_argument_and_a_malformed_number_are_usage_errors(home: Path) -> None:
    missing = _failed(["loan", "show"], 2)
    assert (missing["code"], missing["errors"][0]["loc"]) == ("missing_parameter", ["loan_id"])
    malformed = _failed(["servicing", "queue", "--limit", "many"], 2)
    assert (malformed["code"], malformed["errors"][0]["loc"]) == ("bad_parameter", ["limit"])


def test_without_json_a_usage_error_stays_text_on_stderr() -> None:
    result = runner.invoke(app, ["loan", "show", "--no-such-option"])
    assert result.exit_code == 2 and result.stdout == ""
    assert "No such option" in result.stderr


# (arguments, exit code, code): bad input exits 2, a refusal by the domain exits 1.
FAILURES: list[tuple[list[str], int, str]] = [
    (["apply", "{tmp}/missing.json"], 2, "invalid"),
    (["score", "--model", "nope", "--data", "{tmp}/x.csv", "--out", "{tmp}/o.csv"], 1, "not_found"),
    (["eod", "--date", "31/12/2025"], 2, "invalid"),
    (["model", "train", "--data", "{tmp}/missing.csv", "--target", "y"], 2, "invalid"),
    (["model", "request-promotion", "nope"], 1, "not_found"),
    (["model", "approve", "apr_nope"], 1, "approval_request_not_found"),
    (["decision", "replay"], 2, "invalid"),
    (["decision", "replay", "dec_nope"], 1, "not_found"),
    (["policy", "submit", "{tmp}/missing.yaml"], 2, "invalid"),
    (["policy", "request", "nope"], 1, "policy_version_not_found"),
    (["policy", "approve", "nope"], 1, "policy_version_not_found"),
    (["policy", "reject", "nope", "--reason", "r"], 1, "policy_version_not_found"),
    (["policy", "show", "nope"], 1, "policy_version_not_found"),
    (["policy", "backtest", "nope", "--since", "yesterday"], 2, "invalid"),
    (["review", "list", "--status", "bogus"], 2, "invalid"),
    (["review", "claim", "nope"], 1, "review_item_not_found"),
    (["review", "approve", "nope", "--comment", "c"], 1, "review_item_not_found"),
    (["review", "decline", "nope", "--comment", "c"], 1, "review_item_not_found"),
    (["fraud", "train-anomaly", "--data", "{tmp}/missing.csv"], 2, "invalid"),
    (["loan", "offer", "nope"], 1, "not_found"),
    (["loan", "accept", "nope", "--key", "k1"], 1, "not_found"),
    (["loan", "disburse", "nope", "--key", "k2"], 1, "loan_not_found"),
    (["loan", "show", "nope"], 1, "loan_not_found"),
    (["loan", "repay", "nope", "--amount", "abc", "--key", "k3"], 2, "invalid"),
    (["loan", "repay", "nope", "--amount", "1.00", "--key", "k3"], 1, "loan_not_found"),
    (["loan", "reverse", "nope", "rp_nope", "--key", "k4", "--reason", "r"], 1, "not_found"),
    (["loan", "settlement-quote", "nope"], 1, "loan_not_found"),
    (["loan", "settle", "nope", "--amount", "1,000", "--key", "k5"], 2, "invalid"),
    (["loan", "restructure", "nope", "--reason", "r", "--annual-rate", "ten"], 2, "invalid"),
    (["loan", "restructure", "nope", "--reason", "r", "--extra-terms", "2"], 1, "loan_not_found"),
    (["loan", "write-off", "nope", "--reason", "fraud"], 1, "loan_not_found"),
    (["approvals", "approve", "apr_nope"], 1, "approval_request_not_found"),
    (["approvals", "list", "--status", "bogus"], 2, "invalid"),
    (["servicing", "guarantor-add", "--name", "张三", "--id-number", "123"], 2, "invalid"),
    (["servicing", "guarantee-add", "nope", "--share", "half", "--guarantor", "g"], 2, "invalid"),
    (["servicing", "group-add", "g", "--member", "nope"], 2, "invalid"),
    (["servicing", "exposure", "nope"], 1, "not_found"),
    (["servicing", "card-bind", "nope", "--card-number", "1234"], 2, "invalid"),
    (["servicing", "collateral-add", "nope", "--type", "car", "--value", "x"], 2, "invalid"),
    (["servicing", "collateral-value", "nope", "--value", "100"], 1, "not_found"),
    (["servicing", "collateral", "nope"], 1, "loan_not_found"),
    (["servicing", "debits", "nope"], 1, "loan_not_found"),
    (["servicing", "act", "nope", "--kind", "shout", "--note", "n"], 2, "invalid"),
    (["servicing", "promise", "nope", "--amount", "1", "--on", "soon"], 2, "invalid"),
    (["servicing", "line-borrower", "nope"], 1, "not_found"),
    (["servicing", "eod", "--date", "x"], 2, "invalid"),
]


def test_domain_failures_are_one_document_with_their_code(
    home: Path, staff_login: Callable[[str], None]
) -> None:
    staff_login("fks_all")
    for args, exit_code, code in FAILURES:
        doc = _failed([a.format(tmp=home) for a in args], exit_code)
        assert doc["code"] == code, (args, doc)
        assert doc["category"] == ("invalid" if exit_code == 2 else "not_found"), (args, doc)
        if exit_code == 2:
            assert doc["errors"] and all({"loc", "msg", "type"} <= set(e) for e in doc["errors"])


def test_an_unreachable_database_is_unavailable(
    home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FENGKONG_DATABASE_URL", "postgresql+psycopg://nobody@127.0.0.1:1/none")
    doc = _failed(["db", "upgrade"], 1)
    assert (doc["code"], doc["category"]) == ("unavailable", "unavailable")
    assert "unreachable" in doc["detail"]


def test_an_unexpected_exception_is_still_one_document(
    home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken() -> None:
        raise RuntimeError("disk on fire")

    monkeypatch.setattr("fengkong.core.settings.load_settings", broken)
    doc = _failed(["loan", "show", "L1"], 1)
    assert doc["code"] == "internal_error" and "disk on fire" in doc["detail"]


def test_a_declined_payout_is_a_refusal(
    home: Path, monkeypatch: pytest.MonkeyPatch, staff_login: Callable[[str], None]
) -> None:
    from fengkong.bootstrap import load_vault
    from fengkong.core.clock import SystemClock
    from fengkong.core.settings import load_settings
    from fengkong.db.database import Database
    from fengkong.db.migrate import upgrade
    from lending.test_service_support import seed_approved

    monkeypatch.setenv("FENGKONG_SIMULATED_FAILURE_RATE", "1")
    settings = load_settings()
    db = Database(settings.resolved_database_url)
    upgrade(db)
    application = seed_approved(
        db,
        SystemClock(),  # type: ignore[arg-type]
        amount=300_000,
        terms=6,
        vault=load_vault(settings),
    )
    db.dispose()
    staff_login("fks_all")
    accepted = runner.invoke(app, ["loan", "accept", application, "--key", "acc", "--json"])
    assert accepted.exit_code == 0, accepted.output
    loan_id = json.loads(accepted.stdout)["loan_id"]
    doc = _failed(["loan", "disburse", loan_id, "--key", "pay"], 1)
    assert (doc["code"], doc["category"]) == ("payout_failed", "refused")
    assert doc["payout"]["status"] == "failed" and doc["payout"]["amount"] == "3000.00"
    text = runner.invoke(app, ["loan", "disburse", loan_id, "--key", "pay"])
    assert text.exit_code == 1 and "payout failed" in text.stdout
