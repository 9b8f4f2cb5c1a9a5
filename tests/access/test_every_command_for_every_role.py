"""Every command of the CLI is declared: in `COMMAND_PERMISSIONS` (the permission it needs) or in
`LOCAL_COMMANDS` (no login), and no declaration names a command that is gone. A command that
needs a permission runs as each role and as nobody: a role not granted it is refused
(`forbidden`, exit 1) before anything is done, a role granted it is let through, and without
credentials it is `unauthenticated` (exit 1).

`CASES` holds, for each permission the CLI uses, at least one command with minimal arguments
(an unknown id is enough: being let through and then not finding it is not being refused)."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import typer
from typer.testing import CliRunner

from access.test_lending_commands_for_every_role import REPRESENTATIVES
from factories import risky_body
from fakes.access import STAFF
from fengkong.access.permissions import COMMAND_PERMISSIONS, LOCAL_COMMANDS, Permission, permits
from fengkong.cli import GROUPS, app

runner = CliRunner()
P = Permission


def _commands(command: Any, path: tuple[str, ...]) -> Iterator[str]:
    if hasattr(command, "commands"):  # a group (Typer vendors Click: not `click.Group`)
        if getattr(command, "invoke_without_command", False):
            yield " ".join(path)  # a group that also runs on its own (`fengkong simulate`)
        # Click's contract for groups, which also loads the lazily registered ones
        ctx = typer.Context(command)
        for name in command.list_commands(ctx):
            yield from _commands(command.get_command(ctx, name), (*path, name))
    else:
        yield " ".join(path)


def commands_under(top: str) -> list[str]:
    """The commands as typed under the root's command `top` (itself, for a plain command)."""
    root = typer.main.get_command(app)
    ctx = typer.Context(root)
    return sorted(_commands(root.get_command(ctx, top), (top,)))  # type: ignore[attr-defined]


def _top_level() -> list[str]:
    root = typer.main.get_command(app)
    return list(root.list_commands(typer.Context(root)))  # type: ignore[attr-defined]


TOP_LEVEL = _top_level()


def test_the_walk_sees_every_group() -> None:
    assert set(GROUPS) <= set(TOP_LEVEL) and {"apply", "login", "eod-steps"} <= set(TOP_LEVEL)
    assert "review claim" in commands_under("review")
    assert commands_under("apply") == ["apply"]


@pytest.mark.parametrize("top", TOP_LEVEL)
def test_every_command_is_declared(top: str) -> None:
    undeclared = [
        c for c in commands_under(top) if c not in COMMAND_PERMISSIONS and c not in LOCAL_COMMANDS
    ]
    assert not undeclared, f"add to COMMAND_PERMISSIONS or LOCAL_COMMANDS: {undeclared}"


def test_no_declaration_is_stale_or_twice() -> None:
    existing = {c for top in TOP_LEVEL for c in commands_under(top)}
    assert not (set(COMMAND_PERMISSIONS) | LOCAL_COMMANDS) - existing
    assert not set(COMMAND_PERMISSIONS) & LOCAL_COMMANDS


