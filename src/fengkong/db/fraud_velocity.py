"""The database velocity store (the default): one row per event and key in `velocity_events`.

`record_and_count` serializes writers per key — PostgreSQL transaction-scoped advisory locks taken
in key order, SQLite's single writer lock taken by the insert — then inserts and counts in the same
transaction, so two concurrent events on one key never see the same count.

On PostgreSQL that is one round trip: one call, in autocommit, of the server's
`velocity_record` (migration 0015), which takes the locks and then, as a statement of its own,
inserts the event under every key and counts every window (a data-modifying CTE whose `RETURNING`
rows are added to the rows already stored, which the statement's snapshot cannot see). The lock
must come before the counting statement: a statement's snapshot is taken when it starts, before a
lock inside it would be granted, and it would miss the writer it waited for.

The commit is asynchronous (`synchronous_commit = off`, for this transaction only): it is visible
to other writers at once, and WAL is flushed in order, so it is durable as soon as anything
committed after it is — the decision that follows the signals, at the latest. A server crash can
lose only events whose application got no durable decision. `durable_commit=True` waits for the
flush instead (about one fsync more per application).
"""

from __future__ import annotations

import functools
import hashlib
import sqlite3
from collections.abc import Mapping
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from fengkong.core.clock import Clock
from fengkong.db import sqlite_driver
from fengkong.db.database import Database
from fengkong.db.driver_reads import ServerCall, standalone_reads
from fengkong.db.fraud_tables import velocity_events
from fengkong.db.sqlite_driver import utc_text
from fengkong.fraud.keys import Hasher, KeyType, hash_keys
from fengkong.fraud.velocity import (
    DEFAULT_WINDOWS,
    VelocityEvent,
    VelocitySnapshot,
    Window,
    check_windows,
    snapshot_from_rows,
)

__all__ = ["SqlVelocityStore", "advisory_lock_key"]


# Record and count in one call of the server's `velocity_record` (migration 0015), which takes
# the keys' advisory locks in the order given (sorted, so two writers never wait on each other in
# a cycle) in the first int4 space "VELO" (0x56454C4F), so other users of advisory locks in the
# same database cannot collide with ours, before it counts.
_RECORD = """
select kind, counts, sums from velocity_record(
  %(types)s::text[], %(hashes)s::text[], %(event_id)s, %(at)s, %(amount)s, %(since)s,
  %(starts)s::timestamptz[], %(locks)s::integer[], %(durable)s)"""


def advisory_lock_key(key_type: KeyType, digest: str) -> int:
    """A signed 32-bit lock id for one key; a collision only serializes two keys, never merges."""
    raw = hashlib.sha256(f"{key_type.value}:{digest}".encode()).digest()[:4]
    return int.from_bytes(raw, "big", signed=True)


Known = tuple[tuple[KeyType, str], ...]


def _known(hashed: tuple[tuple[KeyType, str | None], ...]) -> Known:
    return tuple((kt, h) for kt, h in hashed if h is not None)


class SqlVelocityStore:
    backend = "sql"

    def __init__(
        self, db: Database, hasher: Hasher, clock: Clock, *, durable_commit: bool = False
    ) -> None:
        self.db = db
        self.hasher = hasher
        self.clock = clock
        self.durable_commit = durable_commit

    def record_and_count(
        self, event: VelocityEvent, windows: tuple[Window, ...] = DEFAULT_WINDOWS
    ) -> VelocitySnapshot:
        if self.db.dialect == "postgresql":
            with standalone_reads(self.db) as statements:  # one statement, its own transaction
                return statements.call(self.recording(event, windows))
        windows = check_windows(windows)
        hashed = event.hashed(self.hasher)
        known = _known(hashed)
        totals: dict[KeyType, tuple[tuple[int, int], ...]] = {}
        if known:
            rows = [
                (kt.value, h, event.event_id, utc_text(event.at), int(event.amount))
                for kt, h in known
            ]
            # No locks: SQLite has one writer, and the insert, the transaction's first statement,
            # takes the write lock (waiting out the busy timeout) before anything is read, so the
            # count that follows sees every earlier writer and no later one.
            with sqlite_driver.writing(self.db.engine) as conn:
                conn.executemany(_INSERT_EVENTS_SQLITE, rows)
                # No upper bound: an event a concurrent writer stamped a moment later but recorded
                # first is already in the past of this one.
                totals = _totals_sqlite(conn, known, windows, event.at, until=None)
        return snapshot_from_rows(event.at, windows, hashed, totals, self.backend)

    def recording(
        self, event: VelocityEvent, windows: tuple[Window, ...] = DEFAULT_WINDOWS
    ) -> ServerCall[VelocitySnapshot]:
        """`record_and_count` on PostgreSQL, as one call of the server's `velocity_record`: sent
        alone, it is its own transaction; beside another call (`SqlSignalStores`), it commits
        with it."""
        windows = check_windows(windows)
        hashed = event.hashed(self.hasher)
        known = _known(hashed)
        parameters = {
            "types": [kt.value for kt, _ in known],
            "hashes": [h for _, h in known],
            "event_id": event.event_id,
            "at": event.at,
            "amount": int(event.amount),
            # No upper bound: an event a concurrent writer stamped a moment later but recorded
            # first is already in the past of this one.
            "since": event.at - max(w.duration for w in windows),
            "starts": [event.at - w.duration for w in windows],
            "locks": sorted({advisory_lock_key(kt, h) for kt, h in known}),
            "durable": self.durable_commit,
        }

        def snapshot(rows: list[tuple[Any, ...]]) -> VelocitySnapshot:
            totals = {
                KeyType(kind): tuple(zip(map(int, counts), map(int, sums), strict=True))
                for kind, counts, sums in rows
            }
            return snapshot_from_rows(event.at, windows, hashed, totals, self.backend)

        return ServerCall(_RECORD, parameters, snapshot)

    def count(
        self,
        keys: Mapping[KeyType, str | None],
        windows: tuple[Window, ...] = DEFAULT_WINDOWS,
        at: datetime | None = None,
    ) -> VelocitySnapshot:
        windows = check_windows(windows)
        at = at or self.clock.now()
        hashed = hash_keys(keys, self.hasher)
        known = _known(hashed)
        totals: dict[KeyType, tuple[tuple[int, int], ...]] = {}
        if known and self.db.dialect == "postgresql":
            with self.db.engine.connect() as conn:
                totals = _totals(conn, known, windows, at, until=at)
        elif known:
            with sqlite_driver.reading(self.db.engine) as raw:
                totals = _totals_sqlite(raw, known, windows, at, until=at)
        return snapshot_from_rows(at, windows, hashed, totals, self.backend)


