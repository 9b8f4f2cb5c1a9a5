"""The API's idempotency records in the database (`idempotency_records`): claim a key, store the
response it was answered with, release it when there is nothing worth keeping.

Each call is its own short transaction, committed at once, so a concurrent duplicate (in this
process or another one on the same database) sees the claim as soon as it is made. On PostgreSQL
these commits do not wait for the disk (`synchronous_commit = off`): the write-ahead log is
flushed in order, so the request's own transaction, which does wait, makes its claim durable
with it; a stored answer lost to a server crash in the moment after leaves the key claimed until
its lease ends, and the use cases' own idempotency (the journal's keys) answers the repeat. A claim is
an insert that does nothing on a taken key (`ON CONFLICT DO NOTHING`; on PostgreSQL it waits for
a concurrent insert of the same key to commit first), followed by a read of the row that holds
it. A row past its expiry, or claimed longer ago than the lease and never finished (its server
died mid-request), is deleted and the key claimed afresh.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from fengkong.db.database import Database
from fengkong.db.idempotency_tables import idempotency_records as table

IN_PROGRESS = "in_progress"
DONE = "done"


@dataclass(frozen=True, slots=True)
class IdempotencyClaim:
    """What a request asks to claim: its scope (`scope_hash`), for the record also its method,
    path and key, and the hash of its query and body."""

    scope_hash: str
    method: str
    path: str
    key: str
    request_hash: str


@dataclass(frozen=True, slots=True)
class IdempotencyRecord:
    """A claimed key: `in_progress`, or `done` with the response to answer repeats with."""

    scope_hash: str
    request_hash: str
    status: str
    created_at: datetime
    expires_at: datetime
    response_status: int | None = None
    response_headers: Mapping[str, str] | None = None
    response_body: bytes | None = None

    @property
    def done(self) -> bool:
        return self.status == DONE


class SqlIdempotencyRecords:
    """`claim`, `finish`, `release`, `purge_expired` over `idempotency_records`."""

    def __init__(self, db: Database, *, lease: timedelta = timedelta(minutes=10)) -> None:
        self._engine = db.engine
        self._dialect = db.dialect
        # Reads that wait for a duplicate poll outside any transaction: on SQLite they would
        # otherwise take the write lock that every transaction here begins with.
        self._reads = db.read_only_view().engine
        self.lease = lease

    @contextmanager
    def _transaction(self) -> Iterator[sa.Connection]:
        with self._engine.begin() as conn:
            if self._dialect == "postgresql":
                conn.exec_driver_sql("SET LOCAL synchronous_commit = off")
            yield conn

    def claim(
        self, claim: IdempotencyClaim, now: datetime, expires_at: datetime
    ) -> IdempotencyRecord | None:
        """None when this request now holds the key; else the record that holds it."""
        for _ in range(3):  # a row deleted under us (expired, released) is claimed again
            with self._transaction() as conn:
                if self._insert(conn, claim, now, expires_at):
                    return None
                found = self._read(conn, claim.scope_hash)
                if found is None:
                    continue
                if found.expires_at > now and (found.done or found.created_at + self.lease > now):
                    return found
                conn.execute(
                    table.delete().where(
                        table.c.scope_hash == claim.scope_hash,
                        table.c.created_at == found.created_at,
                    )
                )
        return self.get(claim.scope_hash)

    def get(self, scope_hash: str) -> IdempotencyRecord | None:
        with self._reads.connect() as conn:
            return self._read(conn, scope_hash)

    def finish(
        self,
        scope_hash: str,
        status: int,
        headers: Mapping[str, str],
        body: bytes,
    ) -> None:
        """Store the response the claimed request was answered with."""
        with self._transaction() as conn:
            conn.execute(
                table.update()
                .where(table.c.scope_hash == scope_hash, table.c.status == IN_PROGRESS)
                .values(
                    status=DONE,
                    response_status=status,
                    response_headers=dict(headers),
                    response_body=body,
                )
            )

    def release(self, scope_hash: str) -> None:
        """Give the key up (the request failed, or its answer is not worth keeping): the next
        request with it runs afresh."""
        with self._transaction() as conn:
            conn.execute(
                table.delete().where(
                    table.c.scope_hash == scope_hash, table.c.status == IN_PROGRESS
                )
            )

    def purge_expired(self, now: datetime) -> int:
        """Delete every record past its expiry; how many."""
        with self._engine.begin() as conn:
            gone = conn.execute(table.delete().where(table.c.expires_at <= now))
        return int(gone.rowcount)

    def _insert(
        self, conn: sa.Connection, claim: IdempotencyClaim, now: datetime, expires_at: datetime
    ) -> bool:
        values: dict[str, Any] = {
            "scope_hash": claim.scope_hash,
            "method": claim.method,
            "path": claim.path[:500],
            "idempotency_key": claim.key,
            "request_hash": claim.request_hash,
            "status": IN_PROGRESS,
            "created_at": now,
            "expires_at": expires_at,
        }
        dialect = postgresql if self._dialect == "postgresql" else sqlite
        statement = (
            dialect.insert(table)
            .values(**values)
            .on_conflict_do_nothing()
            .returning(table.c.scope_hash)
        )
        return conn.execute(statement).first() is not None

    @staticmethod
    def _read(conn: sa.Connection, scope_hash: str) -> IdempotencyRecord | None:
        row = conn.execute(sa.select(table).where(table.c.scope_hash == scope_hash)).first()
        if row is None:
            return None
        return IdempotencyRecord(
            scope_hash=row.scope_hash,
            request_hash=row.request_hash,
            status=row.status,
            created_at=row.created_at,
            expires_at=row.expires_at,
            response_status=row.response_status,
            response_headers=row.response_headers,
            response_body=None if row.response_body is None else bytes(row.response_body),
        )


__all__ = ["DONE", "IN_PROGRESS", "IdempotencyClaim", "IdempotencyRecord", "SqlIdempotencyRecords"]
