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
it.

A row's `expires_at` is when it stops holding its key: for a finished request the end of the
retention, for a running one the end of its lease, which the worker running it renews
(`renew`) for as long as it runs. A row past it (expired, or in progress with a lapsed lease:
its worker died mid-request) is deleted and the key claimed afresh; the claim then names the
abandoned row (`Claimed.abandoned`), whose `holder` is the request id of the request that died,
so that what it may have committed can be found. Finishing, releasing and renewing name the
claim by its key and the instant it was made, so a request whose claim was taken over can
never write over its successor's.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
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
    """A claimed key: `in_progress` (held by the request `holder`, a request id), or `done` with
    the response to answer repeats with."""

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

    @property
    def holder(self) -> str | None:
        """The request id of the request that holds (or held) the key while it runs."""
        if self.done or not self.response_headers:
            return None
        return self.response_headers.get(_HOLDER)


@dataclass(frozen=True, slots=True)
class Claimed:
    """The key is this request's now, claimed at `at`; `abandoned` is the row of a request that
    held it and stopped renewing its lease (its worker died), when there was one."""

    at: datetime
    abandoned: IdempotencyRecord | None = None


# While a request runs, its row's response headers (empty until it finishes) name its request id.
_HOLDER = "x-holder-request-id"


class SqlIdempotencyRecords:
    """`claim`, `renew`, `finish`, `release`, `purge_expired` over `idempotency_records`."""

    def __init__(self, db: Database, *, lease: timedelta = timedelta(seconds=60)) -> None:
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
        self, claim: IdempotencyClaim, now: datetime, holder: str | None = None
    ) -> Claimed | IdempotencyRecord:
        """`Claimed` when this request (`holder`, its request id) now holds the key, for the
        lease; else the record that holds it."""
        abandoned: IdempotencyRecord | None = None
        for _ in range(3):  # a row deleted under us (expired, released) is claimed again
            with self._transaction() as conn:
                if self._insert(conn, claim, now, holder):
                    return Claimed(now, abandoned)
                found = self._read(conn, claim.scope_hash)
                if found is None:
                    continue
                if found.expires_at > now:
                    return found
                gone = conn.execute(
                    table.delete().where(
                        table.c.scope_hash == claim.scope_hash,
                        table.c.created_at == found.created_at,
                        table.c.expires_at <= now,  # not renewed meanwhile
                    )
                )
                if gone.rowcount == 1 and not found.done:
                    abandoned = found
        found = self.get(claim.scope_hash)
        return Claimed(now, abandoned) if found is None else found

    def renew(self, held: Iterable[tuple[str, datetime]], now: datetime) -> None:
        """Extend the lease of the claims `(key, claimed at)` still running."""
        held = list(held)
        if not held:
            return
        with self._transaction() as conn:
            for scope_hash, claimed_at in held:
                conn.execute(
                    table.update()
                    .where(
                        table.c.scope_hash == scope_hash,
                        table.c.created_at == claimed_at,
                        table.c.status == IN_PROGRESS,
                    )
                    .values(expires_at=now + self.lease)
                )

    def get(self, scope_hash: str) -> IdempotencyRecord | None:
        with self._reads.connect() as conn:
            return self._read(conn, scope_hash)

    def finish(
        self,
        claimed: tuple[str, datetime],
        status: int,
        headers: Mapping[str, str],
        body: bytes,
        expires_at: datetime,
    ) -> None:
        """Store the response the claim `(key, claimed at)` was answered with, kept until
        `expires_at`."""
        scope_hash, claimed_at = claimed
        with self._transaction() as conn:
            conn.execute(
                table.update()
                .where(
                    table.c.scope_hash == scope_hash,
                    table.c.created_at == claimed_at,
                    table.c.status == IN_PROGRESS,
                )
                .values(
                    status=DONE,
                    expires_at=expires_at,
                    response_status=status,
                    response_headers=dict(headers),
                    response_body=body,
                )
            )

    def release(self, claimed: tuple[str, datetime]) -> None:
        """Give the key of the claim `(key, claimed at)` up (the request failed, or its answer
        is not worth keeping): the next request with it runs afresh."""
        scope_hash, claimed_at = claimed
        with self._transaction() as conn:
            conn.execute(
                table.delete().where(
                    table.c.scope_hash == scope_hash,
                    table.c.created_at == claimed_at,
                    table.c.status == IN_PROGRESS,
                )
            )

    def purge_expired(self, now: datetime) -> int:
        """Delete every record past its expiry; how many."""
        with self._engine.begin() as conn:
            gone = conn.execute(table.delete().where(table.c.expires_at <= now))
        return int(gone.rowcount)

    def _insert(
        self, conn: sa.Connection, claim: IdempotencyClaim, now: datetime, holder: str | None
    ) -> bool:
        values: dict[str, Any] = {
            "scope_hash": claim.scope_hash,
            "method": claim.method,
            "path": claim.path[:500],
            "idempotency_key": claim.key,
            "request_hash": claim.request_hash,
            "status": IN_PROGRESS,
            "created_at": now,
            "expires_at": now + self.lease,
            "response_headers": {_HOLDER: holder} if holder else None,
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


__all__ = [
    "DONE",
    "IN_PROGRESS",
    "Claimed",
    "IdempotencyClaim",
    "IdempotencyRecord",
    "SqlIdempotencyRecords",
]
