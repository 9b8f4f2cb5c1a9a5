"""`fengkong keys …`: API keys for the lender's channels and partners. Run as a logged-in admin
(`users.manage`; `list` also as an auditor, `users.read`). `issue` prints the secret once: it
is stored only hashed."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated

import typer

from fengkong.access.permissions import Permission
from fengkong.cli.access_common import admin_context, key_doc
from fengkong.cli.common import JsonOpt, cli_errors, emit_json, out

app = typer.Typer(
    help="API keys for channels and partners: issue, list, revoke.", no_args_is_help=True
)

NameArg = Annotated[str, typer.Argument(help="The key's name, e.g. app-android (unique).")]


@app.command("issue")
@cli_errors
def issue(
    name: NameArg,
    channel: Annotated[
        str | None,
        typer.Option(
            help="The sales channel it submits for: api, app, branch, mini_program, partner, web."
        ),
    ] = None,
    role: Annotated[
        list[str] | None,
        typer.Option(
            "--role",
            help="Roles (repeat); default channel; metrics_scraper for a Prometheus scraper's "
            "key (reads /metrics only). Never approver or admin.",
        ),
    ] = None,
    expires_days: Annotated[
        int | None,
        typer.Option(
            help="Days until it expires; default FENGKONG_ACCESS_KEY_LIFETIME_DAYS.", min=1
        ),
    ] = None,
    no_expiry: Annotated[bool, typer.Option(help="A key that does not expire.")] = False,
    as_json: JsonOpt = False,
) -> None:
    """Issue a key and print its secret, once."""
    from fengkong.access.keys import DEFAULT, issue_key
    from fengkong.access.records import parse_roles
    from fengkong.core.actor import Role

    ctx, actor = admin_context(Permission.USERS_MANAGE)
    roles = parse_roles([r for v in role for r in v.split(",") if r.strip()]) if role else None
    expires: object = DEFAULT
    if no_expiry:
        expires = None
    elif expires_days is not None:
        expires = ctx.clock.now() + timedelta(days=expires_days)
    issued = issue_key(
        ctx.access,
        actor,
        name=name,
        roles=roles or frozenset({Role.CHANNEL}),
        channel=channel,
        expires_at=expires,
    )
    doc = {**key_doc(issued.key, ctx.clock.now()), "secret": issued.secret}
    if as_json:
        emit_json(doc)
        return
    out.print(
        f"issued key {issued.key.name} (channel {issued.key.channel or '-'}, expires "
        f"{doc['expires_at'] or 'never'})",
        highlight=False,
    )
    out.print("secret (shown once; send it as `Authorization: Bearer <secret>` or X-API-Key):")
    out.print(issued.secret, highlight=False, soft_wrap=True)


@app.command("list")
@cli_errors
def list_(as_json: JsonOpt = False) -> None:
    """Every key, revoked and expired ones included; never a secret."""
    from fengkong.access.keys import list_keys
    from fengkong.cli.finding import rows_table

    ctx, actor = admin_context(Permission.USERS_READ)
    now = ctx.clock.now()
    docs = [key_doc(k, now) for k in list_keys(ctx.access, actor)]
    if as_json:
        emit_json({"keys": docs})
        return
    rows = [
        {
            "name": d["name"],
            "status": d["status"],
            "roles": ", ".join(d["roles"]),
            "channel": d["channel"] or "-",
            "expires": (d["expires_at"] or "never")[:10],
            "last used": d["last_used_at"] or "never",
            "by": d["created_by"],
        }
        for d in docs
    ]
    out.print(rows_table(rows, "API keys"))


@app.command("revoke")
@cli_errors
def revoke(name: NameArg, as_json: JsonOpt = False) -> None:
    """Revoke a key: refused from now on. Its name is not given to another key."""
    from fengkong.access.keys import revoke_key

    ctx, actor = admin_context(Permission.USERS_MANAGE)
    doc = key_doc(revoke_key(ctx.access, actor, name), ctx.clock.now())
    if as_json:
        emit_json(doc)
    else:
        out.print(f"revoked key {doc['name']} at {doc['revoked_at']}", highlight=False)
