"""Every table the code declares is exactly what the migrations build, on SQLite and PostgreSQL:
a column, index or constraint added to one and not the other fails here."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from fengkong.db.database import Database
from fengkong.db.migrate import upgrade
from fengkong.db.tables import load_all_tables


def test_metadata_matches_the_migrations(database_url: str) -> None:
    db = Database(database_url)
    upgrade(db)
    try:
        with db.engine.connect() as conn:
            context = MigrationContext.configure(conn, opts={"compare_type": True})
            diffs = compare_metadata(context, load_all_tables())
    finally:
        db.dispose()
    assert diffs == []
