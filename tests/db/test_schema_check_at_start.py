"""Every command that opens the books checks the schema first (`db.migrate.ensure_current`). A
database at the heads of the shipped migrations is recognised from its `alembic_version` rows
and the heads read from the scripts, without Alembic; any other goes through Alembic's upgrade
and ends at those heads. On SQLite and PostgreSQL."""

from __future__ import annotations

from unittest import mock

import pytest
from alembic.script import ScriptDirectory

from fengkong.db import migrate
from fengkong.db.database import Database
from fengkong.db.migrate import (
    alembic_config,
    current_revisions,
    ensure_current,
    recorded_revisions,
    script_heads,
    upgrade,
)

BEFORE = "0023_request_id"  # an old revision on one branch: the database lacks what follows


@pytest.fixture
def fresh(empty_database_url: str) -> Database:
    return Database(empty_database_url)


def test_the_heads_read_from_the_scripts_are_alembics(fresh: Database) -> None:
    """What the start-up check compares with is what Alembic leaves in `alembic_version` after
    every upgrade: its heads, a head another revision depends on excepted."""
    scripts = ScriptDirectory.from_config(alembic_config(fresh))
    assert script_heads() == tuple(sorted(scripts.get_heads(consider_depends_on=True)))
    fresh.dispose()


def test_a_new_database_is_migrated_to_the_heads(fresh: Database) -> None:
    try:
        assert recorded_revisions(fresh) is None
        ensure_current(fresh)
        assert recorded_revisions(fresh) == script_heads()
        assert current_revisions(fresh) == script_heads()
    finally:
        fresh.dispose()


def test_a_database_behind_is_upgraded(fresh: Database) -> None:
    try:
        upgrade(fresh, BEFORE)
        assert recorded_revisions(fresh) != script_heads()
        ensure_current(fresh)
        assert current_revisions(fresh) == script_heads()
    finally:
        fresh.dispose()


def test_a_database_at_the_heads_is_left_to_itself(fresh: Database) -> None:
    """Alembic's upgrade is not run at all: nothing is written, and start-up does not pay for
    loading it."""
    try:
        upgrade(fresh)
        with mock.patch.object(migrate, "upgrade") as alembic_upgrade:
            ensure_current(fresh)
        alembic_upgrade.assert_not_called()
        assert current_revisions(fresh) == script_heads()
    finally:
        fresh.dispose()


def test_revisions_the_scripts_do_not_know_go_to_alembic(fresh: Database) -> None:
    """A database migrated by newer code is Alembic's to judge (it refuses revisions it cannot
    locate), exactly as before the check existed."""
    try:
        upgrade(fresh)
        with fresh.engine.begin() as conn:
            conn.exec_driver_sql(
                "update alembic_version set version_num = 'from_the_future'"
                " where version_num = '0004'"
            )
        with mock.patch.object(migrate, "upgrade") as alembic_upgrade:
            ensure_current(fresh)
        alembic_upgrade.assert_called_once_with(fresh)
    finally:
        fresh.dispose()
