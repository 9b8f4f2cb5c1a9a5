"""The database velocity store (the default): one row per event and key in `velocity_events`.

`record_and_count` serializes writers per key — PostgreSQL transaction-scoped advisory locks taken
in key order, SQLite's single writer lock taken by the insert — then inserts and counts in the same
transaction, so two concurrent events on one key never see the same count.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from fengkong.core.clock import Clock
from fengkong.db.database import Database
from fengkong.db.fraud_tables import velocity_events
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

# The first int4 of PostgreSQL's two-key advisory lock space: "VELO", so other users of advisory
# locks in the same database cannot collide with ours.
_LOCK_NAMESPACE = 0x56454C4F


def advisory_lock_key(key_type: KeyType, digest: str) -> int:
    """A signed 32-bit lock id for one key; a collision only serializes two keys, never merges."""
    raw = hashlib.sha256(f"{key_type.value}:{digest}".encode()).digest()[:4]
    return int.from_bytes(raw, "big", signed=True)


Known = tuple[tuple[KeyType, str], ...]


class SqlVelocityStore:
    backend = "sql"

    def __init__(self, db: Database, hasher: Hasher, clock: Clock) -> None:
        self.db = db
        self.hasher = hasher
        self.clock = clock
        self._insert = pg_insert if db.dialect == "postgresql" else sqlite_insert

    def record_and_count(
        self, event: VelocityEvent, windows: tuple[Window, ...] = DEFAULT_WINDOWS
    ) -> VelocitySnapshot:
        windows = check_windows(windows)
        hashed = event.hashed(self.hasher)
        known: Known = tuple((kt, h) for kt, h in hashed if h is not None)
        totals: dict[KeyType, tuple[tuple[int, int], ...]] = {}
        if known:
            with self.db.engine.connect() as conn:
                self._lock(conn, known)
                rows = [
                    {
                        "key_type": kt.value,
                        "key_hash": h,
                        "event_id": event.event_id,
                        "at": event.at,
                        "amount_fen": int(event.amount),
                    }
                    for kt, h in known
                ]
                conn.execute(self._insert(velocity_events).values(rows).on_conflict_do_nothing())
                # No upper bound: an event a concurrent writer stamped a moment later but recorded
                # first is already in the past of this one.
                totals = _totals(conn, known, windows, event.at, until=None)
                conn.commit()
        return snapshot_from_rows(event.at, windows, hashed, totals, self.backend)

    def count(
        self,
        keys: Mapping[KeyType, str | None],
        windows: tuple[Window, ...] = DEFAULT_WINDOWS,
        at: datetime | None = None,
    ) -> VelocitySnapshot:
        windows = check_windows(windows)
        at = at or self.clock.now()
        hashed = hash_keys(keys, self.hasher)
        known: Known = tuple((kt, h) for kt, h in hashed if h is not None)
        totals: dict[KeyType, tuple[tuple[int, int], ...]] = {}
        if known:
            with self.db.engine.connect() as conn:
                totals = _totals(conn, known, windows, at, until=at)
        return snapshot_from_rows(at, windows, hashed, totals, self.backend)

    def _lock(self, conn: sa.Connection, known: Known) -> None:
        if self.db.dialect == "postgresql":
            lock_ids = sorted({advisory_lock_key(kt, h) for kt, h in known})
            calls = ", ".join(f"pg_advisory_xact_lock({_LOCK_NAMESPACE}, {i})" for i in lock_ids)
            conn.exec_driver_sql(f"select {calls}")
        # SQLite has one writer: the insert below, the transaction's first statement, takes the
        # write lock (waiting out the busy timeout) before anything is read, so the count that
        # follows sees every earlier writer and no later one.


def _totals(
    conn: sa.Connection,
    known: Known,
    windows: tuple[Window, ...],
    at: datetime,
    until: datetime | None,
) -> dict[KeyType, tuple[tuple[int, int], ...]]:
    t = velocity_events
    columns: list[Any] = [t.c.key_type]
    for w in windows:
        inside = t.c.at > at - w.duration
        columns.append(sa.func.sum(sa.case((inside, 1), else_=0)))
        columns.append(sa.func.sum(sa.case((inside, t.c.amount_fen), else_=0)))
    longest = max(w.duration for w in windows)
    where = [
        sa.or_(*(sa.and_(t.c.key_type == kt.value, t.c.key_hash == h) for kt, h in known)),
        t.c.at > at - longest,
    ]
    if until is not None:
        where.append(t.c.at <= until)
    stmt = sa.select(*columns).where(*where).group_by(t.c.key_type)
    out: dict[KeyType, tuple[tuple[int, int], ...]] = {}
    for row in conn.execute(stmt):
        values = tuple(row)[1:]
        out[KeyType(row[0])] = tuple(
            (int(values[2 * i] or 0), int(values[2 * i + 1] or 0)) for i in range(len(windows))
        )
    return out
