"""`fengkong users …`: the people who log in. Every command but `bootstrap-admin` runs as a
logged-in admin (`fengkong login`, or `FENGKONG_SESSION`; `users.manage`); `list` and `show`
also as an auditor (`users.read`). `bootstrap-admin` needs no login (there is no one to log in
as yet): it names the operating-system user who ran it.
Passwords are asked for without echo, or read from standard input with `--password-stdin`."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any

import typer

from fengkong.access.permissions import Permission
from fengkong.cli.access_common import (
    PasswordStdinOpt,
    admin_context,
    enrolment_doc,
    print_enrolment,
    read_password,
    user_doc,
)
from fengkong.cli.common import JsonOpt, actor_of_cli, cli_errors, context, emit_json, out

if TYPE_CHECKING:
    from fengkong.core.actor import Role

app = typer.Typer(
    help="Users: bootstrap the first admin, create, list, disable, roles, passwords, TOTP.",
    no_args_is_help=True,
)

LoginArg = Annotated[str, typer.Argument(help="The user's login name.")]
RolesOpt = Annotated[
    list[str],
    typer.Option(
        "--role",
        help="A role (repeat for several): channel, officer, risk_manager, approver, auditor, "
        "admin.",
    ),
]
NameOpt = Annotated[str, typer.Option("--name", help="Display name (default: the login).")]


def _roles(values: list[str]) -> frozenset[Role]:
    from fengkong.access.records import parse_roles

    return parse_roles([r for v in values for r in v.split(",") if r.strip()])


def _print_user(doc: dict[str, Any], verb: str) -> None:
    out.print(
        f"{verb} {doc['login']} ({doc['display_name']}): roles {', '.join(doc['roles'])}; "
        f"{doc['status']}"
        + (f"; locked until {doc['locked_until']}" if doc.get("locked_until") else ""),
        highlight=False,
    )


@app.command("bootstrap-admin")
@cli_errors
def bootstrap_admin(
    login: LoginArg,
    name: NameOpt = "",
    password_stdin: PasswordStdinOpt = False,
    as_json: JsonOpt = False,
) -> None:
    """Create the first admin, only while no active admin exists; prints the TOTP enrolment."""
    from fengkong.access.users import bootstrap_admin as make

    ctx = context()
    password = read_password(password_stdin, confirm=True)
    user, enrolment = make(
        ctx.access, login=login, display_name=name, password=password, by=actor_of_cli()
    )
    doc = {**user_doc(user, ctx.clock.now()), "totp": enrolment_doc(enrolment)}
    if as_json:
        emit_json(doc)
        return
    _print_user(doc, "created admin")
    print_enrolment(enrolment)
    out.print(f"next: fengkong login {user.login} --totp <code>", highlight=False)


@app.command("create")
@cli_errors
def create(
    login: LoginArg,
    role: RolesOpt,
    name: NameOpt = "",
    password_stdin: PasswordStdinOpt = False,
    as_json: JsonOpt = False,
) -> None:
    """Create a user with the given roles; approvers and admins are enrolled for TOTP."""
    from fengkong.access.users import create_user

    ctx, actor = admin_context(Permission.USERS_MANAGE)
    roles = _roles(role)
    password = read_password(password_stdin, confirm=True)
    user, enrolment = create_user(
        ctx.access, actor, login=login, display_name=name, roles=roles, password=password
    )
    doc = {**user_doc(user, ctx.clock.now()), "totp": enrolment_doc(enrolment)}
    if as_json:
        emit_json(doc)
        return
    _print_user(doc, "created")
    if enrolment is not None:
        print_enrolment(enrolment)


@app.command("list")
@cli_errors
def list_(as_json: JsonOpt = False) -> None:
    """Every user, by login name."""
    from fengkong.access.users import list_users
    from fengkong.cli.finding import rows_table

    ctx, actor = admin_context(Permission.USERS_READ)
    now = ctx.clock.now()
    docs = [user_doc(u, now) for u in list_users(ctx.access, actor)]
    if as_json:
        emit_json({"users": docs})
        return
    rows = [
        {
            "login": d["login"],
            "name": d["display_name"],
            "roles": ", ".join(d["roles"]),
            "status": d["status"] + (" (locked)" if d["locked_until"] else ""),
            "TOTP": "yes" if d["totp_enrolled"] else "no",
            "created": (d["created_at"] or "")[:10],
        }
        for d in docs
    ]
    out.print(rows_table(rows, "users"))


@app.command("show")
@cli_errors
def show(login: LoginArg, as_json: JsonOpt = False) -> None:
    """One user."""
    from fengkong.access.users import get_user

    ctx, actor = admin_context(Permission.USERS_READ)
    doc = user_doc(get_user(ctx.access, actor, login), ctx.clock.now())
    if as_json:
        emit_json(doc)
        return
    for key, value in doc.items():
        out.print(f"{key}: {value}", highlight=False)


def _change(verb: str, login: str, as_json: bool) -> None:
    from fengkong.access import users

    ctx, actor = admin_context(Permission.USERS_MANAGE)
    use_case = {
        "disabled": users.disable_user,
        "enabled": users.enable_user,
        "unlocked": users.unlock_user,
    }[verb]
    doc = user_doc(use_case(ctx.access, actor, login), ctx.clock.now())
    if as_json:
        emit_json(doc)
    else:
        _print_user(doc, verb)


@app.command("disable")
@cli_errors
def disable(login: LoginArg, as_json: JsonOpt = False) -> None:
    """Disable a user and end their sessions."""
    _change("disabled", login, as_json)


@app.command("enable")
@cli_errors
def enable(login: LoginArg, as_json: JsonOpt = False) -> None:
    """Enable a disabled user."""
    _change("enabled", login, as_json)


@app.command("unlock")
@cli_errors
def unlock(login: LoginArg, as_json: JsonOpt = False) -> None:
    """Lift a lock-out after failed logins before it runs out."""
    _change("unlocked", login, as_json)


@app.command("roles")
@cli_errors
def roles(login: LoginArg, role: RolesOpt, as_json: JsonOpt = False) -> None:
    """Replace a user's roles (give every role they keep)."""
    from fengkong.access.users import set_roles

    ctx, actor = admin_context(Permission.USERS_MANAGE)
    user, enrolment = set_roles(ctx.access, actor, login, _roles(role))
    doc = {**user_doc(user, ctx.clock.now()), "totp": enrolment_doc(enrolment)}
    if as_json:
        emit_json(doc)
        return
    _print_user(doc, "roles set:")
    if enrolment is not None:
        print_enrolment(enrolment)


@app.command("reset-password")
@cli_errors
def reset_password(
    login: LoginArg, password_stdin: PasswordStdinOpt = False, as_json: JsonOpt = False
) -> None:
    """Set a new password; lifts a lock-out and ends the user's sessions."""
    from fengkong.access.users import reset_password as reset

    ctx, actor = admin_context(Permission.USERS_MANAGE)
    password = read_password(password_stdin, confirm=True, prompt="New password")
    doc = user_doc(reset(ctx.access, actor, login, password), ctx.clock.now())
    if as_json:
        emit_json(doc)
    else:
        _print_user(doc, "password reset for")


@app.command("enrol-totp")
@cli_errors
def enrol_totp(login: LoginArg, as_json: JsonOpt = False) -> None:
    """A new TOTP secret for the user (a lost phone); the former one stops working."""
    from fengkong.access.users import enrol_totp as enrol

    ctx, actor = admin_context(Permission.USERS_MANAGE)
    enrolment = enrol(ctx.access, actor, login)
    if as_json:
        emit_json({"login": enrolment.login, "totp": enrolment_doc(enrolment)})
    else:
        print_enrolment(enrolment)
