"""What the access commands share: reading a password (prompted, hidden, or one line of standard
input), the wiring and the acting admin, and how users and keys print."""

from __future__ import annotations

import sys
from datetime import datetime
from typing import TYPE_CHECKING, Annotated, Any

import typer

from fengkong.core.errors import FieldError, Invalid

if TYPE_CHECKING:
    from fengkong.access.permissions import Permission
    from fengkong.access.records import ApiKey, TotpEnrolment, User
    from fengkong.bootstrap import Context
    from fengkong.core.actor import Actor

PasswordStdinOpt = Annotated[
    bool,
    typer.Option(
        "--password-stdin", help="Read the password from the first line of standard input."
    ),
]


def read_password(from_stdin: bool, *, confirm: bool, prompt: str = "Password") -> str:
    """The password from standard input's first line, or asked for without echo."""
    if from_stdin:
        line = sys.stdin.readline()
        password = line.rstrip("\r\n")
        if not password:
            raise Invalid((FieldError(("password",), "standard input held no password"),))
        return password
    value: str = typer.prompt(prompt, hide_input=True, confirmation_prompt=confirm)
    return value


def admin_context(permission: Permission) -> tuple[Context, Actor]:
    """The wiring and the actor the command runs as (logged in, or `FENGKONG_API_KEY`), once
    found to hold `permission` (the use cases check the admin's role again)."""
    from fengkong.cli.common import acting, context

    ctx = context()
    return ctx, acting(ctx, permission)


def _iso(value: datetime | None) -> str | None:
    return None if value is None else value.isoformat(timespec="seconds")


def user_doc(user: User, now: datetime) -> dict[str, Any]:
    return {
        "login": user.login,
        "display_name": user.display_name,
        "roles": sorted(r.value for r in user.roles),
        "status": user.status.value,
        "totp_enrolled": user.totp_secret_enc is not None,
        "locked_until": _iso(user.locked_until) if user.locked_at(now) else None,
        "failed_attempts": user.failed_attempts,
        "created_at": _iso(user.created_at),
        "created_by": user.created_by,
        "updated_at": _iso(user.updated_at),
    }


def key_doc(key: ApiKey, now: datetime) -> dict[str, Any]:
    status = "revoked" if key.revoked_at else ("active" if key.usable_at(now) else "expired")
    return {
        "name": key.name,
        "id": key.id,
        "status": status,
        "roles": sorted(r.value for r in key.roles),
        "channel": key.channel,
        "created_at": _iso(key.created_at),
        "created_by": key.created_by,
        "expires_at": _iso(key.expires_at),
        "revoked_at": _iso(key.revoked_at),
        "revoked_by": key.revoked_by,
        "last_used_at": _iso(key.last_used_at),
    }


def enrolment_doc(enrolment: TotpEnrolment | None) -> dict[str, str] | None:
    if enrolment is None:
        return None
    return {"secret": enrolment.secret, "uri": enrolment.uri}


def print_enrolment(enrolment: TotpEnrolment) -> None:
    from fengkong.cli.common import out

    out.print(
        f"TOTP enrolled for {enrolment.login}: add it to an authenticator app (shown once).",
        highlight=False,
    )
    out.print(f"  secret: {enrolment.secret}", highlight=False)
    out.print(f"  uri:    {enrolment.uri}", highlight=False, soft_wrap=True)
