"""Writes held until the unit of work needs them: sent together, through the driver.

A decision's transaction writes a consent or two, the application, the decision and its audit
records, and reads nothing back. Sent one statement at a time through SQLAlchemy, each write costs
a round trip to PostgreSQL and SQLAlchemy's per-statement Python on either database. Held here instead, they
go out when the unit of work commits (or before its next statement, so it always reads its own
writes): on PostgreSQL in one psycopg pipeline with the commit itself, on SQLite as `executemany`
calls on the driver. The SQL text is SQLAlchemy's own, compiled once per table and column set,
and every value passes through the column type's own bind processor, so the rows stored are the
rows SQLAlchemy would store.

A failed write (a unique violation, say) surfaces at the flush, inside the same transaction, which
is then rolled back whole, as before.
"""

from __future__ import annotations

import functools
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa
from sqlalchemy.orm import ORMExecuteState, Session, sessionmaker

from fengkong.core.errors import Conflict
from fengkong.db.compiled import CompiledStatement, compiled

if TYPE_CHECKING:
    import psycopg

__all__ = ["WriteBehind"]


@functools.lru_cache(maxsize=256)
def _insert(table: sa.Table, columns: tuple[str, ...]) -> sa.Insert:
    return table.insert().values({c: sa.bindparam(c, type_=table.c[c].type) for c in columns})


@dataclass(frozen=True, slots=True)
class _Pending:
    statement: sa.Insert | sa.Update | sa.Select[Any]
    rows: tuple[Mapping[str, Any], ...]
    expect_rows: int | None  # an update that must touch exactly this many rows


class WriteBehind:
    """The pending writes of one session's transaction."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self._pending: list[_Pending] = []
        session.info[_INFO_KEY] = self

    @staticmethod
    def install(sessions: sessionmaker[Session]) -> None:
        """Make every session of `sessions` flush its held writes before it runs a statement of
        its own, so a unit of work always reads what it wrote. One listener for all sessions:
        one per session would cost more than the writes it saves."""
        sa.event.listen(sessions, "do_orm_execute", _before_execute)

    def insert(self, table: sa.Table, rows: Sequence[Mapping[str, Any]]) -> None:
        """Rows with the same keys; held until the next flush."""
        if rows:
            statement = _insert(table, tuple(rows[0]))
            self._pending.append(_Pending(statement, tuple(rows), None))

    def update_one(self, statement: sa.Update, values: Mapping[str, Any]) -> None:
        """An update whose bound parameters are `values`; the flush fails with `Conflict`, and
        nothing commits, unless it touches exactly one row."""
        self._pending.append(_Pending(statement, (values,), 1))

    def update(self, statement: sa.Update, values: Mapping[str, Any]) -> None:
        """An update of however many rows it finds, none included; held until the next flush."""
        self._pending.append(_Pending(statement, (values,), None))

    def update_rows(self, statement: sa.Update, rows: Sequence[Mapping[str, Any]]) -> None:
        """An update run once per row of `rows` (all with the same keys), touching however many
        rows each finds; held until the next flush."""
        if rows:
            self._pending.append(_Pending(statement, tuple(rows), None))

    def call(self, statement: sa.Select[Any], values: Mapping[str, Any]) -> None:
        """A statement run for what it does (a server function's writes), its result unread;
        held until the next flush like the rest."""
        self._pending.append(_Pending(statement, (values,), None))

    def fetch_one(self, statement: sa.Select[Any], values: Mapping[str, Any]) -> tuple[Any, ...]:
        """Run what is pending and then this query, on SQLite's driver; its one row, as the
        driver gives it (for plain integers and text: no result types are applied). On
        PostgreSQL a unit of work reads nothing between its held writes: the server chains its
        audit records (`SqlAuditLog`)."""
        pending, self._pending = self._pending, []
        with self._driver() as (driver, dialect):
            assert dialect.name != "postgresql", "held writes go out with the commit there"
            query = compiled(statement, dialect)
            _run(driver, dialect, pending)
            rows = driver.execute(query.sql, query.parameters(values)).fetchall()
        if len(rows) != 1:
            raise LookupError(f"expected one row, got {len(rows)}")
        return tuple(rows[0])

    def flush(self, *, commit: bool = False) -> None:
        """Send what is pending. With `commit`, PostgreSQL also commits in the same exchange;
        the caller commits the session after it either way (when the session never began a
        transaction, as when a unit of work only wrote, that commit has nothing to do)."""
        pending, self._pending = self._pending, []
        if not pending and not commit:
            return
        if commit and self._alone():
            if pending:
                with self._pooled() as (driver, dialect):
                    _send_and_commit(driver, dialect, pending)
            return
        with self._driver() as (driver, dialect):
            if dialect.name != "postgresql":
                _run(driver, dialect, pending)
                return
            if commit:
                _send_and_commit(driver, dialect, pending)
                return
            with driver.pipeline():
                _send(driver, dialect, pending)

    def close(self) -> None:
        self._pending = []
        self.session.info.pop(_INFO_KEY, None)

    def _alone(self) -> bool:
        """Whether these writes are all the transaction holds, on PostgreSQL: the session never
        began one (nothing was read or run through it), so a pooled connection of its own can
        carry them and their commit without the session's bookkeeping (Python the decision
        would otherwise spend on its hot path). SQLite keeps the session's transaction, which takes the write lock
        as it begins."""
        bind = self.session.get_bind()
        return (
            isinstance(bind, sa.Engine)
            and bind.dialect.name == "postgresql"
            and not self.session.in_transaction()
        )

    @contextmanager
    def _pooled(self) -> Iterator[tuple[Any, sa.Dialect]]:
        """A driver connection from the session's pool, outside the session."""
        engine = self.session.get_bind()
        assert isinstance(engine, sa.Engine), "a session bound to an engine (`_alone`)"
        pooled = engine.raw_connection()
        try:
            with _as_sqlalchemy_errors(engine.dialect):
                yield pooled.driver_connection, engine.dialect
        finally:
            pooled.close()

    @contextmanager
    def _driver(self) -> Iterator[tuple[Any, sa.Dialect]]:
        """The driver's connection under the session's transaction."""
        connection = self.session.connection()
        with _as_sqlalchemy_errors(connection.dialect):
            yield connection.connection.driver_connection, connection.dialect


