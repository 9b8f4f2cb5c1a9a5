"""Reads that every decision runs, sent through the driver outside any transaction.

A SQLAlchemy `Connection.execute` runs a good deal of Python per statement before the driver
sees it (execution context, result object, pool events; docs/notes/performance-history.md); a decision reads the registries' live
roles and the applicant's consents and history before it writes anything. Here each statement is
compiled once per dialect (`compiled`, as `write_behind` does for writes) and its text sent to
the driver, so rows read back as SQLAlchemy would read them. Each statement stands alone
(autocommit): no BEGIN, no ROLLBACK, no write lock.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

import sqlalchemy as sa

from fengkong.db.compiled import CompiledStatement, compiled
from fengkong.db.database import Database

__all__ = ["DriverReader", "Query", "ServerCall", "standalone_reads"]

Query = tuple[sa.Select[Any] | sa.CompoundSelect[Any], Mapping[str, Any]]
T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class ServerCall(Generic[T]):
    """One call of a server function (PostgreSQL), as SQL text for the driver with its
    parameters, and what its rows mean: built by the store that owns the function, sent by
    whoever holds the connection, alone or beside other calls."""

    sql: str
    parameters: Mapping[str, Any]
    read: Callable[[list[tuple[Any, ...]]], T]


class DriverReader:
    """Statements on one pooled driver connection, each committed on its own."""

    def __init__(self, driver: Any, dialect: sa.Dialect) -> None:
        self.driver = driver
        self.dialect = dialect

    def rows(
        self,
        statement: sa.Select[Any] | sa.CompoundSelect[Any],
        values: Mapping[str, Any] | None = None,
    ) -> list[tuple[Any, ...]]:
        return self.rows_of((statement, values or {}))[0]

    def rows_of(
        self, *queries: Query, calls: Sequence[ServerCall[Any]] = ()
    ) -> list[list[tuple[Any, ...]]]:
        """The rows of each statement in turn, then those of each server call (PostgreSQL) as
        the driver returns them. On PostgreSQL all are sent in one pipeline, one exchange with
        the server: with calls, one implicit transaction, committed after the last call or
        rolled back whole."""
        with self.sending(*queries, calls=calls) as answer:
            return answer()

    @contextmanager
    def sending(
        self, *queries: Query, calls: Sequence[ServerCall[Any]] = ()
    ) -> Iterator[Callable[[], list[list[tuple[Any, ...]]]]]:
        """`rows_of`, sent on entering and answered when the yielded function is first called:
        on PostgreSQL the server runs the statements while the caller works on what needs none
        of their rows. Their implicit transaction commits when the answer is asked for, or when
        the block ends without asking (an error in the caller's work leaves what was sent
        committed, as after `rows_of`). SQLite runs them on entering."""
        prepared = [(compiled(statement, self.dialect), values) for statement, values in queries]
        if self.dialect.name != "postgresql":
            assert not calls, "server functions are PostgreSQL's"
            fetched = [
                self.driver.execute(query.sql, query.parameters(values)).fetchall()
                for query, values in prepared
            ]
            rows = self._read(prepared, fetched)
            yield lambda: rows
            return
        with ExitStack() as pipeline:
            pipeline.enter_context(self.driver.pipeline())
            cursors = []
            texts = [(q.sql, q.parameters(v)) for q, v in prepared]
            for sql, parameters in [*texts, *((c.sql, c.parameters) for c in calls)]:
                cursor = self.driver.cursor()
                cursor.execute(sql, parameters)  # on its way to the server now
                cursors.append(cursor)

            @functools.cache
            def answer() -> list[list[tuple[Any, ...]]]:
                pipeline.close()  # sync: the commit, then every result
                return self._read(prepared, [c.fetchall() for c in cursors])

            yield answer

    @staticmethod
    def _read(
        prepared: list[tuple[CompiledStatement, Mapping[str, Any]]], fetched: list[list[Any]]
    ) -> list[list[tuple[Any, ...]]]:
        read = [
            [query.row(r) for r in rows]
            for (query, _), rows in zip(prepared, fetched[: len(prepared)], strict=True)
        ]
        return read + [[tuple(r) for r in rows] for rows in fetched[len(prepared) :]]

    def driver_rows(self, sql: str, parameters: Mapping[str, Any]) -> list[tuple[Any, ...]]:
        """Rows of SQL text written for this driver, as the driver returns them."""
        if self.dialect.name == "postgresql":
            with self.driver.cursor() as cursor:
                cursor.execute(sql, parameters)
                return [tuple(r) for r in cursor.fetchall()]
        return [tuple(r) for r in self.driver.execute(sql, parameters).fetchall()]

    def call(self, call: ServerCall[T]) -> T:
        return call.read(self.driver_rows(call.sql, call.parameters))

    def mappings(
        self,
        statement: sa.Select[Any] | sa.CompoundSelect[Any],
        values: Mapping[str, Any] | None = None,
    ) -> list[dict[str, Any]]:
        return self.mapped(statement, self.rows(statement, values))

    def mapped(
        self, statement: sa.Select[Any] | sa.CompoundSelect[Any], rows: list[tuple[Any, ...]]
    ) -> list[dict[str, Any]]:
        """`rows` of `statement`, as `rows` or `rows_of` return them, by column name."""
        columns = compiled(statement, self.dialect).columns
        return [dict(zip(columns, r, strict=True)) for r in rows]


@contextmanager
def _autocommit(pg: Any) -> Iterator[None]:
    """Statements on `pg`, an idle psycopg connection from the pool, each commit on their own;
    it goes back to the pool in its usual mode."""
    pg.autocommit = True
    try:
        yield
    finally:
        if not pg.closed and not pg.broken:  # a lost connection is discarded by the pool anyway
            pg.autocommit = False


@contextmanager
def standalone_reads(db: Database) -> Iterator[DriverReader]:
    """A driver connection from the pool for statements that each stand alone: reads that need
    no common snapshot, or a server function's call that is its own transaction."""
    pooled = db.engine.raw_connection()
    try:
        driver: Any = pooled.driver_connection
        dialect = db.engine.dialect
        if dialect.name == "postgresql":
            # The connection is idle in the pool; in autocommit psycopg sends no BEGIN, and the
            # pool's reset on return finds no transaction to roll back.
            with _autocommit(driver):
                yield DriverReader(driver, dialect)
        else:
            # SQLite's driver connection runs with `isolation_level = None` here (see
            # `database._sqlite_pragmas`): a statement outside BEGIN commits on its own.
            yield DriverReader(driver, dialect)
    finally:
        pooled.close()
