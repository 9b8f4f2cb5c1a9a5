"""The access commands end to end: bootstrap the first admin (once), log in with a TOTP code,
manage users and keys as that admin, refused to a non-admin; `login` keeps the session in
`<home>/session` readable by its owner only, `whoami` names it, `logout` ends it."""

from __future__ import annotations

import json
import stat
from pathlib import Path
from typing import Any

import pyotp
import pytest
from typer.testing import CliRunner

from fengkong.cli import app

runner = CliRunner()
ADMIN_PASSWORD = "admin password long enough"
OFFICER_PASSWORD = "officer password long enough"


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, database_url: str) -> Path:
    monkeypatch.setenv("FENGKONG_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("FENGKONG_DATABASE_URL", database_url)
    monkeypatch.setenv("FENGKONG_CONFIG", str(tmp_path / "absent.toml"))
    # argon2 at a low cost: hashing at production cost is slow by design
    monkeypatch.setenv("FENGKONG_ACCESS_ARGON2_TIME_COST", "1")
    monkeypatch.setenv("FENGKONG_ACCESS_ARGON2_MEMORY_KIB", "64")
    monkeypatch.setenv("FENGKONG_ACCESS_ARGON2_PARALLELISM", "1")
    for name in ("FENGKONG_API_KEY", "FENGKONG_SESSION"):
        monkeypatch.delenv(name, raising=False)
    return tmp_path / "home"


def run(*args: str, stdin: str | None = None, code: int = 0) -> Any:
    result = runner.invoke(app, [*args, "--json"], input=stdin)
    assert result.exit_code == code, result.output
    return json.loads(result.stdout)


def admin_logged_in() -> None:
    made = run(
        "users",
        "bootstrap-admin",
        "adam",
        "--name",
        "Adam",
        "--password-stdin",
        stdin=ADMIN_PASSWORD + "\n",
    )
    code = pyotp.TOTP(made["totp"]["secret"]).now()
    run("login", "adam", "--totp", code, "--password-stdin", stdin=ADMIN_PASSWORD + "\n")


def test_bootstrap_login_and_manage(home: Path) -> None:
    made = run("users", "bootstrap-admin", "adam", "--password-stdin", stdin=ADMIN_PASSWORD + "\n")
    assert made["roles"] == ["admin"] and made["totp"]["uri"].startswith("otpauth://totp/")
    again = run(
        "users", "bootstrap-admin", "eve", "--password-stdin", stdin=ADMIN_PASSWORD + "\n", code=1
    )
    assert again["code"] == "admin_exists"

    # No TOTP code: refused with the one message for every failure.
    refused = run("login", "adam", "--password-stdin", stdin=ADMIN_PASSWORD + "\n", code=1)
    assert refused["category"] == "unauthenticated"
    code = pyotp.TOTP(made["totp"]["secret"]).now()
    logged = run("login", "adam", "--totp", code, "--password-stdin", stdin=ADMIN_PASSWORD + "\n")
    session = home / "session"
    assert logged["login"] == "adam" and session.read_text().startswith("fks_")
    assert stat.S_IMODE(session.stat().st_mode) == 0o600
    assert run("whoami")["audit_name"] == "user:adam"

    created = run(
        "users",
        "create",
        "olivia",
        "--role",
        "officer",
        "--name",
        "Olivia",
        "--password-stdin",
        stdin=OFFICER_PASSWORD + "\n",
    )
    assert created["roles"] == ["officer"] and created["totp"] is None
    approver = run("users", "roles", "olivia", "--role", "officer,approver")
    assert approver["roles"] == ["approver", "officer"] and approver["totp"]["secret"]
    assert [u["login"] for u in run("users", "list")["users"]] == ["adam", "olivia"]
    assert run("users", "disable", "olivia")["status"] == "disabled"
    assert run("users", "enable", "olivia")["status"] == "active"
    assert run("users", "unlock", "olivia")["locked_until"] is None
    run("users", "reset-password", "olivia", "--password-stdin", stdin="a new password here\n")
    assert run("users", "enrol-totp", "olivia")["totp"]["uri"].startswith("otpauth://")
    assert run("users", "show", "olivia")["totp_enrolled"] is True

    issued = run("keys", "issue", "app-android", "--channel", "app", "--expires-days", "30")
    assert issued["secret"].startswith("fkk_") and issued["status"] == "active"
    listed = run("keys", "list")["keys"]
    assert [k["name"] for k in listed] == ["app-android"] and "secret" not in listed[0]
    assert run("keys", "revoke", "app-android")["status"] == "revoked"

    assert run("logout")["logged_out"] == "user:adam"
    assert not session.exists()
    assert run("whoami", code=1)["category"] == "unauthenticated"


def test_a_non_admin_cannot_manage(home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    admin_logged_in()
    run(
        "users",
        "create",
        "olivia",
        "--role",
        "officer",
        "--password-stdin",
        stdin=OFFICER_PASSWORD + "\n",
    )
    issued = run("keys", "issue", "web", "--channel", "web")
    run("login", "olivia", "--password-stdin", stdin=OFFICER_PASSWORD + "\n")
    assert run("users", "list", code=1)["category"] == "forbidden"
    assert run("keys", "issue", "x", "--channel", "app", code=1)["category"] == "forbidden"
    monkeypatch.setenv("FENGKONG_API_KEY", issued["secret"])
    who = run("whoami")
    assert (who["audit_name"], who["channel"]) == ("key:web", "web")
    assert run("logout", code=2)["category"] == "invalid"


def test_bad_input_exits_2(home: Path) -> None:
    short = run("users", "bootstrap-admin", "adam", "--password-stdin", stdin="short\n", code=2)
    assert short["errors"][0]["loc"] == ["password"]
    admin_logged_in()
    role = run(
        "users",
        "create",
        "o1",
        "--role",
        "boss",
        "--password-stdin",
        stdin=OFFICER_PASSWORD + "\n",
        code=2,
    )
    assert role["errors"][0]["allowed"][0] == "channel"
    channel = run("keys", "issue", "k", "--channel", "fax", code=2)
    assert channel["errors"][0]["loc"] == ["channel"]


def test_unknown_user_and_wrong_password_say_the_same(home: Path) -> None:
    admin_logged_in()
    run(
        "users",
        "create",
        "olivia",
        "--role",
        "officer",
        "--password-stdin",
        stdin=OFFICER_PASSWORD + "\n",
    )
    unknown = run("login", "nobody", "--password-stdin", stdin=OFFICER_PASSWORD + "\n", code=1)
    wrong = run("login", "olivia", "--password-stdin", stdin="wrong password xx\n", code=1)
    assert unknown["detail"] == wrong["detail"]
