"""The loan, line, servicing, approvals and end-of-day commands for every role: each needs the
permission of the API route that does the same (`COMMAND_PERMISSIONS` beside
`ROUTE_PERMISSIONS`); run through the CLI as each role, a representative command of each
permission is refused (exit 1, code `forbidden`) exactly when the role is not granted it, and
without a login it is `unauthenticated`. A channel key repays and reads only its own channel's
loans, as over the API; staff are not confined. The commands act as the logged-in user: no
`--officer` or `--by` is left."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
import typer
from typer.testing import CliRunner

from fakes.access import STAFF
from fengkong.access.permissions import COMMAND_PERMISSIONS, ROUTE_PERMISSIONS, permits
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
GROUPS = ("loan", "line", "servicing", "approvals")
FAR = (SystemClock().business_date() + timedelta(days=400)).isoformat()

# One command per permission of these groups, with minimal valid arguments: permitted, each
# ends in the domain (a not-found, a refused future date, or a listing), never in `forbidden`.
REPRESENTATIVES: dict[str, list[str]] = {
    "loan show": ["loan", "show", "ln_nope"],
    "loan accept": ["loan", "accept", "app_nope", "--key", "k-acc"],
    "loan repay": ["loan", "repay", "ln_nope", "--amount", "1.00", "--key", "k-rep"],
    "loan disburse": ["loan", "disburse", "ln_nope", "--key", "k-pay"],
    "loan write-off": ["loan", "write-off", "ln_nope", "--reason", "fraud"],
    "loan list": ["loan", "list"],
    "line show": ["line", "show", "line_nope"],
    "line reinstate": ["line", "reinstate", "line_nope", "--reason", "dispute upheld"],
    "servicing queue": ["servicing", "queue"],
    "servicing act": ["servicing", "act", "ln_nope", "--kind", "call", "--note", "n"],
    "servicing security": ["servicing", "security", "app_nope"],
    "approvals list": ["approvals", "list"],
    "approvals approve": ["approvals", "approve", "apr_nope"],
    "eod": ["eod", "--date", FAR],
}

# Commands and the API route doing the same: their permissions must agree.
SAME_AS_ROUTE: dict[str, tuple[str, str]] = {
    "loan offer": ("GET", "/v1/loans/offers/{application_id}"),
    "loan accept": ("POST", "/v1/loans/offers/{application_id}/accept"),
    "loan disburse": ("POST", "/v1/loans/{loan_id}/disburse"),
    "loan show": ("GET", "/v1/loans/{loan_id}"),
    "loan repay": ("POST", "/v1/loans/{loan_id}/repayments"),
    "loan reverse": ("POST", "/v1/loans/{loan_id}/repayments/{repayment_id}/reversal"),
    "loan settlement-quote": ("GET", "/v1/loans/{loan_id}/settlement-quote"),
    "loan settle": ("POST", "/v1/loans/{loan_id}/settle"),
    "loan restructure": ("POST", "/v1/loans/{loan_id}/restructure"),
    "loan write-off": ("POST", "/v1/loans/{loan_id}/write-off"),
    "loan receipt-add": ("POST", "/v1/loans/{loan_id}/receipts"),
    "loan receipts": ("GET", "/v1/loans/{loan_id}/receipts"),
    "line receipt-add": ("POST", "/v1/lines/{line_id}/draws/{draw_id}/receipts"),
    "line receipts": ("GET", "/v1/lines/{line_id}/draws/{draw_id}/receipts"),
    "loan list": ("GET", "/v1/loans"),
    "line open": ("POST", "/v1/lines"),
    "line draw": ("POST", "/v1/lines/{line_id}/draws"),
    "line repay": ("POST", "/v1/lines/{line_id}/repayments"),
    "line freeze": ("POST", "/v1/lines/{line_id}/{action}"),
    "line unfreeze": ("POST", "/v1/lines/{line_id}/{action}"),
    "line close": ("POST", "/v1/lines/{line_id}/{action}"),
    "line limit": ("POST", "/v1/lines/{line_id}/{action}"),
    "line reinstate": ("POST", "/v1/lines/{line_id}/reinstatement"),
    "line notices": ("GET", "/v1/lines/{line_id}/notices"),
    "line list": ("GET", "/v1/lines"),
    "line show": ("GET", "/v1/lines/{line_id}"),
    "line scores": ("GET", "/v1/lines/{line_id}/behaviour-scores"),
    "servicing guarantor-add": ("POST", "/v1/guarantors"),
    "servicing guarantee-add": ("POST", "/v1/loans/{loan_id}/guarantees"),
    "servicing group-add": ("POST", "/v1/guarantee-groups"),
    "servicing exposure": ("GET", "/v1/guarantors/{guarantor_id}/exposure"),
    "servicing card-bind": ("PUT", "/v1/loans/{loan_id}/card"),
    "servicing debits": ("GET", "/v1/loans/{loan_id}/debits"),
    "servicing collateral-add": ("POST", "/v1/loans/{loan_id}/collateral"),
    "servicing collateral-value": ("POST", "/v1/collateral/{item_id}/valuations"),
    "servicing collateral": ("GET", "/v1/loans/{loan_id}/collateral"),
    "servicing queue": ("GET", "/v1/collections"),
    "servicing act": ("POST", "/v1/collections/{loan_id}/actions"),
    "servicing promise": ("POST", "/v1/collections/{loan_id}/promises"),
    "servicing line-borrower": ("PUT", "/v1/lines/{line_id}/borrower"),
    "servicing security": ("GET", "/v1/applications/{application_id}/security"),
    "servicing secure-collateral": ("POST", "/v1/applications/{application_id}/security"),
    "servicing secure-guarantor": ("POST", "/v1/applications/{application_id}/security"),
    "approvals list": ("GET", "/v1/approvals"),
    "approvals show": ("GET", "/v1/approvals/{request_id}"),
    "approvals approve": ("POST", "/v1/approvals/{request_id}/approve"),
    "approvals reject": ("POST", "/v1/approvals/{request_id}/reject"),
}
ROLES = ("fks_channel", "fks_officer", "fks_risk", "fks_approver", "fks_auditor", "fks_admin")


def _commands() -> dict[str, Any]:
    """Every command of these groups, as typed, with its Click command."""
    root = typer.main.get_command(app)
    ctx = typer.Context(root)
    found: dict[str, Any] = {}
    for group_name in GROUPS:
        group: Any = root.get_command(ctx, group_name)  # type: ignore[attr-defined]
        for name in group.list_commands(ctx):
            found[f"{group_name} {name}"] = group.get_command(ctx, name)
    found["eod"] = root.get_command(ctx, "eod")  # type: ignore[attr-defined]
    return found


def test_every_command_of_these_groups_needs_the_permission_of_its_route() -> None:
    commands = _commands()
    assert set(commands) <= set(COMMAND_PERMISSIONS)
    for name, route in SAME_AS_ROUTE.items():
        assert COMMAND_PERMISSIONS[name] == ROUTE_PERMISSIONS[route], name
    # End of day is a job of the platform's, run by the admin (the API has no route for it).
    assert set(commands) - set(SAME_AS_ROUTE) == {"servicing eod", "eod"}
    assert {p for c, p in COMMAND_PERMISSIONS.items() if c in commands} == {
        COMMAND_PERMISSIONS[c] for c in REPRESENTATIVES
    }  # each permission has a representative below
    for name, command in commands.items():
        options = {o for p in command.params for o in p.opts}
        assert not options & {"--officer", "--by"}, name  # who acts is who is logged in


@pytest.fixture
def cli_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The CLI on a migrated SQLite database of its own (who may run a command is no matter of
    the database; the loans' own tests run on both)."""
    monkeypatch.setenv("FENGKONG_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("FENGKONG_DATABASE_URL", f"sqlite:///{tmp_path / 'fengkong.db'}")
    monkeypatch.setenv("FENGKONG_CONFIG", str(tmp_path / "absent.toml"))
    db = Database(load_settings().resolved_database_url)
    upgrade(db)
    db.dispose()
    return tmp_path


def _run(args: list[str]) -> tuple[int, dict[str, Any] | list[Any]]:
    result = runner.invoke(app, [*args, "--json"])
    return result.exit_code, json.loads(result.stdout)


def _code(doc: dict[str, Any] | list[Any]) -> str | None:
    return doc.get("code") if isinstance(doc, dict) else None


@pytest.mark.parametrize("secret", ROLES)
def test_each_role_runs_what_its_permissions_allow(
    cli_home: Path, staff_login: Callable[[str], None], secret: str
) -> None:
    staff_login(secret)
    actor = STAFF[secret]
    for name, args in REPRESENTATIVES.items():
        exit_code, doc = _run(args)
        if permits(actor, COMMAND_PERMISSIONS[name]):
            assert _code(doc) != "forbidden", (secret, name, doc)
        else:
            assert (exit_code, _code(doc)) == (1, "forbidden"), (secret, name, doc)
    # Nothing a refused command could have done was done: no end of day ran.
    with Database(load_settings().resolved_database_url).engine.connect() as conn:
        assert conn.execute(sa.text("select count(*) from eod_runs")).scalar_one() == 0


def test_without_a_login_every_command_is_unauthenticated(
    cli_home: Path, staff_login: Callable[[str], None], monkeypatch: pytest.MonkeyPatch
) -> None:
    staff_login("fks_all")
    monkeypatch.delenv("FENGKONG_SESSION")
    for name, args in REPRESENTATIVES.items():
        exit_code, doc = _run(args)
        assert (exit_code, _code(doc)) == (1, "unauthenticated"), (name, doc)


def test_the_permitted_commands_reach_the_domain(
    cli_home: Path, staff_login: Callable[[str], None]
) -> None:
    """Run as the person holding every role, each representative does its work: a not-found
    for the ids that do not exist, a listing, the future date refused as bad input."""
    staff_login("fks_all")
    outcomes = {name: _run(args) for name, args in REPRESENTATIVES.items()}
    assert {name: (code, _code(doc)) for name, (code, doc) in outcomes.items()} == {
        "loan show": (1, "loan_not_found"),
        "loan accept": (1, "not_found"),
        "loan repay": (1, "loan_not_found"),
        "loan disburse": (1, "loan_not_found"),
        "loan write-off": (1, "loan_not_found"),
        "loan list": (0, None),
        "line show": (1, "line_not_found"),
        "line reinstate": (1, "line_not_found"),
        "servicing queue": (0, None),
        "servicing act": (1, "loan_not_found"),
        "servicing security": (1, "not_found"),
        "approvals list": (0, None),
        "approvals approve": (1, "approval_request_not_found"),
        "eod": (2, "invalid"),
    }


def _loan(db: Database, channel: str | None, key: str) -> str:
    """A loan paid out today, booked on an application that came through `channel`."""
    clock = SystemClock()
    svc = LendingServices(
        lambda: SqlUnitOfWork(db),
        clock,
        SimulatedGateway(),
        LendingConfig(),
        policy_products=POLICY_PRODUCTS,
    )
    application = seed_approved(db, clock, amount=300_000, terms=6)  # type: ignore[arg-type]
    with db.engine.begin() as conn:
        conn.execute(
            sa.text("update applications set channel = :c where id = :a"),
            {"c": channel, "a": application},
        )
    loan_id = accept_offer(application, f"acc-{key}", svc).record.loan_id
    disburse(loan_id, f"pay-{key}", svc)
    return loan_id


def test_a_channel_key_repays_and_reads_its_own_channels_loans_only(
    cli_home: Path, staff_login: Callable[[str], None]
) -> None:
    db = Database(load_settings().resolved_database_url)
    try:
        ours, theirs = _loan(db, "app", "ours"), _loan(db, "web", "theirs")
    finally:
        db.dispose()
    staff_login("fks_channel")  # a key of channel "app"
    for loan_id, code in ((theirs, "not_found"), (ours, None)):
        for args in (
            ["loan", "show", loan_id],
            ["loan", "settlement-quote", loan_id],
            ["loan", "repay", loan_id, "--amount", "10.00", "--key", f"r-{loan_id}"],
        ):
            exit_code, doc = _run(args)
            assert (exit_code, _code(doc)) == ((1, code) if code else (0, None)), (args, doc)
    staff_login("fks_officer")  # staff are not confined
    exit_code, doc = _run(["loan", "repay", theirs, "--amount", "10.00", "--key", "r-staff"])
    assert exit_code == 0, doc
    assert isinstance(doc, dict) and doc["amount"] == "10.00"
