"""SQLite through its own driver, for the few statements every application runs.

Building a SQLAlchemy statement and running it costs far more Python per statement here than
sending the same statement to `sqlite3` as text (docs/notes/performance-history.md). A decision runs a dozen of
them in the fraud stores alone, so those stores keep their SQLite statements as text and run them
on the pool's connection through these helpers. Values are stored as the SQLAlchemy types store
them (`UTCDateTime`: naive UTC text with microseconds; booleans as 0 and 1), so rows written
either way read back alike.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime

import sqlalchemy as sa

__all__ = ["any_key", "from_utc_text", "placeholders", "reading", "utc_text", "writing"]


def utc_text(at: datetime) -> str:
    """An aware datetime as `UTCDateTime` stores it on SQLite."""
    if at.tzinfo is None:
        raise ValueError("naive datetime refused: pass an aware UTC datetime")
    return at.astimezone(UTC).replace(tzinfo=None).isoformat(sep=" ", timespec="microseconds")


def from_utc_text(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def placeholders(n: int) -> str:
    return ", ".join("?" * n)


def any_key(n: int) -> str:
    """`n` (key_type, key_hash) pairs to match, spelled as ORs: SQLite searches an index once per
    pair for these, where `(key_type, key_hash) in (values ...)` would scan the whole index."""
    return "(" + " or ".join(["(key_type = ? and key_hash = ?)"] * n) + ")"


@contextmanager
def writing(engine: sa.Engine) -> Iterator[sqlite3.Connection]:
    """A write transaction that takes the write lock at once (as every transaction here does,
    see `database._sqlite_begin_immediate`), committed when the block ends, rolled back if it
    raises."""
    pooled = engine.raw_connection()
    try:
        conn: sqlite3.Connection = pooled.driver_connection  # type: ignore[assignment]
        conn.execute("BEGIN IMMEDIATE")
        try:
            yield conn
        except BaseException:
            if conn.in_transaction:  # some errors end the transaction themselves
                conn.execute("ROLLBACK")
            raise
        conn.execute("COMMIT")
    finally:
        pooled.close()


@contextmanager
def reading(engine: sa.Engine) -> Iterator[sqlite3.Connection]:
    """Statements that each stand alone, outside a transaction: no write lock taken."""
    pooled = engine.raw_connection()
    try:
        yield pooled.driver_connection  # type: ignore[misc]
    finally:
        pooled.close()
