"""`fengkong apply` exits 0 for every decided outcome, a decline included: the decision is the
result (stored, audited, in the document with its reasons), not a failure of the command. Exit 1
is kept for refusals to act (no model, a conflict), exit 2 for bad input."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
from typer.testing import CliRunner

from factories import risky_body
from fengkong.bootstrap import Context
from fengkong.cli import app

POLICY = Path(__file__).parents[2] / "src/fengkong/decision/policies/demo-german.yaml"


def test_a_decline_is_a_decision_not_an_error(
    context: Context,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    staff_login: Callable[[str], None],
) -> None:
    staff_login("fks_channel")  # the lender's app, as its channel key
    monkeypatch.setenv("FENGKONG_HOME", str(context.settings.home))
    monkeypatch.setenv("FENGKONG_DATABASE_URL", context.settings.resolved_database_url)
    monkeypatch.setenv("FENGKONG_CONFIG", str(tmp_path / "absent.toml"))
    monkeypatch.setenv("FENGKONG_POLICY_FILE", str(POLICY))
    application = tmp_path / "risky.json"
    application.write_text(json.dumps(risky_body()))
    result = CliRunner().invoke(app, ["apply", str(application), "--json"])
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    assert doc["outcome"] == "decline" and "code" not in doc
    assert doc["requested_amount"] == "15000.00" and doc["reasons"]
