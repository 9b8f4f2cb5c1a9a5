"""Black, grey and white lists per key type, with reason, source, expiry and who added (and who
removed) each entry. Values are stored only as blind indexes plus a masked display form.

Removal is a soft delete that records who removed the entry, when and why: the list keeps its own
audit trail. People add, remove, import and export entries through `fraud.list_admin`, which
audits each change; this module holds the entry types, the one CSV format (`parse_list_csv`
validates every row and reports each rejected one, `export_csv` writes what it reads back) and
the look-ups a decision makes (`ListLookup`, kept by a `ListStore`: `db.fraud_lists` in the
database).

An exported file holds no value in clear: each row carries the entry's blind index (`key_hash`)
and masked display, and imports back as it is into a deployment with the same index key.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from types import MappingProxyType
from typing import Protocol

from fengkong.core.clock import BUSINESS_TZ
from fengkong.core.errors import Conflict, FieldError, Invalid
from fengkong.fraud.keys import Hasher, KeyType, canonical_key, display_key, key_hash

__all__ = [
    "CSV_COLUMNS",
    "EXPORT_COLUMNS",
    "KEY_TYPE_ALIASES",
    "ImportReport",
    "ListEntry",
    "ListEntryTaken",
    "ListHit",
    "ListKind",
    "ListLookup",
    "ListStore",
    "NewListEntry",
    "RejectedRow",
    "check_actor",
    "export_csv",
    "lookup_query",
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

    A header without the required columns, or text the CSV reader cannot split (an unclosed
    quote, a field over its size limit), is fatal: `Invalid`, and nothing is imported.
    """
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    try:
        return _parse_rows(reader, now)
    except csv.Error as exc:
        raise Invalid(
            (FieldError(("file", reader.line_num), f"not readable as CSV: {exc}", "csv"),),
            f"not a list file: line {reader.line_num} cannot be read as CSV",
        ) from None


def _parse_rows(
    reader: csv.DictReader[str], now: datetime
) -> tuple[tuple[tuple[int, NewListEntry], ...], tuple[RejectedRow, ...]]:
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


@dataclass(frozen=True, slots=True)
class ListLookup:
    """A look-up of the active entries (not removed, not expired at `at`) on any of an
    application's known keys, as hashed (key type, blind index) pairs. The store that keeps the
    lists turns it into its query (`db.fraud_lists.list_query`)."""

    keys: tuple[tuple[KeyType, str], ...] = field(repr=False)
    at: datetime


def lookup_query(hashed: tuple[tuple[KeyType, str | None], ...], at: datetime) -> ListLookup | None:
    """The look-up of the active entries on any of the hashed keys at `at`; None when no key is
    known. A decision sends it in the exchange that reads the registries and the applicant
    (`db.live_registry.SqlDecisionReads`)."""
    known = tuple((kt, h) for kt, h in hashed if h is not None)
    return ListLookup(known, at) if known else None


class ListStore(Protocol):
    """Where the lists are kept, as a decision reads them (`db.fraud_lists.SqlFraudLists`)."""

    def lookup(
        self, keys: Mapping[KeyType, str | None], at: datetime | None = None
    ) -> tuple[ListHit, ...]: ...

    def lookup_hashed(
        self, hashed: tuple[tuple[KeyType, str | None], ...], at: datetime | None = None
    ) -> tuple[ListHit, ...]: ...


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


def check_actor(actor: str, field_name: str) -> None:
    """Who adds or removes an entry: named, in at most 80 characters."""
    if not isinstance(actor, str) or not actor.strip() or len(actor) > _TEXT_MAX["added_by"]:
        raise Invalid((FieldError((field_name,), "names who acts, 1 to 80 characters"),))
