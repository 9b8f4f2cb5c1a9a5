"""`fengkong db`: the database schema."""

from __future__ import annotations

import typer

from fengkong.cli.common import JsonOpt, cli_errors, emit_json, out
from fengkong.core.settings import load_settings

app = typer.Typer(help="Database schema.", no_args_is_help=True)


@app.command("upgrade")
@cli_errors
def db_upgrade(as_json: JsonOpt = False) -> None:
    """Apply every migration the database lacks."""
    from fengkong.db.database import Database
    from fengkong.db.migrate import current_revisions, upgrade

    settings = load_settings()
    db = Database(settings.resolved_database_url)
    db.ping()
    upgrade(db)
    revision = ", ".join(current_revisions(db))
    if as_json:
        emit_json({"database": db.describe(), "revision": revision})
    else:
        out.print(f"database {db.describe()} is at revision {revision}")


@app.command("purge-idempotency")
@cli_errors
def db_purge_idempotency(as_json: JsonOpt = False) -> None:
    """Delete the API's stored responses whose retention has passed (docs/idempotency.md)."""
    from fengkong.core.clock import SystemClock
    from fengkong.db.database import Database
    from fengkong.db.idempotency import SqlIdempotencyRecords
    from fengkong.db.migrate import ensure_current

    settings = load_settings()
    db = Database(settings.resolved_database_url)
    try:
        ensure_current(db)
        purged = SqlIdempotencyRecords(db).purge_expired(SystemClock().now())
    finally:
        db.dispose()
    if as_json:
        emit_json({"purged": purged})
    else:
        out.print(f"{purged} expired idempotency records deleted")
