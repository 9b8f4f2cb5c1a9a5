"""Black, grey and white lists managed by people: add, remove, import, export and look at entries.

Each change is one unit of work that writes the entry and its audit record together, so the audit
log holds every entry added or removed, by whom and why. Values arrive in clear only to be
canonicalized and hashed (`lists.stored_entry`); what is stored, audited, shown and exported is
the blind index and a masked display.

An active entry is unique per list and key: adding the same key to the same list again is a
`Conflict`, and an import rejects such a row (and a key repeated within the file) with the entry
it duplicates, so importing a file twice, or an export back, adds nothing twice. The database
holds at most one open (not removed) entry per list and key (migration 0028), so two people
adding the same key at once cannot both succeed: the one whose insert is refused reads again and
gets the same `Conflict`, or the same rejected row. An entry that has expired but was never
removed is closed (removed, audited, naming its successor) when its key is added again.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Protocol, TypeVar

from fengkong.audit.port import AuditAppender
from fengkong.core.actor import officer_audit_name
from fengkong.core.clock import BUSINESS_TZ, Clock
from fengkong.core.errors import Conflict, FieldError, Invalid, NotFound
from fengkong.core.ids import new_id
from fengkong.core.uow import UnitOfWork
from fengkong.fraud.keys import Hasher, KeyType, canonical_key, key_hash
from fengkong.fraud.lists import (
    ImportReport,
    ListEntry,
    ListEntryTaken,
    ListKind,
    NewListEntry,
    RejectedRow,
    check_actor,
    export_csv,
    parse_list_csv,
    stored_entry,
)

__all__ = [
    "ListAdmin",
    "ListEntryQuery",
    "ListEntryStore",
    "add_entry",
    "apply_addition",
    "apply_import",
    "apply_removal",
    "export_entries",
    "find_entries",
    "get_entry",
    "import_entries",
    "remove_entry",
]

SUBJECT = "list_entry"
REMOVAL_REASON_MAX = 2000
# An add refused by the database (someone added the same key meanwhile) reads again: the read then
# sees the other entry. Two retries suffice unless the same key is re-added and removed in a loop.
_ATTEMPTS = 3
T = TypeVar("T")


class ListEntryStore(Protocol):
    def add(self, entries: Sequence[ListEntry]) -> None: ...
    def get(self, entry_id: str) -> ListEntry | None: ...
    def mark_removed(self, entry_id: str, removed_by: str, at: datetime, reason: str) -> bool: ...
    def open_on(self, keys: Sequence[tuple[KeyType, str]]) -> Sequence[ListEntry]: ...
    def find(self, query: ListEntryQuery, at: datetime) -> Sequence[ListEntry]: ...


class ListAdminUnitOfWork(UnitOfWork, Protocol):
    @property
    def list_entries(self) -> ListEntryStore: ...
    @property
    def audit(self) -> AuditAppender: ...


@dataclass(frozen=True, slots=True)
class ListAdmin:
    """What the use cases need: a unit of work per change, the blind-index hasher, the clock."""

    uow: Callable[[], ListAdminUnitOfWork]
    hasher: Hasher
    clock: Clock


@dataclass(frozen=True, slots=True)
class ListEntryQuery:
    """Which entries to show or export; `key_hash` picks one key's entries. Without
    `include_inactive`, only entries active now (not removed, not expired)."""

    list: ListKind | None = None
    key_type: KeyType | None = None
    key_hash: str | None = None
    include_inactive: bool = False
    limit: int | None = 100

    def __post_init__(self) -> None:
        if self.limit is not None and not 1 <= self.limit <= 100_000:
            raise Invalid((FieldError(("limit",), "between 1 and 100000"),))


def _actor(officer: str) -> str:
    return officer_audit_name(officer)


def _audit_added(uow: ListAdminUnitOfWork, e: ListEntry, via: str, **extra: object) -> None:
    # An approved change is the checker's act: the record names them, and the maker in `extra`.
    checker = extra.get("checker")
    uow.audit.append(
        at=e.added_at,
        actor=checker if isinstance(checker, str) else _actor(e.added_by),
        action="list.entry_added",
        subject_type=SUBJECT,
        subject_id=e.id,
        payload={
            "list": e.list.value,
            "key_type": e.key_type.value,
            "display": e.display,
            "reason": e.reason,
            "source": e.source,
            "expires_at": e.expires_at,
            "via": via,
            **extra,
        },
    )


def _audit_removed(
    uow: ListAdminUnitOfWork, e: ListEntry, by: str, at: datetime, reason: str, **extra: object
) -> None:
    checker = extra.get("checker")
    uow.audit.append(
        at=at,
        actor=checker if isinstance(checker, str) else _actor(by),
        action="list.entry_removed",
        subject_type=SUBJECT,
        subject_id=e.id,
        payload={
            "list": e.list.value,
            "key_type": e.key_type.value,
            "display": e.display,
            "reason": reason,
            **extra,
        },
    )


def _duplicate(e: ListEntry) -> str:
    return f"already on the {e.list.value} list as {e.id}"


def _retrying(attempt: Callable[[], T]) -> T:
    """Run `attempt` (one unit of work) again when the database refused its entry."""
    for _ in range(_ATTEMPTS - 1):
        try:
            return attempt()
        except ListEntryTaken:
            continue  # another add of the same key committed first: the next read sees it
    return attempt()


_Key = tuple[ListKind, KeyType, str]


def _open_entries(uow: ListAdminUnitOfWork, entries: Iterable[ListEntry]) -> dict[_Key, ListEntry]:
    """The open entry (active, or lapsed but not removed) on each entry's list and key."""
    keys = sorted({(e.key_type, e.key_hash) for e in entries})
    return {(e.list, e.key_type, e.key_hash): e for e in uow.list_entries.open_on(keys)}


