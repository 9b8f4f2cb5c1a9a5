"""The backends every contract test runs on: the in-memory unit of work, SQLite and PostgreSQL
(required under CI=true, as for every PostgreSQL test; see tests/conftest.py). Each database is
migrated once per session; a test starts from the tables as the migrations left them."""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from fakes import DuplicateKey, MemoryStore, MemoryUnitOfWork
from fakes.decisions import memory_reads
from fakes.tables import LinkFlags
from fengkong.core.errors import Conflict
from fengkong.db.database import Database
from fengkong.db.fraud_links import SqlIdentityLinks
from fengkong.db.fraud_tables import link_applications
from fengkong.db.live_registry import SqlDecisionReads
from fengkong.db.migrate import upgrade
from fengkong.db.uow import SqlUnitOfWork
from fengkong.decision.live import DecisionReads
from fengkong.fraud.keys import KeyType
from fengkong.fraud.links import LinkApplication

# What a backend raises for a row whose key is taken: the fake at once, the database at the
# statement or at the commit (when the write was held for it).
REFUSED = (DuplicateKey, sa.exc.IntegrityError, Conflict)


@dataclass
class Backend:
    """A unit of work factory, and what a contract needs that no Protocol offers: putting an
    application into the identity-link graph and reading its flags there."""

    name: str
    uow: Callable[[], Any]
    link: Callable[[str], None]
    flags: Callable[[str], LinkFlags | None]
    # What a decision reads before it writes, for an applicant's blind index (`DecisionReads`).
    reads: Callable[[str], AbstractContextManager[Callable[[], DecisionReads]]]


def _memory() -> Backend:
    store = MemoryStore()

    def link(application_id: str) -> None:
        with store.lock:
            store.tables.linked[application_id] = LinkFlags(False, False)

    reads = memory_reads(store)
    return Backend(
        "memory",
        lambda: MemoryUnitOfWork(store),
        link,
        lambda a: store.tables.linked.get(a),
        lambda bidx: reads(bidx, None, None),
    )


def _sql(name: str, db: Database) -> Backend:
    links = SqlIdentityLinks(db)

    def link(application_id: str) -> None:
        at = datetime(2026, 3, 2, tzinfo=UTC)
        links.link(LinkApplication(application_id, at, ((KeyType.MOBILE, "a" * 64),)))

    def flags(application_id: str) -> LinkFlags | None:
        query = sa.select(link_applications.c.declined, link_applications.c.defaulted).where(
            link_applications.c.application_id == application_id
        )
        with db.engine.connect() as conn:
            row = conn.execute(query).first()
        return None if row is None else LinkFlags(bool(row[0]), bool(row[1]))

    return Backend(
        name,
        lambda: SqlUnitOfWork(db),
        link,
        flags,
        lambda bidx: SqlDecisionReads.of_application(db, bidx, None),
    )


@pytest.fixture(scope="session")
def _sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("contracts") / "migrated.db"
    db = Database(f"sqlite:///{path}")
    upgrade(db)
    db.dispose()
    return path


class _Emptied:
    """A PostgreSQL schema migrated once, and the rows the migrations seeded (the audit head),
    to start each test from."""

    def __init__(self, url: str) -> None:
        self.db = Database(url)
        upgrade(self.db)
        self.tables = sa.MetaData()
        self.tables.reflect(self.db.engine)
        names = [t for t in self.tables.sorted_tables if t.name != "alembic_version"]
        with self.db.engine.connect() as conn:
            self.seeds = [
                (t, [dict(r._mapping) for r in conn.execute(sa.select(t))]) for t in names
            ]

    def reset(self) -> None:
        # DELETE, not TRUNCATE: a test leaves a handful of rows, and TRUNCATE of every table
        # costs more than deleting them.
        with self.db.engine.begin() as conn:
            for table, _ in reversed(self.seeds):
                conn.execute(table.delete())
            for table, rows in self.seeds:
                if rows:
                    conn.execute(table.insert(), rows)


@pytest.fixture(scope="session")
def _postgres_emptied(postgres_session_url: str) -> Iterator[_Emptied]:
    emptied = _Emptied(postgres_session_url)
    yield emptied
    emptied.db.dispose()


@pytest.fixture(params=["memory", "sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def backend(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Backend]:
    if request.param == "memory":
        yield _memory()
    elif request.param == "sqlite":
        path = tmp_path / "fengkong.db"
        shutil.copyfile(request.getfixturevalue("_sqlite_template"), path)
        db = Database(f"sqlite:///{path}")
        try:
            yield _sql("sqlite", db)
        finally:
            db.dispose()
    else:
        emptied: _Emptied = request.getfixturevalue("_postgres_emptied")
        emptied.reset()
        yield _sql("postgresql", emptied.db)
