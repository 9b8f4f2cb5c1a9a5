"""`fengkong servicing security | secure-collateral | secure-guarantor`: an approve-if-secured
offer's condition from the command line; collateral below the minimum exits 2 and stores
nothing; `loan accept` exits 1 saying what is missing until the security is registered, and the
offer books once it is; `line open` on the application exits 2 (a line takes no security)."""

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
from fengkong.lending.config import LendingConfig
from fengkong.lending.origination import accept_offer
from fengkong.lending.payment import SimulatedGateway
from fengkong.lending.services import LendingServices
from lending.secured_offer_support import least_collateral, seed_secured

runner = CliRunner()


@pytest.fixture
def secured(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[str, int]:
    monkeypatch.setenv("FENGKONG_HOME", str(tmp_path / "home"))
    monkeypatch.delenv("FENGKONG_DATABASE_URL", raising=False)
    monkeypatch.setenv("FENGKONG_CONFIG", str(tmp_path / "absent.toml"))
    db = Database(load_settings().resolved_database_url)
    upgrade(db)
    application = seed_secured(db, SystemClock())  # type: ignore[arg-type]
    least = int(least_collateral(db, application))
    db.dispose()
    return application, least


def test_secure_with_collateral_then_accept(
    secured: tuple[str, int], staff_login: Callable[[str], None]
) -> None:
    application, least = secured
    staff_login("fks_officer")
    shown = runner.invoke(app, ["servicing", "security", application, "--json"])
    assert shown.exit_code == 0, shown.output
    doc = json.loads(shown.stdout)
    assert (doc["status"], doc["accepts"]) == ("awaiting", ["guarantor", "collateral"])

    staff_login("fks_all")  # staff acting in the app's place (a channel key sees its own only)
    early = runner.invoke(app, ["loan", "accept", application, "--key", "acc-1"])
    assert early.exit_code == 1 and "needs a guarantor or collateral" in early.output

    staff_login("fks_officer")
    short = f"{(least - 100) / 100:.2f}"
    refused = runner.invoke(
        app, ["servicing", "secure-collateral", application, "--type", "deposit", "--value", short]
    )
    assert refused.exit_code == 2, refused.output
    enough = f"{(least // 95 + 1):.2f}"  # a deposit's 5 % haircut: 100/95 of the least, in yuan
    done = runner.invoke(
        app,
        ["servicing", "secure-collateral", application, "--type", "deposit", "--value", enough,
         "--json"],
    )  # fmt: skip
    assert done.exit_code == 0, done.output
    assert json.loads(done.stdout)["status"] == "completed"

    # booked as the API books it (the seeded applicant's data are no vault tokens, which the
    # command's contract would decrypt)
    db = Database(load_settings().resolved_database_url)
    try:
        svc = LendingServices(
            lambda: SqlUnitOfWork(db), SystemClock(), SimulatedGateway(), LendingConfig()
        )
        loan_id = accept_offer(application, "acc-1", svc).record.loan_id
    finally:
        db.dispose()
    booked = json.loads(runner.invoke(app, ["servicing", "security", application, "--json"]).stdout)
    assert booked["status"] == "booked" and booked["loan_id"] == loan_id


def test_a_line_is_not_opened_on_the_conditional_offer(
    secured: tuple[str, int], staff_login: Callable[[str], None]
) -> None:
    application, _ = secured
    staff_login("fks_all")
    args = ["line", "open", "--application", application, "--limit", "1000.00"]
    refused = runner.invoke(app, [*args, "--annual-rate", "0.12", "--key", "line-1"])
    assert refused.exit_code == 2, refused.output
    assert "instalment loan" in refused.output and "循环额度" in refused.output
