"""Engine and session factory, built once from settings and handed to whoever needs them."""

from __future__ import annotations

import copy
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

from fengkong.core.errors import Unavailable
from fengkong.db.checkpoint import Checkpointer
from fengkong.db.write_behind import WriteBehind


@dataclass(frozen=True)
class PoolConfig:
    """The connection pool of a PostgreSQL engine (SQLite's engines keep SQLAlchemy's own).
    `recycle_seconds` 0: never recycle. Defaults: 12 + 8 (a worker serves 12 requests at once by
    default, `api.admission`), no pre-ping."""

    size: int = 12
    max_overflow: int = 8
    timeout_seconds: float = 30.0
    pre_ping: bool = False
    recycle_seconds: int = 1800

    def engine_options(self) -> dict[str, Any]:
        return {
            "pool_size": self.size,
            "max_overflow": self.max_overflow,
            "pool_timeout": self.timeout_seconds,
            "pool_pre_ping": self.pre_ping,
            "pool_recycle": self.recycle_seconds if self.recycle_seconds > 0 else -1,
        }


@dataclass(frozen=True)
class PoolStatus:
    """A pool at one moment: its configured size, connections lent out, overflow beyond the
    size (negative while fewer than `size` connections are open, as SQLAlchemy counts it)."""

    size: int
    checked_out: int
    overflow: int


class Database:
    def __init__(
        self,
        url: str,
        *,
        echo: bool = False,
        statement_timeout_ms: int = 0,
        pool: PoolConfig | None = None,
    ) -> None:
        """`statement_timeout_ms` (PostgreSQL, 0: none) ends any statement running longer: what
        bounds a request whose sync handler runs on after the API answered it 504. `pool`
        configures a PostgreSQL engine's connection pool (default `PoolConfig()`)."""
        self.url = make_url(url)
        sqlite_file = self.url.get_backend_name() == "sqlite" and self.url.database not in (
            None,
            "",
            ":memory:",
        )
        if sqlite_file:
            Path(str(self.url.database)).parent.mkdir(parents=True, exist_ok=True)
        kwargs: dict[str, Any] = {"echo": echo, "future": True}
        if self.url.get_backend_name() == "sqlite":
            kwargs["connect_args"] = {"check_same_thread": False, "timeout": 30}
        else:
            # No ping before every checkout by default: it costs a round trip per unit of work,
            # and a decision runs several. Connections are recycled instead, and a dropped one
            # fails that one request, which the client retries under its idempotency key.
            kwargs.update((pool or PoolConfig()).engine_options())
        self.engine = sa.create_engine(self.url, **kwargs)
        if self.url.get_backend_name() == "sqlite":
            event.listen(self.engine, "connect", _sqlite_pragmas)
            event.listen(self.engine, "begin", _sqlite_begin_immediate)
        else:
            event.listen(self.engine, "connect", _postgres_binary_arrays)
            if statement_timeout_ms > 0:
                event.listen(self.engine, "connect", _statement_timeout(statement_timeout_ms))
        self._checkpointer = (
            Checkpointer(self.engine, str(self.url.database)) if sqlite_file else None
        )
        self.sessions = sessionmaker(self.engine, expire_on_commit=False)
        WriteBehind.install(self.sessions)

    @property
    def checkpointing(self) -> bool:
        """Whether a background thread checkpoints this (SQLite file) database."""
        return self._checkpointer is not None and self._checkpointer.running

    @property
    def dialect(self) -> str:
        return self.url.get_backend_name()

    def pool_status(self) -> PoolStatus | None:
        """The engine's pool now; None for a pool that lends no counted connections (an
        in-memory SQLite database's)."""
        pool = self.engine.pool
        if not isinstance(pool, sa.pool.QueuePool):
            return None
        return PoolStatus(pool.size(), pool.checkedout(), pool.overflow())

    def watch_pool(self, observe: Callable[[PoolStatus], None]) -> None:
        """Call `observe` with the pool's status whenever a connection is lent or returned, so
        gauges stay current in every process, not only the one a scrape reaches."""
        if self.pool_status() is None:
            return

        def lent(*_args: Any) -> None:
            status = self.pool_status()
            if status is not None:
                observe(status)

        def returning(*_args: Any) -> None:
            # SQLAlchemy fires "checkin" before the connection is back in the pool: report the
            # pool as it is once it is, where a connection beyond the size (queue full: lent as
            # many as overflow) is closed rather than kept.
            now = self.pool_status()
            if now is not None:
                closed = 1 if now.checked_out == now.overflow else 0
                observe(PoolStatus(now.size, now.checked_out - 1, now.overflow - closed))

        event.listen(self.engine, "checkout", lent)
        event.listen(self.engine, "checkin", returning)
        lent()

    def describe(self) -> str:
        return self.url.render_as_string(hide_password=True)

    def ping(self) -> None:
        try:
            with self.engine.connect() as conn:
                conn.execute(sa.text("select 1"))
        except sa.exc.OperationalError as exc:
            raise Unavailable(f"database {self.describe()} is unreachable: {exc.orig}") from exc

    def read_only_view(self) -> Database:
        """This database (same pool) for look-ups that each stand alone, outside any transaction:
        on PostgreSQL each is one round trip (no BEGIN, no ROLLBACK), on SQLite none takes the
        write lock that every transaction here starts with. Writes through it would commit
        statement by statement: it is for reads only, and is never disposed of on its own."""
        view = copy.copy(self)
        view.engine = self.engine.execution_options(**self._read_only_options())
        view._checkpointer = None
        return view

    def _read_only_options(self) -> dict[str, Any]:
        if self.dialect == "postgresql":
            return {"isolation_level": "AUTOCOMMIT"}
        return {_READ_ONLY: True}

    def session(self) -> Session:
        return self.sessions()

    def dispose(self) -> None:
        if self._checkpointer is not None:
            self._checkpointer.stop()
        self.engine.dispose()


_READ_ONLY = "fengkong_read_only"


def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
    # Let SQLAlchemy's "begin" event open transactions itself (see `_sqlite_begin_immediate`).
    dbapi_conn.isolation_level = None
    cursor = dbapi_conn.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def _postgres_binary_arrays(dbapi_conn: Any, _record: Any) -> None:
    """Send Python lists as binary arrays. psycopg's text form escapes every element with a
    regular expression, about five times the CPU of the binary form: a decision sends some
    seventeen arrays (velocity and link keys, the audit records' columns), a repayment several."""
    from psycopg.types.array import ListBinaryDumper

    dbapi_conn.adapters.register_dumper(list, ListBinaryDumper)


def _statement_timeout(ms: int) -> Any:
    def set_timeout(dbapi_conn: Any, _record: Any) -> None:
        # Its own committed transaction, so the setting holds for the session, not one block.
        with dbapi_conn.cursor() as cursor:
            cursor.execute(f"set statement_timeout = {int(ms)}")
        dbapi_conn.commit()

    return set_timeout


def _sqlite_begin_immediate(conn: Any) -> None:
    """Take SQLite's write lock when a transaction starts, not at its first write: two writers
    that both read first (an idempotency check, the audit head) would otherwise deadlock, and one
    would fail instead of waiting its turn. A read-only view's connection begins nothing: each of its
    statements runs on its own, as SQLite does without a transaction."""
    if not conn.get_execution_options().get(_READ_ONLY):
        conn.exec_driver_sql("BEGIN IMMEDIATE")
