"""The black, grey and white lists in the database (`fraud_list_entries`): the `ListStore` a
decision reads, the look-up as a driver reader sends it, and the row mapping that
`db.list_entries` shares. The lists stay in the database even with Redis configured."""

from __future__ import annotations

import functools
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from fengkong.core.clock import Clock
from fengkong.core.errors import NotFound
from fengkong.core.ids import new_id
from fengkong.db.database import Database
from fengkong.db.driver_reads import Query, standalone_reads
from fengkong.db.fraud_tables import fraud_list_entries
from fengkong.fraud.keys import Hasher, KeyType, hash_keys
from fengkong.fraud.lists import (
    ListEntry,
    ListEntryTaken,
    ListHit,
    ListKind,
    ListLookup,
    NewListEntry,
    check_actor,
    lookup_query,
    stored_entry,
)

__all__ = [
    "OPEN_ENTRY_INDEX",
    "SqlFraudLists",
    "entry_of",
    "entry_row",
    "hits_of",
    "list_query",
    "open_entry_clash",
]

OPEN_ENTRY_INDEX = "uq_fraud_list_entries_open"


def open_entry_clash(exc: sa.exc.IntegrityError) -> bool:
    """Whether an insert was refused by the one-open-entry index (not by another constraint)."""
    diag = getattr(exc.orig, "diag", None)  # psycopg names the constraint
    if diag is not None:
        return getattr(diag, "constraint_name", None) == OPEN_ENTRY_INDEX
    # SQLite names the columns instead: only this index makes those three unique together
    return "UNIQUE constraint failed: fraud_list_entries.list" in str(exc.orig)


@functools.lru_cache(maxsize=16)
def _lookup(keys: int) -> sa.Select[Any]:
    """Active entries on any of `keys` (key type, hash) pairs: one index probe per pair."""
    e = fraud_list_entries.c
    on_a_key = sa.or_(
        *(
            sa.and_(e.key_type == sa.bindparam(f"t{i}"), e.key_hash == sa.bindparam(f"h{i}"))
            for i in range(keys)
        )
    )
    return (
        sa.select(e.id, e.list, e.key_type, e.reason, e.source, e.expires_at)
        .where(on_a_key, e.removed_at.is_(None))
        .where(sa.or_(e.expires_at.is_(None), e.expires_at > sa.bindparam("at")))
        .order_by(e.list, e.key_type, e.id)
    )


def list_query(lookup: ListLookup) -> Query:
    """The look-up (`fraud.lists.lookup_query`) as a driver reader sends it; `hits_of` reads its
    rows."""
    values: dict[str, Any] = {"at": lookup.at}
    for i, (kt, h) in enumerate(lookup.keys):
        values[f"t{i}"], values[f"h{i}"] = kt.value, h
    return _lookup(len(lookup.keys)), values


def hits_of(rows: Iterable[Sequence[Any]]) -> tuple[ListHit, ...]:
    """The hits in the rows of a `lookup_query`, as a driver reader types them."""
    return tuple(
        ListHit(ListKind(kind), KeyType(key_type), entry_id, reason, source, expires)
        for entry_id, kind, key_type, reason, source, expires in rows
    )


def entry_row(e: ListEntry) -> dict[str, Any]:
    """The `fraud_list_entries` row of a new entry."""
    return {
        "id": e.id,
        "list": e.list.value,
        "key_type": e.key_type.value,
        "key_hash": e.key_hash,
        "display": e.display,
        "reason": e.reason,
        "source": e.source,
        "added_by": e.added_by,
        "added_at": e.added_at,
        "expires_at": e.expires_at,
    }


def entry_of(row: Any) -> ListEntry:
    """A `fraud_list_entries` row as an entry."""
    return _entry(row)


def _entry(row: Any) -> ListEntry:
    return ListEntry(
        id=row.id,
        list=ListKind(row.list),
        key_type=KeyType(row.key_type),
        display=row.display,
        reason=row.reason,
        source=row.source,
        added_by=row.added_by,
        added_at=row.added_at,
        expires_at=row.expires_at,
        removed_by=row.removed_by,
        removed_at=row.removed_at,
        removal_reason=row.removal_reason,
        key_hash=row.key_hash,
    )


class SqlFraudLists:
    def __init__(self, db: Database, hasher: Hasher, clock: Clock) -> None:
        self.db = db
        self.hasher = hasher
        self.clock = clock

    @staticmethod
    def _check_actor(actor: str, field_name: str) -> None:
        check_actor(actor, field_name)

    def add(self, entry: NewListEntry, added_by: str) -> ListEntry:
        """Add one entry, unaudited: for the synthetic traffic of `sim.fraud_evaluation` and tests.
        People add entries through `fraud.list_admin.add_entry`, which audits them."""
        self._check_actor(added_by, "added_by")
        stored = stored_entry(
            entry, new_id("lst", self.clock), self.hasher, added_by, self.clock.now()
        )
        try:
            with self.db.engine.begin() as conn:
                conn.execute(sa.insert(fraud_list_entries).values(entry_row(stored)))
        except sa.exc.IntegrityError as exc:
            if not open_entry_clash(exc):
                raise
            raise ListEntryTaken(f"already on the {stored.list.value} list") from exc
        return self._get(stored.id)

    def _get(self, entry_id: str) -> ListEntry:
        with self.db.engine.connect() as conn:
            row = conn.execute(
                sa.select(fraud_list_entries).where(fraud_list_entries.c.id == entry_id)
            ).first()
        if row is None:
            raise NotFound(f"no list entry {entry_id!r}")
        return _entry(row)

    def get(self, entry_id: str) -> ListEntry:
        return self._get(entry_id)

    def lookup(
        self, keys: Mapping[KeyType, str | None], at: datetime | None = None
    ) -> tuple[ListHit, ...]:
        """Active entries (not removed, not expired at `at`) matching any of the canonical keys."""
        return self.lookup_hashed(hash_keys(keys, self.hasher), at)

    def lookup_hashed(
        self, hashed: tuple[tuple[KeyType, str | None], ...], at: datetime | None = None
    ) -> tuple[ListHit, ...]:
        # Through the driver, outside any transaction: one round trip on PostgreSQL, no write
        # lock on SQLite. The lists stay in the database even with Redis: a copy there could miss
        # a new black-list entry unless each look-up asked the database whether it is current,
        # a round trip as well.
        lookup = lookup_query(hashed, at or self.clock.now())
        if lookup is None:
            return ()
        with standalone_reads(self.db) as reads:
            (rows,) = reads.rows_of(list_query(lookup))
        return hits_of(rows)
