"""The fraud-signal tables the code declares are the tables migrations 0002 and 0010 build, on
SQLite and PostgreSQL (the partial bad-neighbour index included)."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from fengkong.db.database import Database
from fengkong.db.migrate import upgrade
from fengkong.db.tables import load_all_tables

MINE = {
    "velocity_events",
    "fraud_list_entries",
    "link_components",
    "link_applications",
    "link_keys",
    "link_edges",
    "link_key_ids",
}


def _table_of(diff: object) -> str | None:
    for part in diff if isinstance(diff, list) else [diff]:
        for thing in part[1:] if isinstance(part, tuple) else ():
            name = getattr(thing, "name", None)
            table = getattr(thing, "table", None)
            if table is not None and getattr(table, "name", None) in MINE:
                return str(table.name)
            if name in MINE:
                return str(name)
            if isinstance(thing, str) and thing in MINE:
                return thing
    return None


def test_metadata_matches_the_migration(database_url: str) -> None:
    db = Database(database_url)
    upgrade(db)
    try:
        with db.engine.connect() as conn:
            context = MigrationContext.configure(conn, opts={"compare_type": True})
            diffs = compare_metadata(context, load_all_tables())
    finally:
        db.dispose()
    assert [d for d in diffs if _table_of(d) is not None] == []