def _close_lapsed(uow: ListAdminUnitOfWork, lapsed: ListEntry, successor: ListEntry) -> None:
    """Remove an expired entry that nobody removed, so its key can be added again (the database
    keeps one open entry per list and key); audited like a removal, naming its successor."""
    assert lapsed.expires_at is not None
    reason = f"expired {lapsed.expires_at.isoformat()}; replaced by {successor.id}"
    at, by = successor.added_at, successor.added_by
    if uow.list_entries.mark_removed(lapsed.id, by, at, reason):
        _audit_removed(uow, lapsed, by, at, reason, via="replaced", replaced_by=successor.id)


def add_entry(entry: NewListEntry, added_by: str, admin: ListAdmin) -> ListEntry:
    """Add one entry at once (its value canonical: see `keys.canonical_key`), audited;
    `Conflict` if its key is already active on that list. People ask for additions through
    `list_changes` instead, which an approver approves; this is the change itself."""
    check_actor(added_by, "added_by")
    stored = new_stored_entry(entry, added_by, admin)

    def attempt() -> ListEntry:
        with admin.uow() as uow:
            apply_addition(uow, stored, "add")
            uow.commit()
        return stored

    return _retrying(attempt)


def new_stored_entry(entry: NewListEntry, added_by: str, admin: ListAdmin) -> ListEntry:
    """`entry` as it would be stored now, by `added_by`; `Invalid` if it expires already."""
    now = admin.clock.now()
    if entry.expires_at is not None and entry.expires_at <= now:
        raise Invalid((FieldError(("expires_at",), "is already past", "date"),))
    return stored_entry(entry, new_id("lst", admin.clock), admin.hasher, added_by.strip(), now)


def apply_addition(
    uow: ListAdminUnitOfWork, stored: ListEntry, via: str, **audit: object
) -> ListEntry:
    """Add `stored` in the caller's unit of work, audited (`audit` adds to the record:
    who asked and who approved); `Conflict` if its key is active on its list now. A lapsed
    entry on the same key is closed first."""
    twin = _open_entries(uow, (stored,)).get((stored.list, stored.key_type, stored.key_hash))
    if twin is not None:
        if twin.active_at(stored.added_at):
            raise Conflict(_duplicate(twin))
        _close_lapsed(uow, twin, stored)
    uow.list_entries.add((stored,))
    _audit_added(uow, stored, via, **audit)
    return stored


def check_removal_reason(reason: str) -> str:
    cleaned = reason.strip() if isinstance(reason, str) else ""
    if not cleaned or len(cleaned) > REMOVAL_REASON_MAX:
        raise Invalid((FieldError(("reason",), "a reason is required, at most 2000 characters"),))
    return cleaned


def remove_entry(entry_id: str, removed_by: str, reason: str, admin: ListAdmin) -> ListEntry:
    """Take an entry off its list at once; the row stays, with who removed it, when and why
    (audited). People ask for removals through `list_changes`; this is the change itself."""
    check_actor(removed_by, "removed_by")
    cleaned = check_removal_reason(reason)
    with admin.uow() as uow:
        removed = apply_removal(uow, entry_id, removed_by.strip(), cleaned, admin.clock.now())
        uow.commit()
    return removed


