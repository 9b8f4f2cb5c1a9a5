"""`fengkong servicing …`: a loan's card, collateral, a collections action and the queue from the
command line, with `--json` documents on stdout and bad input a non-zero exit; each audited as
the logged-in officer."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
from typer.testing import CliRunner

from fengkong.cli import app
from fengkong.core.clock import SystemClock
from fengkong.core.settings import load_settings
from fengkong.db.database import Database
from fengkong.db.migrate import upgrade
from fengkong.db.uow import SqlUnitOfWork
from fengkong.decision.policy_products import POLICY_PRODUCTS
from fengkong.lending.config import LendingConfig
from fengkong.lending.disbursement import disburse
from fengkong.lending.origination import accept_offer
from fengkong.lending.payment import SimulatedGateway
from fengkong.lending.services import LendingServices
from lending.test_service_support import seed_approved

runner = CliRunner()


@pytest.fixture
def loan_id(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setenv("FENGKONG_HOME", str(tmp_path / "home"))
    monkeypatch.delenv("FENGKONG_DATABASE_URL", raising=False)
    monkeypatch.setenv("FENGKONG_CONFIG", str(tmp_path / "absent.toml"))
    db = Database(load_settings().resolved_database_url)
    upgrade(db)
    clock = SystemClock()
    svc = LendingServices(
        lambda: SqlUnitOfWork(db),
        clock,
        SimulatedGateway(),
        LendingConfig(),
        policy_products=POLICY_PRODUCTS,
    )
    application = seed_approved(db, clock, amount=600_000, terms=6)  # type: ignore[arg-type]
    made = accept_offer(application, "acc", svc).record.loan_id
    disburse(made, "pay", svc)
    db.dispose()
    return made


def test_card_collateral_and_collections(loan_id: str, staff_login: Callable[[str], None]) -> None:
    staff_login("fks_as_li.wei")
    bound = runner.invoke(
        app, ["servicing", "card-bind", loan_id, "--card-number", "6222021234567890128", "--json"]
    )
    assert bound.exit_code == 0, bound.output
    assert json.loads(bound.stdout)["card"] == "6222 **** **** 0128"
    pledged = runner.invoke(
        app,
        ["servicing", "collateral-add", loan_id, "--type", "deposit", "--value", "10000", "--json"],
    )
    assert pledged.exit_code == 0, pledged.output
    assert json.loads(pledged.stdout)["margin_calls"] == []
    acted = runner.invoke(
        app,
        ["servicing", "act", loan_id, "--kind", "call", "--note", "hello"],
    )
    assert acted.exit_code == 0, acted.output
    bad = runner.invoke(
        app,
        ["servicing", "act", loan_id, "--kind", "email", "--note", "x"],
    )
    assert bad.exit_code == 2
    listed = runner.invoke(app, ["servicing", "queue", "--json"])
    assert listed.exit_code == 0 and json.loads(listed.stdout) == []
    db = Database(load_settings().resolved_database_url)
    try:
        with SqlUnitOfWork(db) as uow:
            trail = {(r.action, r.actor) for r in uow.audit.for_subject("loan", loan_id)}
    finally:
        db.dispose()
    assert ("collections.action", "user:li.wei") in trail
