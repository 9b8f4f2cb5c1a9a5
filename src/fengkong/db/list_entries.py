"""The list entries a person manages (`fraud.list_admin.ListEntryStore`), in the unit of work's
transaction. The decision's look-ups read the same table through `fraud.lists.lookup_query`."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from fengkong.db.fraud_lists import entry_of, entry_row, open_entry_clash
from fengkong.db.fraud_tables import fraud_list_entries
from fengkong.fraud.keys import KeyType
from fengkong.fraud.list_admin import ListEntryQuery
from fengkong.fraud.lists import ListEntry, ListEntryTaken

_T = fraud_list_entries
_CHUNK = 500  # hashes per look-up: well under every driver's limit on bound parameters


def _active(at: datetime) -> sa.ColumnElement[bool]:
    return sa.and_(
        _T.c.removed_at.is_(None), sa.or_(_T.c.expires_at.is_(None), _T.c.expires_at > at)
    )


class SqlListEntries:
    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, entries: Sequence[ListEntry]) -> None:
        """Insert the entries; `ListEntryTaken` if one's key has an open entry on its list (the
        transaction is then spoilt on PostgreSQL: the caller starts again)."""
        if not entries:
            return
        try:
            self.session.execute(sa.insert(_T), [entry_row(e) for e in entries])
        except IntegrityError as exc:
            if not open_entry_clash(exc):
                raise
            raise ListEntryTaken("a key was added to the same list at the same time") from exc

    def get(self, entry_id: str) -> ListEntry | None:
        row = self.session.execute(sa.select(_T).where(_T.c.id == entry_id)).first()
        return None if row is None else entry_of(row)

    def mark_removed(self, entry_id: str, removed_by: str, at: datetime, reason: str) -> bool:
        done = self.session.execute(
            sa.update(_T)
            .where(_T.c.id == entry_id, _T.c.removed_at.is_(None))
            .values(removed_by=removed_by, removed_at=at, removal_reason=reason)
        )
        return bool(done.rowcount)  # type: ignore[attr-defined]

    def open_on(self, keys: Sequence[tuple[KeyType, str]]) -> list[ListEntry]:
        """The entries not removed on any of `keys`, expired or not: at most one per list."""
        wanted = set(keys)
        hashes = sorted({h for _, h in wanted})
        found: list[ListEntry] = []
        for start in range(0, len(hashes), _CHUNK):
            rows = self.session.execute(
                sa.select(_T)
                .where(_T.c.key_hash.in_(hashes[start : start + _CHUNK]), _T.c.removed_at.is_(None))
                .order_by(_T.c.id)
            )
            found.extend(e for e in map(entry_of, rows) if (e.key_type, e.key_hash) in wanted)
        return found

    def find(self, query: ListEntryQuery, at: datetime) -> list[ListEntry]:
        select = sa.select(_T).order_by(_T.c.added_at.desc(), _T.c.id.desc())
        if query.list is not None:
            select = select.where(_T.c.list == query.list.value)
        if query.key_type is not None:
            select = select.where(_T.c.key_type == query.key_type.value)
        if query.key_hash is not None:
            select = select.where(_T.c.key_hash == query.key_hash)
        if not query.include_inactive:
            select = select.where(_active(at))
        if query.limit is not None:
            select = select.limit(query.limit)
        return [entry_of(row) for row in self.session.execute(select)]