@contextmanager
def _as_sqlalchemy_errors(dialect: sa.Dialect) -> Iterator[None]:
    """The driver's errors raised as SQLAlchemy raises them, so callers catch them alike."""
    error = dialect.loaded_dbapi.Error
    try:
        yield
    except error as exc:
        if getattr(exc, "sqlstate", None) == _MISSED_ROW:
            raise Conflict("a row changed under this unit of work; retry") from None
        raise sa.exc.DBAPIError.instance(None, None, exc, error) from exc


_INFO_KEY = "fengkong.write_behind"


def _before_execute(state: ORMExecuteState) -> None:
    held: WriteBehind | None = state.session.info.get(_INFO_KEY)
    if held is not None and held._pending:
        held.flush()


# `update_one` on PostgreSQL: the update and its check in one statement, which fails (division
# by zero, caught as `Conflict`) when no row moved, so a pipeline that commits after it aborts.
_MISSED_ROW = "22012"


@functools.lru_cache(maxsize=64)
def _asserted(statement: sa.Update, dialect: sa.Dialect) -> CompiledStatement:
    inner = compiled(statement.returning(sa.literal_column("1")), dialect)
    return replace(inner, sql=f"with moved as ({inner.sql}) select 1 / count(*) from moved")


def _send(driver: Any, dialect: sa.Dialect, pending: list[_Pending]) -> None:
    """Queue the pending writes in the driver's pipeline (PostgreSQL)."""
    for item in pending:
        if item.expect_rows is not None:
            statement = _asserted(item.statement, dialect)
        else:
            statement = compiled(item.statement, dialect)
        driver.cursor().executemany(statement.sql, [statement.parameters(r) for r in item.rows])


def _send_and_commit(driver: Any, dialect: sa.Dialect, pending: list[_Pending]) -> None:
    """The pending writes and the commit in one exchange (PostgreSQL). psycopg's own BEGIN and
    `commit()` each wait for a sync of their own inside a pipeline. A transaction not yet begun
    is instead run in autocommit as the pipeline's implicit transaction: the writes commit
    together at its sync, or an error rolls them all back there, with no BEGIN or COMMIT to
    send (an isolation level other than the server's default still needs its BEGIN). The
    session's own commit that follows finds the transaction ended."""
    import psycopg  # PostgreSQL only: a SQLite deployment never loads the driver

    fresh = driver.info.transaction_status == psycopg.pq.TransactionStatus.IDLE
    if fresh:
        driver.autocommit = True
    try:
        with driver.pipeline():
            if fresh and driver.isolation_level is not None:
                driver.execute(_begin(driver.isolation_level))
            _send(driver, dialect, pending)
            if not fresh or driver.isolation_level is not None:
                driver.execute("COMMIT")
    finally:
        if fresh and not driver.closed and not driver.broken:  # a lost one leaves the pool
            if driver.info.transaction_status != psycopg.pq.TransactionStatus.IDLE:
                driver.execute("ROLLBACK")  # a write failed: end the transaction it aborted
            driver.autocommit = False


def _begin(level: psycopg.IsolationLevel) -> str:
    return f"BEGIN ISOLATION LEVEL {level.name.replace('_', ' ')}"


def _run(driver: Any, dialect: sa.Dialect, pending: list[_Pending]) -> None:
    """Run the pending writes one statement after another (SQLite, in process)."""
    for item in pending:
        statement = compiled(item.statement, dialect)
        rows = [statement.parameters(r) for r in item.rows]
        done = driver.executemany(statement.sql, rows).rowcount
        if item.expect_rows is not None and done != item.expect_rows:
            raise Conflict("a row changed under this unit of work; retry")