def apply_removal(
    uow: ListAdminUnitOfWork, entry_id: str, by: str, reason: str, at: datetime, **audit: object
) -> ListEntry:
    """Remove the entry in the caller's unit of work, audited; `NotFound`, or `Conflict` if it
    was removed already."""
    entry = uow.list_entries.get(entry_id)
    if entry is None:
        raise NotFound(f"no list entry {entry_id!r}")
    if not uow.list_entries.mark_removed(entry_id, by, at, reason):
        raise Conflict(f"list entry {entry_id!r} was already removed")
    _audit_removed(uow, entry, by, at, reason, **audit)
    return replace(entry, removed_by=by, removed_at=at, removal_reason=reason)


def parse_import(
    text: str, added_by: str, admin: ListAdmin
) -> tuple[list[tuple[int, ListEntry]], list[RejectedRow]]:
    """The rows of a list CSV as entries stored now by `added_by` (with their lines), and the
    rows refused by their content; a bad header raises `Invalid`."""
    now = admin.clock.now()
    good, bad = parse_list_csv(text, now)
    stored = [
        (line, stored_entry(e, new_id("lst", admin.clock), admin.hasher, added_by.strip(), now))
        for line, e in good
    ]
    return stored, list(bad)


def import_entries(text: str, added_by: str, admin: ListAdmin) -> ImportReport:
    """Import a list CSV (`lists.parse_list_csv`) at once: every row is checked, the good ones
    added and audited in one unit of work, each bad one reported with its line and why — a row
    whose key is already active on its list, or repeats an earlier row's, included (also when it
    was added by someone else while the file was read in). A fatal error (a bad header, a
    database failure) adds nothing. People ask for imports through `list_changes`."""
    check_actor(added_by, "added_by")
    stored, bad = parse_import(text, added_by, admin)

    def attempt() -> ImportReport:
        with admin.uow() as uow:
            report = apply_import(uow, stored, bad, admin.clock.now())
            if report.accepted:
                uow.commit()
        return report

    return _retrying(attempt)


def apply_import(
    uow: ListAdminUnitOfWork,
    stored: Sequence[tuple[int, ListEntry]],
    bad: Sequence[RejectedRow],
    now: datetime,
    **audit: object,
) -> ImportReport:
    """Add the rows of an import in the caller's unit of work, audited, refusing (with their
    line) those whose key is active on its list now or repeats an earlier row's."""
    rejected = list(bad)
    on_list = _open_entries(uow, (e for _, e in stored))
    in_file: dict[_Key, int] = {}
    accepted: list[tuple[int, ListEntry]] = []
    for line, e in stored:
        key = (e.list, e.key_type, e.key_hash)
        twin = on_list.get(key)
        why = None
        if key in in_file:
            why = f"repeats line {in_file[key]}"
        elif twin is not None and twin.active_at(now):
            why = _duplicate(twin)
        if why is not None:
            rejected.append(RejectedRow(line, (FieldError(("value",), why, "duplicate"),)))
            continue
        if twin is not None:
            _close_lapsed(uow, twin, e)
        in_file[key] = line
        accepted.append((line, e))
    if accepted:
        uow.list_entries.add([e for _, e in accepted])
        for line, e in accepted:
            _audit_added(uow, e, "import", line=line, **audit)
    rejected.sort(key=lambda r: r.line)
    return ImportReport(tuple(e for _, e in accepted), tuple(rejected))


def get_entry(entry_id: str, admin: ListAdmin) -> ListEntry:
    with admin.uow() as uow:
        entry = uow.list_entries.get(entry_id)
    if entry is None:
        raise NotFound(f"no list entry {entry_id!r}")
    return entry


def key_of(key_type: KeyType, value: str, admin: ListAdmin) -> str:
    """The blind index of a value typed by a person, to find its entries (`Invalid` if the value
    is not a valid key of that type)."""
    today = admin.clock.now().astimezone(BUSINESS_TZ).date()
    try:
        canonical = canonical_key(key_type, value, today)
    except Invalid as exc:
        raise Invalid(tuple(FieldError(("value",), e.msg, e.type) for e in exc.errors)) from None
    return key_hash(key_type, canonical, admin.hasher)


def find_entries(query: ListEntryQuery, admin: ListAdmin) -> tuple[ListEntry, ...]:
    with admin.uow() as uow:
        return tuple(uow.list_entries.find(query, admin.clock.now()))


def export_entries(query: ListEntryQuery, admin: ListAdmin) -> tuple[str, int]:
    """The entries `query` picks as an importable CSV (`lists.export_csv`), and how many."""
    entries: Iterable[ListEntry] = find_entries(query, admin)
    rows = tuple(entries)
    return export_csv(rows), len(rows)
