"""In-memory twins of the books (`db/ledger_repository.py`): the audit chain, hashed by the same
`ledger.audit.chained` as the database's, so `verify` reads it as it reads theirs; and the
journal, idempotent per key."""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from datetime import datetime

from fakes.records import DuplicateKey
from fakes.tables import PostedEntry, Tables
from fengkong.audit.browse import AuditQuery
from fengkong.audit.chain import GENESIS, AuditEntry, AuditRecord, ChainPoint, chained, entry
from fengkong.audit.journal_tie import JOURNAL_KEY, tie_payload
from fengkong.core import request_id as request_ids
from fengkong.core.errors import Conflict
from fengkong.ledger.accounts import AccountKey
from fengkong.ledger.journal import JournalEntry


def unchained(record: AuditRecord) -> AuditEntry:
    """What was appended, without its place in the chain: to chain it again elsewhere."""
    return AuditEntry(
        at=record.at,
        actor=record.actor,
        action=record.action,
        subject_type=record.subject_type,
        subject_id=record.subject_id,
        payload=record.payload,
        request_id=record.request_id,
    )


class MemoryAuditLog:
    """The chain in the unit of work's snapshot. Each record carries the id of the request being
    served (`core.request_id`), None outside one."""

    def __init__(self, tables: Tables) -> None:
        self.tables = tables

    def append(
        self,
        *,
        at: datetime,
        actor: str,
        action: str,
        subject_type: str,
        subject_id: str,
        payload: Mapping[str, object] | None = None,
        journal: Sequence[str] = (),
    ) -> None:
        if journal:  # as the database's log names them; the memory journal keeps no seq
            payload = {**(payload or {}), JOURNAL_KEY: tie_payload(journal)}
        new = entry(
            at=at,
            actor=actor,
            action=action,
            subject_type=subject_type,
            subject_id=subject_id,
            payload=payload,
            request_id=request_ids.current(),
        )
        records = self.tables.audit
        records.append(chained(records[-1] if records else None, new))

    def flush(self) -> None:
        """Nothing waits: every append is in the snapshot at once."""

    def release(self) -> None:
        """Nothing is locked."""

    def count(self) -> int:
        return len(self.tables.audit)

    def head(self) -> ChainPoint:
        records = self.tables.audit
        return records[-1].point if records else GENESIS

    def stream(self, batch: int = 2000) -> Iterator[AuditRecord]:
        yield from list(self.tables.audit)

    def recent(self, query: AuditQuery) -> list[AuditRecord]:
        found = [
            r
            for r in reversed(self.tables.audit)
            if (not query.action or r.action.startswith(query.action))
            and (not query.subject_id or r.subject_id == query.subject_id)
            and (not query.actor or r.actor == query.actor)
        ]
        return found[: query.limit]

    def for_subject(self, subject_type: str, subject_id: str) -> list[AuditRecord]:
        return [
            r
            for r in self.tables.audit
            if r.subject_type == subject_type and r.subject_id == subject_id
        ]


class MemoryJournal:
    def __init__(self, tables: Tables) -> None:
        self.tables = tables

    def post(
        self, entry: JournalEntry, request_hash: str, posted_at: datetime
    ) -> tuple[JournalEntry, bool]:
        """Post `entry` once per idempotency key. A retry with the same request returns the entry
        already posted (and False); the same key with a different request is a `Conflict`."""
        existing = self._by_key(entry.idempotency_key)
        if existing is not None:
            if existing.request_hash != request_hash:
                raise Conflict(
                    f"idempotency key {entry.idempotency_key!r} was already used for a"
                    " different request"
                )
            return existing.entry, False
        if entry.entry_id in self.tables.journal:
            raise DuplicateKey(f"journal_entries: {entry.entry_id!r} is taken")
        self.tables.journal[entry.entry_id] = PostedEntry(entry, request_hash, posted_at)
        return entry, True

    def _by_key(self, key: str) -> PostedEntry | None:
        return next(
            (p for p in self.tables.journal.values() if p.entry.idempotency_key == key), None
        )

    def get(self, entry_id: str) -> JournalEntry | None:
        posted = self.tables.journal.get(entry_id)
        return None if posted is None else posted.entry

    def entries(self) -> Iterator[JournalEntry]:
        ordered = sorted(
            self.tables.journal.values(), key=lambda p: (p.posted_at, p.entry.entry_id)
        )
        for posted in ordered:
            yield posted.entry

    def entries_of_loan(self, loan_id: str, limit: int) -> list[JournalEntry]:
        newest = sorted(
            self.tables.journal.values(),
            key=lambda p: (p.posted_at, p.entry.entry_id),
            reverse=True,
        )
        mine = [p.entry for p in newest if any(x.loan_id == loan_id for x in p.entry.postings)]
        return mine[:limit]

    def balances(self, loan_id: str | None = None) -> dict[AccountKey, int]:
        """Balances derived from the postings, signed by each account's normal side."""
        result: dict[AccountKey, int] = {}
        for posted in self.tables.journal.values():
            for p in posted.entry.postings:
                if loan_id is None or p.loan_id == loan_id:
                    key = AccountKey(p.account.code, p.loan_id)
                    result[key] = result.get(key, 0) + p.signed_amount
        return result
