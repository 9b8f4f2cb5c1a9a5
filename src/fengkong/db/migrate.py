"""Alembic, driven from code: the migrations ship inside the package, so no alembic.ini is needed.

Every command that opens the books first makes sure the schema is current (`ensure_current`).
A database already at the heads of the shipped migrations is recognised without loading Alembic:
the revisions in its `alembic_version` table are compared with the heads read from the scripts'
own `revision`/`down_revision`/`depends_on` lines (`script_heads`; a test holds them equal to
Alembic's). Only a database that lacks a migration, or that Alembic must judge (no version
table yet, revisions these scripts do not know), goes through Alembic's upgrade."""

from __future__ import annotations

import ast
import functools
import re
from pathlib import Path
from typing import TYPE_CHECKING

import sqlalchemy as sa

from fengkong.db.database import Database

if TYPE_CHECKING:
    from alembic.config import Config

MIGRATIONS = Path(__file__).with_name("migrations")
# The module-level assignments Alembic reads from a revision script.
_IDENTIFIERS = re.compile(
    r"^(revision|down_revision|depends_on)\s*(?::[^=\n]*)?=\s*(.+?)\s*(?:#.*)?$", re.MULTILINE
)


def alembic_config(db: Database) -> Config:
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("sqlalchemy.url", db.describe().replace("%", "%%"))
    return config


def upgrade(db: Database, revision: str = "heads") -> None:
    """Run Alembic's upgrade to `revision`, whatever the database's revisions are."""
    from alembic import command

    config = alembic_config(db)
    with db.engine.begin() as conn:
        config.attributes["connection"] = conn
        command.upgrade(config, revision)


def ensure_current(db: Database) -> None:
    """Bring the database to the heads of the shipped migrations: nothing to do (and Alembic not
    loaded) when its recorded revisions are those heads, else Alembic's upgrade."""
    if recorded_revisions(db) != script_heads():
        upgrade(db)


def recorded_revisions(db: Database) -> tuple[str, ...] | None:
    """The revisions in the database's `alembic_version` table, sorted; None when it has no
    such table (a new database) or it cannot be read."""
    try:
        with db.read_only_view().engine.connect() as conn:
            rows = conn.execute(sa.text("select version_num from alembic_version")).scalars()
            return tuple(sorted(rows))
    except sa.exc.DBAPIError:
        return None


@functools.cache
def script_heads() -> tuple[str, ...]:
    """The heads of the shipped migrations, sorted: every revision no other script names as its
    `down_revision` or in its `depends_on` (Alembic's own notion of a head)."""
    revisions: set[str] = set()
    below: set[str] = set()
    for script in sorted((MIGRATIONS / "versions").glob("*.py")):
        found: dict[str, object] = {}
        for name, value in _IDENTIFIERS.findall(script.read_text(encoding="utf-8")):
            found.setdefault(name, ast.literal_eval(value))
        revision = found.get("revision")
        if not isinstance(revision, str):
            continue  # not a revision script
        revisions.add(revision)
        for key in ("down_revision", "depends_on"):
            below.update(_names(found.get(key)))
    return tuple(sorted(revisions - below))


def _names(value: object) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, str):
        return (value,)
    if isinstance(value, (tuple, list)) and all(isinstance(v, str) for v in value):
        return tuple(value)
    raise ValueError(f"a revision script names {value!r} where revision ids belong")


def current_revisions(db: Database) -> tuple[str, ...]:
    from alembic.runtime.migration import MigrationContext

    with db.engine.connect() as conn:
        return tuple(sorted(MigrationContext.configure(conn).get_current_heads()))


def head_revisions(db: Database) -> tuple[str, ...]:
    """Every head: each area's tables may grow on a branch of its own from the initial revision."""
    from alembic.script import ScriptDirectory

    return tuple(sorted(ScriptDirectory.from_config(alembic_config(db)).get_heads()))
