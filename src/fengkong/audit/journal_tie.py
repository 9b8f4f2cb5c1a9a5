"""How an audit record accounts for the journal entries its action posted (记账与审计互证).

A use case that posts entries appends its audit record with `journal=` the entries' ids; the
record's payload then carries them under `JOURNAL_KEY` (inside the hashed body, so the naming
cannot be changed unnoticed), and the store writes the record's seq on each entry
(`journal_entries.audit_seq`). A few entries are named one by one; a batch (an end-of-day chunk)
by its count and a digest of its ids, so the record stays small. `ledger.ties` checks both
directions: every entry has its record, and every record's entries are all there.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from fengkong.audit.chain import AuditRecord

JOURNAL_KEY = "journal"
# Up to this many entries are named in the payload; more are stated as count and digest.
NAMED_AT_MOST = 64


def entries_digest(entry_ids: Iterable[str]) -> str:
    """sha256 over the ids sorted and joined by newlines, hex: the same set, the same digest."""
    return hashlib.sha256("\n".join(sorted(entry_ids)).encode("utf-8")).hexdigest()


def tie_payload(entry_ids: Sequence[str]) -> dict[str, object]:
    """What goes under `JOURNAL_KEY` for `entry_ids`."""
    if len(entry_ids) <= NAMED_AT_MOST:
        return {"entries": list(entry_ids)}
    return {"count": len(entry_ids), "sha256": entries_digest(entry_ids)}


@dataclass(frozen=True, slots=True)
class Tie:
    """The entries audit record `seq` accounts for: by name (`named`), or by count and digest."""

    seq: int
    at: datetime
    named: frozenset[str] | None
    count: int
    digest: str

    def accounts_for(self, entry_ids: Sequence[str]) -> bool:
        if self.named is not None:
            return set(entry_ids) == self.named
        return len(entry_ids) == self.count and entries_digest(entry_ids) == self.digest


def tie_of(record: AuditRecord) -> Tie | None:
    """The record's tie, None when it names no journal entries (or not in this form)."""
    spec = record.payload.get(JOURNAL_KEY) if isinstance(record.payload, Mapping) else None
    if not isinstance(spec, Mapping):
        return None
    named = spec.get("entries")
    if isinstance(named, list) and all(isinstance(i, str) for i in named):
        ids = frozenset(named)
        return Tie(record.seq, record.at, ids, len(ids), entries_digest(ids))
    count, digest = spec.get("count"), spec.get("sha256")
    if isinstance(count, int) and isinstance(digest, str):
        return Tie(record.seq, record.at, None, count, digest)
    return None
