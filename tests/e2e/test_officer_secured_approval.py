"""An officer's approval on condition of security over HTTP and from the command line: the
item's bounds list the referring policy's security requirements (retail-v4); `security` in the
approval (`--security`) makes the officer's decision conditional, shown on the decision and on
the application's security; the offer is then refused until the security is registered
(problem+json 409); a requirement the policy does not define is a 422 / exit 2."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from factories import queue_referral
from fakes.access import bearer
from fakes.api import acting_as, api_client
from fengkong.bootstrap import Context
from fengkong.cli import app
from fengkong.core.clock import SystemClock
from fengkong.core.settings import load_settings
from fengkong.db.database import Database
from fengkong.db.migrate import upgrade
from fengkong.db.uow import SqlUnitOfWork
from fengkong.decision.bundle import read_shipped_bundle
from fengkong.decision.review import ReviewConfig

V4 = read_shipped_bundle("retail-v4.yaml")
PROBLEM = "application/problem+json"
runner = CliRunner()


@pytest.fixture
def client(context: Context) -> Iterator[TestClient]:
    acting_as(context, "wang")
    with api_client(context) as c:
        yield c


def test_an_officer_approves_on_condition_of_collateral(
    client: TestClient, context: Context
) -> None:
    with context.uow() as uow:
        item = queue_referral(uow, context.clock, ReviewConfig(), 500_000, bundle=V4)
        uow.commit()
    wang = bearer("fks_test_wang")
    assert client.post(f"/v1/review/items/{item.id}/claim", headers=wang).status_code == 200
    bounds = client.get(f"/v1/review/items/{item.id}").json()["bounds"]
    assert bounds["security"] == ["collateral", "guarantor_or_collateral"]

    unknown = client.post(
        f"/v1/review/items/{item.id}/approve",
        headers=wang,
        json={"comment": "ok", "security": "horse"},
    )
    assert unknown.status_code == 422 and unknown.headers["content-type"] == PROBLEM
    assert unknown.json()["errors"][0]["loc"] == ["security"]

    approved = client.post(
        f"/v1/review/items/{item.id}/approve",
        headers=wang,
        json={"comment": "thin file: collateral first", "security": "collateral"},
    )
    assert approved.status_code == 200, approved.text
    decision = approved.json()["officer_decision"]
    assert decision["security"] == "collateral"
    assert decision["offer"]["security"]["why"] == "officer"

    app_id = item.application_id
    security = client.get(f"/v1/applications/{app_id}/security")
    assert security.status_code == 200, security.text
    assert (security.json()["status"], security.json()["decision_id"]) == (
        "awaiting",
        decision["id"],
    )
    early = client.post(f"/v1/loans/offers/{app_id}/accept", headers={"Idempotency-Key": "a-1"})
    assert early.status_code == 409 and early.headers["content-type"].startswith(PROBLEM)
    assert "collateral" in early.json()["detail"]


def test_review_approve_security_from_the_command_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, staff_login: Callable[[str], None]
) -> None:
    monkeypatch.setenv("FENGKONG_HOME", str(tmp_path / "home"))
    monkeypatch.delenv("FENGKONG_DATABASE_URL", raising=False)
    monkeypatch.setenv("FENGKONG_CONFIG", str(tmp_path / "absent.toml"))
    db = Database(load_settings().resolved_database_url)
    try:
        upgrade(db)
        with SqlUnitOfWork(db) as uow:
            item = queue_referral(uow, SystemClock(), ReviewConfig(), 500_000, bundle=V4)
            uow.commit()
    finally:
        db.dispose()
    staff_login("fks_as_wang")
    assert runner.invoke(app, ["review", "claim", item.id]).exit_code == 0
    shown = runner.invoke(app, ["review", "show", item.id])
    assert "collateral, guarantor_or_collateral" in shown.output
    approve = ["review", "approve", item.id, "--comment", "needs security"]
    refused = runner.invoke(app, [*approve, "--security", "horse"])
    assert refused.exit_code == 2, refused.output
    done = runner.invoke(app, [*approve, "--security", "guarantor_or_collateral", "--json"])
    assert done.exit_code == 0, done.output
    doc = json.loads(done.stdout)
    assert doc["officer_decision"]["security"]["requirement"] == "guarantor_or_collateral"