# (permission, the command with minimal arguments); `{app}` is an application's JSON file.
CASES: list[tuple[Permission, list[str]]] = [
    # deciding, scoring, the session, and the groups db, model, decision, policy, review, fraud,
    # data-keys, users, keys, lists, audit, application and customer
    (P.APPLICATIONS_SUBMIT, ["apply", "{app}"]),
    (P.MODELS_TRAIN, ["score", "--model", "nope", "--data", "{app}", "--out", "{tmp}/o.csv"]),
    (P.MODELS_TRAIN, ["model", "request-promotion", "nope"]),
    (P.MODELS_READ, ["model", "list"]),
    (P.APPROVALS_DECIDE, ["model", "approve", "nope"]),
    (P.SESSION_OWN, ["whoami"]),
    (P.OPERATIONS_RUN, ["db", "purge-idempotency"]),
    (P.OPERATIONS_RUN, ["db", "backup", "--out", "{tmp}/backup.tar"]),
    (P.PORTFOLIO_SEARCH, ["decision", "list"]),
    (P.PORTFOLIO_SEARCH, ["application", "list"]),
    (P.DECISIONS_READ, ["decision", "show", "dec_nope"]),
    (P.APPLICATIONS_READ, ["application", "show", "app_nope"]),
    (P.APPLICATIONS_VERIFY, ["application", "verify", "app_nope", "liveness"]),
    (P.POLICIES_AUTHOR, ["policy", "request", "nope"]),
    (P.POLICIES_APPROVE, ["policy", "approve", "nope"]),
    (P.POLICIES_READ, ["policy", "list"]),
    (P.POLICIES_BACKTEST, ["policy", "backtest", "nope", "--since", "2026-01-01"]),
    (P.REVIEW_READ, ["review", "list"]),
    (P.REVIEW_WORK, ["review", "claim", "rev_nope"]),
    (P.REVIEW_WORK, ["review", "decline", "rev_nope", "--comment", "why"]),
    (P.LISTS_READ, ["lists", "show"]),
    (P.LISTS_MANAGE, ["lists", "remove", "lst_nope", "--reason", "why"]),
    (P.AUDIT_READ, ["audit", "public-key"]),
    (P.USERS_MANAGE, ["users", "disable", "nobody"]),
    (P.USERS_MANAGE, ["keys", "revoke", "nothing"]),
    (P.USERS_READ, ["users", "list"]),
    (P.USERS_READ, ["keys", "list"]),
    (P.CUSTOMERS_READ, ["customer", "list"]),
    (P.REPORTS_READ, ["report", "portfolio"]),
    (P.REPORTS_READ, ["report", "vintage"]),
    (P.REPORTS_READ, ["report", "rolls"]),
    (P.REPORTS_READ, ["report", "concentration"]),
    (P.REPORTS_READ, ["report", "monthly", "--json"]),
    (P.REPORTS_READ, ["report", "drift", "--model", "nope"]),
    (P.REPORTS_READ, ["report", "fairness", "--model", "nope"]),
    (P.OPERATIONS_RUN, ["report", "rebuild", "--from", "2026-01-01", "--to", "2026-01-01"]),
    (P.REPORTS_READ, ["alerts", "list"]),
    (P.ALERTS_ACK, ["alerts", "ack", "alr_nope", "--note", "seen"]),
    (P.ALERTS_ACK, ["alerts", "evaluate"]),
    (P.SOURCES_READ, ["sources", "list", "--application", "app_nope"]),
    (P.SOURCES_IMPORT, ["sources", "import", "credit_bureau", "{app}", "--application", "app_x"]),
    (P.OPERATIONS_RUN, ["sources", "purge", "--dry-run"]),
    (P.SOURCES_FETCH, ["sources", "fetch", "credit_bureau", "--application", "app_nope"]),
]
ROLES = [s for s in STAFF if s != "fks_all"] + [None]  # every role alone, and no login


def test_every_permission_the_cli_uses_is_tried() -> None:
    # The lending groups' commands are tried per role in test_lending_commands_for_every_role.
    lending = {COMMAND_PERMISSIONS[c] for c in REPRESENTATIVES}
    assert set(COMMAND_PERMISSIONS.values()) <= {p for p, _ in CASES} | lending
    for permission, args in CASES:
        typed = " ".join(a for a in args if not a.startswith(("-", "{")))
        declared = [c for c, p in COMMAND_PERMISSIONS.items() if typed.startswith(c)]
        assert declared and all(COMMAND_PERMISSIONS[c] is permission for c in declared), args


@pytest.fixture(scope="module")
def home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One installation for the module (SQLite under its home): what is tried is the check that
    comes before any work, not the work."""
    tmp = tmp_path_factory.mktemp("roles")
    (tmp / "application.json").write_text(json.dumps(risky_body()), encoding="utf-8")
    return tmp


@pytest.fixture
def installed(home: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("FENGKONG_HOME", str(home / "home"))
    monkeypatch.delenv("FENGKONG_DATABASE_URL", raising=False)
    monkeypatch.setenv("FENGKONG_CONFIG", str(home / "absent.toml"))
    return home


def _run(args: list[str], tmp: Path) -> tuple[int, dict[str, Any] | list[Any] | None]:
    typed = [a.format(app=tmp / "application.json", tmp=tmp) for a in args]
    result = runner.invoke(app, [*typed, "--json"])
    try:
        return result.exit_code, json.loads(result.stdout)
    except json.JSONDecodeError:
        return result.exit_code, None


@pytest.mark.parametrize("secret", ROLES, ids=lambda s: "nobody" if s is None else s)
@pytest.mark.parametrize(("permission", "args"), CASES, ids=[" ".join(a[:2]) for _, a in CASES])
def test_a_command_as_each_role(
    permission: Permission,
    args: list[str],
    secret: str | None,
    installed: Path,
    staff_login: Callable[[str], None],
) -> None:
    if secret is not None:
        staff_login(secret)
    code, doc = _run(args, installed)
    refusal = doc.get("code") if isinstance(doc, dict) and code != 0 else None
    if secret is None:
        assert (code, refusal) == (1, "unauthenticated"), doc
    elif permits(STAFF[secret], permission):
        assert refusal not in ("forbidden", "unauthenticated"), doc
    else:
        assert (code, refusal) == (1, "forbidden"), doc
