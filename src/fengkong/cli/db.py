"""`fengkong db`: the database schema, backups and restoring one (`db.backup`).

`upgrade` needs no login (a new installation has no one to log in as); the others run as an
admin (`operations.run`), authenticated without touching the schema: a backup copies the
database as it is, and a restore replaces it."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from fengkong.cli.common import JsonOpt, acting, cli_errors, context, emit_json, err, out
from fengkong.core.settings import Settings, load_settings

app = typer.Typer(
    help="Database: schema, backup, restore, idempotency records.", no_args_is_help=True
)


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


def _as_operator() -> Settings:
    """The settings, once the actor is found to run the platform's operations (the schema left
    as it is)."""
    from fengkong.access.permissions import Permission

    ctx = context(migrate=False)
    try:
        acting(ctx, Permission.OPERATIONS_RUN)
    finally:
        ctx.close()
    return ctx.settings


def _holds_tables(url: str) -> bool:
    """Whether the database exists and holds any table (a SQLite file not yet made holds none,
    and is not made by asking)."""
    import sqlalchemy as sa

    parsed = sa.engine.make_url(url)
    sqlite = parsed.get_backend_name() == "sqlite"
    if sqlite and (not parsed.database or not Path(parsed.database).exists()):
        return False
    engine = sa.create_engine(parsed)
    try:
        with engine.connect() as conn:
            return bool(sa.inspect(conn).get_table_names())
    finally:
        engine.dispose()


@app.command("purge-idempotency")
@cli_errors
def db_purge_idempotency(as_json: JsonOpt = False) -> None:
    """Delete the API's stored responses whose retention has passed (docs/idempotency.md)."""
    from fengkong.access.permissions import Permission
    from fengkong.db.idempotency import SqlIdempotencyRecords

    ctx = context()
    try:
        acting(ctx, Permission.OPERATIONS_RUN)
        purged = SqlIdempotencyRecords(ctx.db).purge_expired(ctx.clock.now())
    finally:
        ctx.close()
    if as_json:
        emit_json({"purged": purged})
    else:
        out.print(f"{purged} expired idempotency records deleted")


def _outside_the_database(settings: Any) -> None:
    """Warn what a database backup does not hold, with where it lives."""
    err.print(
        "[yellow]not in the backup[/] (keep copies of these apart from it, the key ring "
        "somewhere other than the backups — without it the personal data in them cannot be "
        "read):",
        highlight=False,
    )
    err.print(f"  personal-data key ring: {settings.resolved_vault_key_file}", highlight=False)
    err.print(f"  model artifacts:        {settings.artifacts_dir}", highlight=False)
    err.print(
        "  the audit signing key and the policy file, where you configured them",
        highlight=False,
    )


@app.command("backup")
@cli_errors
def db_backup(
    out_path: Annotated[
        Path | None,
        typer.Option("--out", help="Backup file (default: HOME/backups/fengkong-…-TIME.tar)."),
    ] = None,
    as_json: JsonOpt = False,
) -> None:
    """Copy the database into one file, consistently while the platform runs (SQLite: the
    online backup API; PostgreSQL: pg_dump on an exported snapshot), with a manifest of what it
    holds: dialect, schema revisions, audit chain head and record count, time taken."""
    from fengkong.core.clock import SystemClock
    from fengkong.db.backup import backup, pg_tool

    if load_settings().resolved_database_url.startswith("postgresql"):
        pg_tool("pg_dump")  # a missing tool is said first, reachable database or not
    settings = _as_operator()
    url = settings.resolved_database_url
    now = SystemClock().now()
    if out_path is None:
        dialect = url.split(":", 1)[0].split("+", 1)[0]
        stamp = now.strftime("%Y%m%dT%H%M%SZ")
        out_path = settings.home / "backups" / f"fengkong-{dialect}-{stamp}.tar"
    manifest = backup(url, out_path, now)
    doc = {"file": str(out_path), "manifest": manifest.as_dict()}
    if as_json:
        emit_json(doc)
    else:
        out.print(
            f"backed up {manifest.dialect} to {out_path}: audit head seq {manifest.audit_seq} "
            f"({manifest.audit_hash[:12]}…), {manifest.audit_records} audit records, schema "
            f"{', '.join(manifest.schema_revisions)}",
            highlight=False,
        )
    _outside_the_database(settings)


@app.command("restore")
@cli_errors
def db_restore(
    path: Annotated[Path, typer.Argument(help="A file `fengkong db backup` wrote.")],
    yes: Annotated[
        bool, typer.Option("--yes", help="Replace a database that already holds tables.")
    ] = False,
    as_json: JsonOpt = False,
) -> None:
    """Restore a backup into the configured database (refused over one holding tables unless
    --yes), then verify it: the audit chain and the journal (`fengkong audit verify`'s checks)
    and the audit head against the backup's manifest. Exit 1 if any check fails.

    Over a database holding tables it runs as an admin of that database; into an empty one
    (recovering on a new server) there is no one to log in as, and nothing to replace."""
    from fengkong.core.errors import IntegrityBroken
    from fengkong.db.backup import database_state, restore
    from fengkong.db.database import Database
    from fengkong.db.migrate import head_revisions
    from fengkong.db.uow import SqlUnitOfWork
    from fengkong.ledger.verify import verify_books

    settings = load_settings()
    url = settings.resolved_database_url
    if _holds_tables(url):
        settings = _as_operator()
    manifest = restore(path, url, overwrite=yes)
    state = database_state(url)
    db = Database(url)
    try:
        with SqlUnitOfWork(db) as uow:
            report = verify_books(uow.audit.stream(), uow.audit.head(), uow.journal.entries())
        code_heads = head_revisions(db)
    finally:
        db.dispose()
    problems = [f"seq {f.seq}: {f.message}" for f in report.findings[:10]]
    for name in ("audit_seq", "audit_hash", "audit_records"):
        if state[name] != getattr(manifest, name):
            problems.append(f"{name} is {state[name]!r}, the backup's manifest says "
                            f"{getattr(manifest, name)!r}")  # fmt: skip
    behind = sorted(set(code_heads) - set(state["schema_revisions"]))
    doc = {
        "restored": str(path),
        "manifest": manifest.as_dict(),
        "database": state,
        "verified": not problems,
        "entries": report.entries,
        "problems": problems,
        "upgrade_needed": bool(behind),
    }
    if as_json:
        emit_json(doc)
    elif not problems:
        out.print(
            f"restored {path} ({manifest.created_at}): audit chain intact, {report.records} "
            f"records, head seq {state['audit_seq']} as in the backup; {report.entries} journal "
            "entries balance",
            highlight=False,
        )
    if behind:
        err.print("the schema is older than this version: run `fengkong db upgrade`")
    _outside_the_database(settings)
    if problems:
        raise IntegrityBroken("; ".join(problems))
