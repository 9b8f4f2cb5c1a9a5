"""`fengkong login`, `logout`, `whoami`: a person's session on the command line. `login` writes
the session token to `<home>/session`, readable by its owner only, where every later command
finds it (`cli.common.current_actor`)."""

from __future__ import annotations

import os
from typing import Annotated

import typer

from fengkong.cli.access_common import PasswordStdinOpt, read_password
from fengkong.cli.common import (
    SESSION_FILE,
    JsonOpt,
    acting,
    cli_errors,
    context,
    emit_json,
    out,
    presented_secret,
)


@cli_errors
def login(
    login_name: Annotated[str, typer.Argument(metavar="LOGIN", help="Your login name.")],
    totp: Annotated[
        str | None,
        typer.Option("--totp", help="The code of your authenticator app (approvers, admins)."),
    ] = None,
    password_stdin: PasswordStdinOpt = False,
    as_json: JsonOpt = False,
) -> None:
    """Log in: the session is kept in `<home>/session` for the commands that follow."""
    from fengkong.access.logins import login as start

    ctx = context()
    password = read_password(password_stdin, confirm=False)
    started = start(ctx.access, login_name, password, totp)
    path = ctx.settings.home / SESSION_FILE
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    os.fchmod(fd, 0o600)  # a file that existed keeps its mode through O_CREAT: set it
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        fh.write(started.token + "\n")
    expires = started.session.expires_at.isoformat(timespec="seconds")
    doc = {
        "login": started.user.login,
        "roles": sorted(r.value for r in started.user.roles),
        "expires_at": expires,
        "session_file": str(path),
    }
    if as_json:
        emit_json(doc)
    else:
        out.print(
            f"logged in as {started.user.login} ({', '.join(doc['roles'])}) until {expires} "
            f"at the latest; session kept in {path}",
            highlight=False,
        )


@cli_errors
def logout(as_json: JsonOpt = False) -> None:
    """End the session this command line runs under and forget it (the stored session is
    forgotten even when it no longer holds)."""
    from fengkong.access.logins import logout as end
    from fengkong.access.permissions import Permission
    from fengkong.access.ports import SESSION_PREFIX
    from fengkong.core.errors import Invalid, Unauthenticated

    ctx = context()
    path = ctx.settings.home / SESSION_FILE
    secret = presented_secret(ctx)
    is_session = secret is None or secret.startswith(SESSION_PREFIX)
    try:
        acting(ctx, Permission.SESSION_OWN)
    except Unauthenticated:
        if is_session:  # a session that no longer holds is forgotten all the same
            path.unlink(missing_ok=True)
        raise
    if not is_session:
        raise Invalid(
            (), "an API key is not logged out: revoke it (`fengkong keys revoke`) if it leaked"
        )
    assert secret is not None  # `acting` authenticated it
    try:
        who = end(ctx.access, secret).audit_name
    finally:
        path.unlink(missing_ok=True)
    if as_json:
        emit_json({"logged_out": who})
    else:
        out.print(f"logged out {who}", highlight=False)


@cli_errors
def whoami(as_json: JsonOpt = False) -> None:
    """Who this command line acts as, and with which roles."""
    from fengkong.access.permissions import Permission

    ctx = context()
    actor = acting(ctx, Permission.SESSION_OWN)
    doc = {
        "name": actor.name,
        "kind": actor.kind,
        "audit_name": actor.audit_name,
        "roles": sorted(r.value for r in actor.roles),
        "channel": actor.channel,
    }
    if as_json:
        emit_json(doc)
    else:
        roles = ", ".join(doc["roles"]) or "no roles"  # type: ignore[arg-type]
        out.print(f"{actor.audit_name}: {roles}", highlight=False)
