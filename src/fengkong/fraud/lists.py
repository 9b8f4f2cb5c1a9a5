"""Black, grey and white lists per key type, with reason, source, expiry and who added (and who
removed) each entry. Values are stored only as blind indexes plus a masked display form.

Removal is a soft delete that records who removed the entry, when and why: the list keeps its own
audit trail. People add, remove, import and export entries through `fraud.list_admin`, which
audits each change; this module holds the entry types, the one CSV format (`parse_list_csv`
validates every row and reports each rejected one, `export_csv` writes what it reads back) and
the look-ups a decision makes.

An exported file holds no value in clear: each row carries the entry's blind index (`key_hash`)
and masked display, and imports back as it is into a deployment with the same index key.
"""

from __future__ import annotations

import csv
import functools
import io
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from types import MappingProxyType
from typing import Any

import sqlalchemy as sa

from fengkong.core.clock import BUSINESS_TZ, Clock
from fengkong.core.errors import Conflict, FieldError, Invalid, NotFound
from fengkong.core.ids import new_id
from fengkong.db.database import Database
from fengkong.db.driver_reads import Query, standalone_reads
from fengkong.db.fraud_tables import fraud_list_entries
from fengkong.fraud.keys import Hasher, KeyType, canonical_key, display_key, hash_keys, key_hash

__all__ = [
    "CSV_COLUMNS",
    "EXPORT_COLUMNS",
    "KEY_TYPE_ALIASES",
    "ImportReport",
    "ListEntry",
    "ListEntryTaken",
    "ListHit",
    "ListKind",
    "NewListEntry",
    "RejectedRow",
    "SqlFraudLists",
    "check_actor",
    "entry_of",
    "entry_row",
    "export_csv",
    "open_entry_clash",
    "parse_entry",
    "parse_expiry",
    "parse_key_type",
    "parse_list_csv",
    "stored_entry",
]


class ListKind(StrEnum):
    BLACK = "black"  # 黑名单: decline
    GREY = "grey"  # 灰名单: refer for review
    WHITE = "white"  # 白名单: known good, e.g. staff test devices


CSV_COLUMNS = ("list", "key_type", "value", "reason", "source", "expires_at")
# What an export writes: no `value`, the blind index instead; `id`, `added_by` and `added_at` say
# where a row came from and are not read back (an import is added by whoever imports it).
EXPORT_COLUMNS = (
    "list",
    "key_type",
    "key_hash",
    "display",
    "reason",
    "source",
    "expires_at",
    "id",
    "added_by",
    "added_at",
)
_TEXT_MAX = {"reason": 2000, "source": 80, "added_by": 80, "display": 64}
_KEY_HASH = re.compile(r"[0-9a-f]{64}")

# The names people use for key types, beside the domain's own.
KEY_TYPE_ALIASES: Mapping[str, KeyType] = MappingProxyType(
    {
        "id": KeyType.RESIDENT_ID,
        "id_number": KeyType.RESIDENT_ID,
        "phone": KeyType.MOBILE,
        "card": KeyType.BANK_CARD,
        "company": KeyType.EMPLOYER,
    }
)


def parse_key_type(text: str) -> KeyType:
    """A key type by its name (`mobile`) or an alias (`phone`); `ValueError` naming the choices."""
    name = text.strip().lower()
    alias = KEY_TYPE_ALIASES.get(name)
    if alias is not None:
        return alias
    try:
        return KeyType(name)
    except ValueError:
        allowed = ", ".join([*(k.value for k in KeyType), *KEY_TYPE_ALIASES])
        raise ValueError(f"unknown key type; use one of {allowed}") from None


@dataclass(frozen=True, slots=True)
class NewListEntry:
    """An entry to add. Its key is `value` (canonical, in clear: hashed before it is stored), or,
    for a row of an exported file, `key_hash` with the masked `display` that came with it."""

    list: ListKind
    key_type: KeyType
    value: str = field(repr=False)
    reason: str
    source: str
    expires_at: datetime | None = None
    key_hash: str | None = None
    display: str | None = None


@dataclass(frozen=True, slots=True)
class ListEntry:
    id: str
    list: ListKind
    key_type: KeyType
    display: str | None
    reason: str
    source: str
    added_by: str
    added_at: datetime
    expires_at: datetime | None
    removed_by: str | None = None
    removed_at: datetime | None = None
    removal_reason: str | None = None
    key_hash: str = field(default="", repr=False)  # the blind index: never the value

    def active_at(self, at: datetime) -> bool:
        return self.removed_at is None and (self.expires_at is None or self.expires_at > at)


class ListEntryTaken(Conflict):
    """The database refused an entry: its key already has an open entry on that list, added
    since the caller looked (the one-open-entry index, `uq_fraud_list_entries_open`)."""


