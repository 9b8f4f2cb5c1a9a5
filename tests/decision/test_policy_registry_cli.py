"""`fengkong policy`: submit, request, approve (maker-checker), list and show from the command
line, with `--json` documents on stdout and exit codes for refusals (1 conflict, 2 bad input)."""

from __future__ import annotations

import json
from collections.abc import Callable
from importlib import resources
from pathlib import Path

import pytest
from typer.testing import CliRunner

from fengkong.cli import app

runner = CliRunner()
STARTER = (
    resources.files("fengkong.decision").joinpath("policies/retail-v3.yaml").read_text("utf-8")
)


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("FENGKONG_HOME", str(tmp_path / "home"))
    monkeypatch.delenv("FENGKONG_DATABASE_URL", raising=False)
    monkeypatch.setenv("FENGKONG_CONFIG", str(tmp_path / "absent.toml"))
    return tmp_path / "home"


def test_policy_submit_request_approve(
    home: Path, tmp_path: Path, staff_login: Callable[[str], None]
) -> None:
    document = tmp_path / "retail-v3.yaml"
    document.write_text(STARTER)  # the shipped retail-v3
    staff_login("fks_approver")  # not a risk manager: may not write policies
    unentitled = runner.invoke(app, ["policy", "submit", str(document), "--json"])
    assert unentitled.exit_code == 1 and json.loads(unentitled.stdout)["code"] == "forbidden"
    staff_login("fks_all")  # root, who holds every role, writes it
    submitted = runner.invoke(app, ["policy", "submit", str(document), "--json"])
    assert submitted.exit_code == 0, submitted.output
    assert (json.loads(submitted.stdout)["status"], json.loads(submitted.stdout)["author"]) == (
        "draft",
        "user:root",
    )

    staff_login("fks_risk")  # rita asks for its activation
    requested = runner.invoke(app, ["policy", "request", "retail-v3", "--json"])
    assert requested.exit_code == 0, requested.output
    assert json.loads(requested.stdout)["requested_by"] == "user:rita"

    unentitled = runner.invoke(app, ["policy", "approve", "retail-v3"])  # not an approver
    assert unentitled.exit_code == 1 and "policies.approve" in unentitled.stderr
    staff_login("fks_all")  # an approver, but who wrote it
    self_approved = runner.invoke(app, ["policy", "approve", "retail-v3"])
    assert self_approved.exit_code == 1 and "another approver" in self_approved.stderr

    staff_login("fks_approver2")
    approved = runner.invoke(app, ["policy", "approve", "retail-v3", "--json"])
    assert approved.exit_code == 0, approved.output
    assert json.loads(approved.stdout)["status"] == "active"

    listed = runner.invoke(app, ["policy", "list", "--json"])
    assert [(p["version"], p["status"]) for p in json.loads(listed.stdout)] == [
        ("retail-v3", "active")
    ]
    shown = runner.invoke(app, ["policy", "show", "retail-v3", "--json"])
    assert json.loads(shown.stdout)["document"] == document.read_text()


def test_policy_submit_refuses_a_broken_document(
    home: Path, tmp_path: Path, staff_login: Callable[[str], None]
) -> None:
    staff_login("fks_risk")
    document = tmp_path / "broken.yaml"
    document.write_text("version: [")
    refused = runner.invoke(app, ["policy", "submit", str(document)])
    assert refused.exit_code == 2 and "YAML" in refused.stderr
