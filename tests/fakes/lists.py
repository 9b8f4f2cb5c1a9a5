"""The in-memory twin of `db/list_entries.py`: the entries a person manages on the fraud lists."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from datetime import datetime

from fakes.records import DuplicateKey
from fakes.tables import Tables
from fengkong.fraud.keys import KeyType
from fengkong.fraud.list_admin import ListEntryQuery
from fengkong.fraud.lists import ListEntry, ListEntryTaken


def _slot(e: ListEntry) -> tuple[str, str, str]:
    return (e.list.value, e.key_type.value, e.key_hash)


class MemoryListEntries:
    def __init__(self, tables: Tables) -> None:
        self.tables = tables

    def add(self, entries: Sequence[ListEntry]) -> None:
        """All the entries or none; `ListEntryTaken` if one's key has an open entry on its list
        (the database's partial unique index)."""
        rows = self.tables.list_entries
        taken = {_slot(e) for e in rows.values() if e.removed_at is None}
        for e in entries:
            if e.id in rows:
                raise DuplicateKey(f"fraud_list_entries: {e.id!r} is taken")
            if e.removed_at is None:
                if _slot(e) in taken:
                    raise ListEntryTaken("a key was added to the same list at the same time")
                taken.add(_slot(e))
        rows.update((e.id, e) for e in entries)

    def get(self, entry_id: str) -> ListEntry | None:
        return self.tables.list_entries.get(entry_id)

    def mark_removed(self, entry_id: str, removed_by: str, at: datetime, reason: str) -> bool:
        e = self.tables.list_entries.get(entry_id)
        if e is None or e.removed_at is not None:
            return False
        self.tables.list_entries[entry_id] = dataclasses.replace(
            e, removed_by=removed_by, removed_at=at, removal_reason=reason
        )
        return True

    def open_on(self, keys: Sequence[tuple[KeyType, str]]) -> list[ListEntry]:
        """The entries not removed on any of `keys`, expired or not: at most one per list."""
        wanted = set(keys)
        return sorted(
            (
                e
                for e in self.tables.list_entries.values()
                if e.removed_at is None and (e.key_type, e.key_hash) in wanted
            ),
            key=lambda e: e.id,
        )

    def find(self, query: ListEntryQuery, at: datetime) -> list[ListEntry]:
        found = [
            e
            for e in self.tables.list_entries.values()
            if (query.list is None or e.list == query.list)
            and (query.key_type is None or e.key_type == query.key_type)
            and (query.key_hash is None or e.key_hash == query.key_hash)
            and (query.include_inactive or e.active_at(at))
        ]
        found.sort(key=lambda e: (e.added_at, e.id), reverse=True)
        return found[: query.limit]