def _totals(
    conn: sa.Connection,
    known: Known,
    windows: tuple[Window, ...],
    at: datetime,
    until: datetime | None,
) -> dict[KeyType, tuple[tuple[int, int], ...]]:
    params: dict[str, Any] = {"since": at - max(w.duration for w in windows)}
    params.update({f"b{i}": at - w.duration for i, w in enumerate(windows)})
    for i, (kt, h) in enumerate(known):
        params[f"t{i}"], params[f"h{i}"] = kt.value, h
    if until is not None:
        params["until"] = until
    out: dict[KeyType, tuple[tuple[int, int], ...]] = {}
    for row in conn.execute(_totals_sql(len(known), len(windows), until is not None), params):
        values = tuple(row)[1:]
        out[KeyType(row[0])] = tuple(
            (int(values[2 * i] or 0), int(values[2 * i + 1] or 0)) for i in range(len(windows))
        )
    return out


_INSERT_EVENTS_SQLITE = (
    "insert into velocity_events (key_type, key_hash, event_id, at, amount_fen)"
    " values (?, ?, ?, ?, ?) on conflict do nothing"
)


def _totals_sqlite(
    conn: sqlite3.Connection,
    known: Known,
    windows: tuple[Window, ...],
    at: datetime,
    until: datetime | None,
) -> dict[KeyType, tuple[tuple[int, int], ...]]:
    """`_totals` on SQLite, sent to the driver as text (see `db.sqlite_driver`)."""
    starts = [utc_text(at - w.duration) for w in windows]
    params: list[Any] = [b for b in starts for _ in (0, 1)]
    params += [v for kt, h in known for v in (kt.value, h)]
    params.append(utc_text(at - max(w.duration for w in windows)))
    if until is not None:
        params.append(utc_text(until))
    out: dict[KeyType, tuple[tuple[int, int], ...]] = {}
    for row in conn.execute(
        _totals_sqlite_sql(len(known), len(windows), until is not None), params
    ):
        values = row[1:]
        out[KeyType(row[0])] = tuple(
            (int(values[2 * i] or 0), int(values[2 * i + 1] or 0)) for i in range(len(windows))
        )
    return out


@functools.lru_cache(maxsize=64)
def _totals_sqlite_sql(n_keys: int, n_windows: int, bounded: bool) -> str:
    columns = ", ".join(
        "sum(case when at > ? then 1 else 0 end), sum(case when at > ? then amount_fen else 0 end)"
        for _ in range(n_windows)
    )
    upper = " and at <= ?" if bounded else ""
    return (
        f"select key_type, {columns} from velocity_events"
        f" where {sqlite_driver.any_key(n_keys)} and at > ?{upper} group by key_type"
    )


@functools.lru_cache(maxsize=64)
def _totals_sql(n_keys: int, n_windows: int, bounded: bool) -> sa.Select[Any]:
    """Every window's count and sum for `n_keys` keys, built once per shape: its parameters are
    the keys (`t0`, `h0`, ...), the windows' starts (`b0`, ...), `since` and `until`."""
    t = velocity_events
    columns: list[Any] = [t.c.key_type]
    for i in range(n_windows):
        inside = t.c.at > sa.bindparam(f"b{i}", type_=t.c.at.type)
        columns.append(sa.func.sum(sa.case((inside, 1), else_=0)))
        columns.append(sa.func.sum(sa.case((inside, t.c.amount_fen), else_=0)))
    keys = (
        sa.and_(t.c.key_type == sa.bindparam(f"t{i}"), t.c.key_hash == sa.bindparam(f"h{i}"))
        for i in range(n_keys)
    )
    where = [sa.or_(*keys), t.c.at > sa.bindparam("since", type_=t.c.at.type)]
    if bounded:
        where.append(t.c.at <= sa.bindparam("until", type_=t.c.at.type))
    return sa.select(*columns).where(*where).group_by(t.c.key_type)