OPEN_ENTRY_INDEX = "uq_fraud_list_entries_open"


def open_entry_clash(exc: sa.exc.IntegrityError) -> bool:
    """Whether an insert was refused by the one-open-entry index (not by another constraint)."""
    diag = getattr(exc.orig, "diag", None)  # psycopg names the constraint
    if diag is not None:
        return getattr(diag, "constraint_name", None) == OPEN_ENTRY_INDEX
    # SQLite names the columns instead: only this index makes those three unique together
    return "UNIQUE constraint failed: fraud_list_entries.list" in str(exc.orig)


@dataclass(frozen=True, slots=True)
class ListHit:
    """An active entry that matched one of an application's keys."""

    list: ListKind
    key_type: KeyType
    entry_id: str
    reason: str
    source: str
    expires_at: datetime | None


@dataclass(frozen=True, slots=True)
class RejectedRow:
    line: int  # 1-based line in the file, the header being line 1
    errors: tuple[FieldError, ...]


@dataclass(frozen=True, slots=True)
class ImportReport:
    accepted: tuple[ListEntry, ...]
    rejected: tuple[RejectedRow, ...]


def parse_expiry(text: str) -> datetime:
    """`2026-12-31` (valid through that day in Beijing time) or an ISO instant; a naive instant is
    read as Beijing time."""
    text = text.strip()
    try:
        if len(text) == 10:
            day = date.fromisoformat(text)
            return datetime.combine(day + timedelta(days=1), time(), BUSINESS_TZ).astimezone(UTC)
        instant = datetime.fromisoformat(text)
    except ValueError:
        raise ValueError("not a date (YYYY-MM-DD) or an ISO 8601 date-time") from None
    if instant.tzinfo is None:
        instant = instant.replace(tzinfo=BUSINESS_TZ)
    return instant.astimezone(UTC)


def _row_entry(row: Mapping[str, str | None], now: datetime) -> NewListEntry:
    errors: list[FieldError] = []

    def cell(name: str) -> str:
        return (row.get(name) or "").strip()

    kind: ListKind | None = None
    try:
        kind = ListKind(cell("list").lower())
    except ValueError:
        allowed = ", ".join(k.value for k in ListKind)
        errors.append(FieldError(("list",), f"unknown list; use one of {allowed}", "enum"))
    key_type: KeyType | None = None
    try:
        key_type = parse_key_type(cell("key_type"))
    except ValueError as exc:
        errors.append(FieldError(("key_type",), str(exc), "enum"))
    value = ""
    hashed: str | None = None
    display: str | None = None
    if key_type is not None:
        if not cell("value") and cell("key_hash"):
            hashed, display = _exported_key(cell("key_hash"), cell("display"), errors)
        elif not cell("value"):
            errors.append(FieldError(("value",), "is required", "missing"))
        else:
            try:
                value = canonical_key(key_type, cell("value"), now.astimezone(BUSINESS_TZ).date())
            except Invalid as exc:
                errors.extend(FieldError(("value", *e.loc), e.msg, e.type) for e in exc.errors)
    for name in ("reason", "source"):
        if not cell(name):
            errors.append(FieldError((name,), "is required", "missing"))
        elif len(cell(name)) > _TEXT_MAX[name]:
            errors.append(FieldError((name,), f"at most {_TEXT_MAX[name]} characters", "length"))
    expires_at: datetime | None = None
    if cell("expires_at"):
        try:
            expires_at = parse_expiry(cell("expires_at"))
        except ValueError as exc:
            errors.append(FieldError(("expires_at",), str(exc), "date"))
        else:
            if expires_at <= now:
                errors.append(FieldError(("expires_at",), "is already past", "date"))
    if errors or kind is None or key_type is None:
        raise Invalid(tuple(errors))
    return NewListEntry(
        kind, key_type, value, cell("reason"), cell("source"), expires_at, hashed, display
    )


def parse_entry(fields: Mapping[str, str | None], now: datetime) -> NewListEntry:
    """One entry from its fields as text (`list`, `key_type`, `value`, `reason`, `source`,
    `expires_at`), checked exactly as a row of an imported file is; `Invalid` says which fields
    are wrong and why."""
    return _row_entry({k: fields.get(k) for k in CSV_COLUMNS}, now)


def _exported_key(
    key_hash: str, display: str, errors: list[FieldError]
) -> tuple[str | None, str | None]:
    """The blind index and masked display of an exported row, checked: the display is shown to
    people, so it must be a masked form, never a value in clear."""
    if not _KEY_HASH.fullmatch(key_hash):
        errors.append(FieldError(("key_hash",), "a blind index is 64 lowercase hex digits"))
        return None, None
    if display and ("*" not in display or len(display) > _TEXT_MAX["display"]):
        errors.append(
            FieldError(("display",), "must be a masked form (with '*'), at most 64 characters")
        )
        return None, None
    return key_hash, display or None


