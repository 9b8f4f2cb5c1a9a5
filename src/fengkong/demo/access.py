"""The demo's people: one per role, and a channel key for the app, made in the demo's database
with passwords and TOTP secrets printed, since that database is for trying Fengkong out."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from typing import Any

from rich.console import Console
from rich.table import Table

from fengkong.access.keys import issue_key
from fengkong.access.users import bootstrap_admin, create_user
from fengkong.bootstrap import Context
from fengkong.core.actor import Role

# One person per role; approvers and admins log in with a TOTP code as well.
DEMO_STAFF: tuple[tuple[str, str, Role], ...] = (
    ("admin", "Ada Admin", Role.ADMIN),
    ("risk", "Rita Risk", Role.RISK_MANAGER),
    ("approver", "Alan Approver", Role.APPROVER),
    ("officer", "Olivia Officer", Role.OFFICER),
    ("auditor", "Audrey Auditor", Role.AUDITOR),
)
DEMO_KEY = "demo-app"


@dataclass(frozen=True, slots=True)
class DemoLogin:
    """A demo user; the password and TOTP secret only when this run created the user."""

    login: str
    roles: tuple[str, ...]
    password: str | None
    totp_secret: str | None


@dataclass(frozen=True, slots=True)
class DemoAccess:
    logins: tuple[DemoLogin, ...]
    key_name: str
    key_secret: str | None  # only when this run issued it

    def as_dict(self) -> dict[str, Any]:
        return {
            "users": [
                {
                    "login": u.login,
                    "roles": list(u.roles),
                    "password": u.password,
                    "totp_secret": u.totp_secret,
                }
                for u in self.logins
            ],
            "api_key": {"name": self.key_name, "secret": self.key_secret},
        }


def demo_access(ctx: Context) -> DemoAccess:
    """The demo's staff (`DEMO_STAFF`) and a channel key for the app, each made unless it exists
    already: a second run keeps them, and their passwords, as they are. New passwords are random
    and printed, as are TOTP secrets: the demo's database is for trying Fengkong out."""
    with ctx.uow() as uow:
        existing = {u.login: u for u in uow.users.all()}
        key = uow.api_keys.by_name(DEMO_KEY)
    logins: list[DemoLogin] = []
    admin = existing.get("admin")
    if admin is None:
        password = secrets.token_urlsafe(12)
        admin, enrolment = bootstrap_admin(
            ctx.access, login="admin", display_name="Ada Admin", password=password, by="cli:demo"
        )
        logins.append(DemoLogin("admin", ("admin",), password, enrolment.secret))
    else:
        logins.append(DemoLogin("admin", ("admin",), None, None))
    by = admin.actor()
    for login, name, role in DEMO_STAFF[1:]:
        if login in existing:
            logins.append(DemoLogin(login, (role.value,), None, None))
            continue
        password = secrets.token_urlsafe(12)
        _, made = create_user(
            ctx.access,
            by,
            login=login,
            display_name=name,
            roles=frozenset({role}),
            password=password,
        )
        logins.append(DemoLogin(login, (role.value,), password, made.secret if made else None))
    secret = None
    if key is None:
        secret = issue_key(ctx.access, by, name=DEMO_KEY, channel="app").secret
    return DemoAccess(tuple(logins), DEMO_KEY, secret)


def _whole_line(console: Console, text: str) -> None:
    """A line someone copies from: printed whole and as it is, never cut to the width."""
    console.print(text, highlight=False, soft_wrap=True, markup=False)


def render_access(access: DemoAccess, home: str, console: Console) -> None:
    """The demo's logins, and how to use them from the command line and over the API."""
    table = Table(title="demo logins (this database only)")
    for column in ("login", "roles", "password", "TOTP"):
        table.add_column(column, no_wrap=True)
    for u in access.logins:
        enrolled = "below" if u.totp_secret else "-"
        table.add_row(u.login, ", ".join(u.roles), u.password or "(unchanged)", enrolled)
    console.print(table)
    # Secrets on lines of their own, never cut to the terminal's width: they are copied.
    for u in access.logins:
        if u.totp_secret:
            _whole_line(console, f"TOTP secret of {u.login}: {u.totp_secret}")
    if access.key_secret:
        _whole_line(console, f"channel key {access.key_name} (app): {access.key_secret}")
    officer = next((u for u in access.logins if u.login == "officer"), None)
    password = officer.password if officer and officer.password else "<password>"
    _whole_line(
        console,
        "log in (TOTP code for admin and approver: "
        "python -c \"import pyotp; print(pyotp.TOTP('<TOTP secret>').now())\"):",
    )
    console.print(
        f"  export FENGKONG_HOME={home}\n"
        "  fengkong login officer            # asks for the password\n"
        "  fengkong login admin --totp <code>\n"
        "  fengkong whoami\n"
        "  fengkong serve   # then open http://127.0.0.1:8000/console/ (risk, approver, officer…)\n"
        "  # or, over the API:\n"
        "  curl -s -X POST localhost:8000/v1/sessions -H 'content-type: application/json' "
        f'-d \'{{"username": "officer", "password": "{password}"}}\'\n'
        "  curl -s localhost:8000/v1/me -H 'Authorization: Bearer <token>'\n"
        "  curl -s 'localhost:8000/v1/loans?dpd_min=30&limit=5' -H 'Authorization: Bearer <token>'\n"
        "  fengkong loan list --dpd-min 30        # the same from the command line, logged in\n"
        "  fengkong line list --status frozen\n"
        "  fengkong login risk; fengkong report vintage; fengkong alerts list   # the year watched",
        highlight=False,
        soft_wrap=True,
        markup=False,
    )


__all__ = ["DEMO_KEY", "DEMO_STAFF", "DemoAccess", "DemoLogin", "demo_access", "render_access"]
