"""Reads that every decision runs, sent through the driver outside any transaction.

A SQLAlchemy `Connection.execute` costs about 0.2 ms of Python per statement before the driver
sees it (execution context, result object, pool events); a decision reads the registries' live
roles and the applicant's consents and history before it writes anything. Here each statement is
compiled by SQLAlchemy once per dialect and its text sent to the driver as it is; every result
column goes through its type's result processor, so rows read back as SQLAlchemy would read them.
Parameters go to the driver as given: pass values it takes as they are (text, integers). Each statement stands alone
(autocommit): no BEGIN, no ROLLBACK, no write lock.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from fengkong.db.database import Database

__all__ = ["DriverReader", "standalone_reads"]

Processor = Callable[[Any], Any] | None


@dataclass(frozen=True, slots=True)
class _Query:
    sql: str
    names: tuple[str, ...]  # bound parameters, in the order a positional driver wants them
    fixed: Mapping[str, Any]  # values the statement carries itself (`status in (...)`)
    positional: bool
    columns: tuple[str, ...]
    results: tuple[Processor, ...]

    def parameters(self, values: Mapping[str, Any]) -> Sequence[Any] | dict[str, Any]:
        given = {**self.fixed, **values}
        if self.positional:
            return [given[n] for n in self.names]
        return {n: given[n] for n in self.names}

    def row(self, raw: Sequence[Any]) -> tuple[Any, ...]:
        return tuple(
            v if p is None or v is None else p(v) for v, p in zip(raw, self.results, strict=True)
        )


@functools.lru_cache(maxsize=64)
def _query(statement: sa.Select[Any] | sa.CompoundSelect[Any], dialect: sa.Dialect) -> _Query:
    compiled = statement.compile(dialect=dialect)
    if compiled.post_compile_params:
        # Expanded when executed, which the driver does not do: spell a fixed list as
        # `col.in_([sa.literal(v), ...])`, one parameter per value.
        raise ValueError(f"an expanding IN cannot be sent as it is: {statement}")
    values = compiled.construct_params(_check=False)
    selected = statement.selected_columns
    return _Query(
        sql=str(compiled),
        names=tuple(compiled.positiontup or values),
        fixed={n: v for n, v in values.items() if v is not None},
        positional=bool(compiled.positional),
        columns=tuple(selected.keys()),
        results=tuple(
            c.type.dialect_impl(dialect).result_processor(dialect, None) for c in selected
        ),
    )


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
        query = _query(statement, self.dialect)
        parameters = query.parameters(values or {})
        if self.dialect.name == "postgresql":
            with self.driver.cursor() as cursor:
                cursor.execute(query.sql, parameters)
                fetched = cursor.fetchall()
        else:
            fetched = self.driver.execute(query.sql, parameters).fetchall()
        return [query.row(r) for r in fetched]

    def mappings(
        self,
        statement: sa.Select[Any] | sa.CompoundSelect[Any],
        values: Mapping[str, Any] | None = None,
    ) -> list[dict[str, Any]]:
        columns = _query(statement, self.dialect).columns
        return [dict(zip(columns, r, strict=True)) for r in self.rows(statement, values)]


@contextmanager
def standalone_reads(db: Database) -> Iterator[DriverReader]:
    """A driver connection from the pool for statements that need no common snapshot."""
    pooled = db.engine.raw_connection()
    try:
        driver: Any = pooled.driver_connection
        dialect = db.engine.dialect
        if dialect.name == "postgresql":
            # The connection is idle in the pool; in autocommit psycopg sends no BEGIN, and the
            # pool's reset on return finds no transaction to roll back.
            driver.autocommit = True
            try:
                yield DriverReader(driver, dialect)
            finally:
                driver.autocommit = False
        else:
            # SQLite's driver connection runs with `isolation_level = None` here (see
            # `database._sqlite_pragmas`): a statement outside BEGIN commits on its own.
            yield DriverReader(driver, dialect)
    finally:
        pooled.close()
