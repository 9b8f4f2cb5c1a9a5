"""Migration 0018 edits the server's `link_application` in place, and its downgrade puts 0013's
definition back: the function's text follows the revision both ways (merges themselves are
checked against the in-memory graph in `tests/fraud`)."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from alembic import command

from fengkong.db.database import Database
from fengkong.db.migrate import alembic_config, upgrade

pytestmark = pytest.mark.postgres


def _definition(db: Database) -> str:
    with db.engine.connect() as conn:
        text: str = conn.execute(
            sa.text("select pg_get_functiondef('link_application'::regproc)")
        ).scalar_one()
        return text


def _downgrade(db: Database, revision: str) -> None:
    config = alembic_config(db)
    with db.engine.begin() as conn:
        config.attributes["connection"] = conn
        command.downgrade(config, revision)


def test_the_merge_runs_only_when_components_are_merged_and_downgrades(postgres_url: str) -> None:
    db = Database(postgres_url)
    try:
        upgrade(db)
        merged_when_needed = _definition(db)
        assert "if cardinality(held) > 1 then" in merged_when_needed
        assert "relabel_applications as" not in merged_when_needed

        _downgrade(db, "0015_velocity_record")
        assert "relabel_applications as" in _definition(db)

        upgrade(db)
        assert _definition(db) == merged_when_needed
    finally:
        db.dispose()