def parse_list_csv(
    text: str, now: datetime
) -> tuple[tuple[tuple[int, NewListEntry], ...], tuple[RejectedRow, ...]]:
    """Validate a list CSV: `(line, entry)` for each good row and a `RejectedRow` for each bad one.

    A header without the required columns is fatal: `Invalid`, and nothing is imported.
    """
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    header = tuple((name or "").strip().lower() for name in (reader.fieldnames or ()))
    missing = [c for c in ("list", "key_type", "reason", "source") if c not in header]
    if "value" not in header and "key_hash" not in header:
        missing.insert(2, "value")
    if missing:
        raise Invalid(
            (FieldError(("header",), f"missing column(s): {', '.join(missing)}", "missing"),),
            f"not a list file: the header needs {', '.join(CSV_COLUMNS)}",
        )
    reader.fieldnames = list(header)
    good: list[tuple[int, NewListEntry]] = []
    bad: list[RejectedRow] = []
    for row in reader:
        line = reader.line_num
        if not any((v or "").strip() for k, v in row.items() if k is not None):
            continue  # blank line
        try:
            good.append((line, _row_entry(row, now)))
        except Invalid as exc:
            bad.append(RejectedRow(line, exc.errors))
    return tuple(good), tuple(bad)


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


ListLookup = Query
"""A list look-up as a driver reader sends it (`lookup_query`)."""


def lookup_query(hashed: tuple[tuple[KeyType, str | None], ...], at: datetime) -> ListLookup | None:
    """The look-up of the active entries on any of the hashed keys at `at`, for a driver reader
    (`hits_of` reads its rows); None when no key is known. A decision sends it in the exchange
    that reads the registries and the applicant (`db.live_registry.SqlDecisionReads`)."""
    known = [(kt, h) for kt, h in hashed if h is not None]
    if not known:
        return None
    values: dict[str, Any] = {"at": at}
    for i, (kt, h) in enumerate(known):
        values[f"t{i}"], values[f"h{i}"] = kt.value, h
    return _lookup(len(known)), values


def hits_of(rows: Iterable[Sequence[Any]]) -> tuple[ListHit, ...]:
    """The hits in the rows of a `lookup_query`, as a driver reader types them."""
    return tuple(
        ListHit(ListKind(kind), KeyType(key_type), entry_id, reason, source, expires)
        for entry_id, kind, key_type, reason, source, expires in rows
    )


def export_csv(entries: Iterable[ListEntry]) -> str:
    """The entries as a CSV `parse_list_csv` reads back: blind indexes and masked displays only."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(EXPORT_COLUMNS)
    for e in entries:
        writer.writerow(
            (
                e.list.value,
                e.key_type.value,
                e.key_hash,
                e.display or "",
                e.reason,
                e.source,
                "" if e.expires_at is None else e.expires_at.astimezone(UTC).isoformat(),
                e.id,
                e.added_by,
                e.added_at.astimezone(UTC).isoformat(),
            )
        )
    return buffer.getvalue()


def stored_entry(
    entry: NewListEntry, entry_id: str, hasher: Hasher, added_by: str, now: datetime
) -> ListEntry:
    """The entry as it is stored: its key reduced to the blind index and a masked display."""
    if entry.key_hash is not None:
        hashed, display = entry.key_hash, entry.display
    else:
        hashed = key_hash(entry.key_type, entry.value, hasher)
        display = display_key(entry.key_type, entry.value)
    return ListEntry(
        id=entry_id,
        list=entry.list,
        key_type=entry.key_type,
        display=display,
        reason=entry.reason,
        source=entry.source,
        added_by=added_by,
        added_at=now,
        expires_at=entry.expires_at,
        key_hash=hashed,
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


def check_actor(actor: str, field_name: str) -> None:
    """Who adds or removes an entry: named, in at most 80 characters."""
    if not isinstance(actor, str) or not actor.strip() or len(actor) > _TEXT_MAX["added_by"]:
        raise Invalid((FieldError((field_name,), "names who acts, 1 to 80 characters"),))


class SqlFraudLists:
    def __init__(self, db: Database, hasher: Hasher, clock: Clock) -> None:
        self.db = db
        self.hasher = hasher
        self.clock = clock

    @staticmethod
    def _check_actor(actor: str, field_name: str) -> None:
        check_actor(actor, field_name)

    def add(self, entry: NewListEntry, added_by: str) -> ListEntry:
        """Add one entry, unaudited: for the synthetic traffic of `fraud.evaluate` and tests.
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
        query = lookup_query(hashed, at or self.clock.now())
        if query is None:
            return ()
        with standalone_reads(self.db) as reads:
            (rows,) = reads.rows_of(query)
        return hits_of(rows)
