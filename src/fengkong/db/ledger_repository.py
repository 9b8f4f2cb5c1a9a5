"""The books in the database: append-only audit chain and idempotent journal postings."""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import ARRAY, JSONB
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from fengkong.audit.browse import AuditQuery
from fengkong.audit.chain import (
    AuditEntry,
    AuditRecord,
    ChainPoint,
    body_around_seq,
    canonical_json,
    chained,
    entry,
)
from fengkong.audit.journal_tie import JOURNAL_KEY, tie_payload
from fengkong.core import request_id as request_ids
from fengkong.core.errors import Conflict
from fengkong.core.money import Fen
from fengkong.db.ledger_tables import audit_head, audit_log, journal_entries, journal_postings
from fengkong.db.write_behind import WriteBehind
from fengkong.ledger.accounts import AccountKey, Side, account_by_code
from fengkong.ledger.journal import EntryKind, JournalEntry, Posting
from fengkong.ledger.ties import EntryTie

_HEAD_FOR_UPDATE = (
    sa.select(audit_head.c.seq, audit_head.c.hash).where(audit_head.c.id == 1).with_for_update()
)
_HEAD = sa.select(audit_head.c.seq, audit_head.c.hash).where(audit_head.c.id == 1)
_INSERT_RECORD = audit_log.insert()
_MOVE_HEAD = (
    audit_head.update()
    .where(audit_head.c.id == 1, audit_head.c.seq == sa.bindparam("was"))
    .values(seq=sa.bindparam("seq"), hash=sa.bindparam("hash"))
)
# A record that accounts for journal entries writes its seq on them (`audit.journal_tie`): known
# here when Python chains the record; when the server does, the record is `back` places before
# the head that `audit_append` leaves, which this transaction holds locked until it commits.
_TIE_SEQ = (
    journal_entries.update()
    .where(journal_entries.c.entry_id == sa.bindparam("b_entry_id"))
    .values(audit_seq=sa.bindparam("b_seq", type_=sa.BigInteger()))
)
_TIE_ON_SERVER = (
    journal_entries.update()
    .where(journal_entries.c.entry_id == sa.bindparam("b_entry_id"))
    .values(
        audit_seq=sa.select(audit_head.c.seq).where(audit_head.c.id == 1).scalar_subquery()
        - sa.bindparam("b_back", type_=sa.BigInteger())
    )
)
_TEXTS = ARRAY(sa.Text())
# PostgreSQL's `audit_append` (migrations 0014, 0023): locks the head, numbers and hashes the
# records.
_APPEND_ON_SERVER = sa.select(
    sa.func.audit_append(
        sa.bindparam("at", type_=ARRAY(sa.DateTime(timezone=True))),
        *(
            sa.bindparam(name, type_=_TEXTS)
            for name in ("actor", "action", "subject_type", "subject_id")
        ),
        sa.cast(sa.bindparam("payload", type_=_TEXTS), ARRAY(JSONB())),
        sa.bindparam("body_head", type_=_TEXTS),
        sa.bindparam("body_tail", type_=_TEXTS),
        sa.bindparam("request_id", type_=_TEXTS),
    )
)


class SqlAuditLog:
    """The chain in the caller's transaction. With `batched`, appended records are written when
    the unit of work commits (or before anything reads the chain): all of them in one insert and
    one move of the head, however many the transaction appends. With `writes` on PostgreSQL, the
    server chains them (`audit_append`), in the same exchange as the commit: the head's lock is
    then held for the commit alone, and no exchange waits to read the head. Each record carries
    the id of the request being served (`core.request_id`), None outside one."""

    def __init__(
        self, session: Session, *, batched: bool = False, writes: WriteBehind | None = None
    ) -> None:
        self.session = session
        self.batched = batched
        self.writes = writes  # where the records wait for the commit, when the caller has one
        self._on_server = writes is not None and session.get_bind().dialect.name == "postgresql"
        # Once this transaction holds the head's lock, the head is known: later appends in the
        # same unit of work need not read it again.
        self._locked_head: ChainPoint | None = None
        self._stored_head: ChainPoint | None = None  # the head as the table holds it
        self._pending: list[AuditRecord] = []
        self._unchained: list[AuditEntry] = []  # for the server to chain
        # journal entries to tie: (seq, entry id) when chained here, (index in `_unchained`,
        # entry id) when the server chains
        self._ties: list[tuple[int, str]] = []

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
        """Chain a record onto the head, in the caller's transaction. The head row is locked (on
        PostgreSQL; SQLite transactions take the write lock when they begin), so appends are
        serialised and the chain never forks. `journal`: the entries the action posted, already
        written in this transaction, which the record accounts for and which get its seq."""
        if journal:
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
        if self._on_server:
            self._ties.extend((len(self._unchained), e) for e in journal)
            self._unchained.append(new)
            return
        head = self._locked_head
        if head is None:
            if self.writes is not None:  # with the writes held so far, in one exchange
                seq, digest = self.writes.fetch_one(_HEAD_FOR_UPDATE, {})
            else:
                seq, digest = self.session.execute(_HEAD_FOR_UPDATE).one()
            head = self._stored_head = ChainPoint(seq, digest)
        record = chained(head, new)
        self._locked_head = ChainPoint(record.seq, record.hash)
        self._ties.extend((record.seq, e) for e in journal)
        self._pending.append(record)
        if not self.batched:
            self.flush()

    def flush(self) -> None:
        """Write the records appended since the last flush, and move the head past them."""
        if self._unchained:
            assert self.writes is not None
            unchained, self._unchained = self._unchained, []
            self.writes.call(_APPEND_ON_SERVER, _server_arguments(unchained))
            ties, self._ties = self._ties, []
            final = len(unchained) - 1
            self.writes.update_rows(
                _TIE_ON_SERVER, [{"b_entry_id": e, "b_back": final - i} for i, e in ties]
            )
        if not self._pending:
            return
        pending, self._pending = self._pending, []
        ties, self._ties = self._ties, []
        tie_rows = [{"b_entry_id": e, "b_seq": seq} for seq, e in ties]
        assert self._stored_head is not None
        last = pending[-1]
        move = {"was": self._stored_head.seq, "seq": last.seq, "hash": last.hash}
        if self.writes is not None:
            self.writes.insert(audit_log, [_audit_row(r) for r in pending])
            self.writes.update_one(_MOVE_HEAD, move)
            self.writes.update_rows(_TIE_SEQ, tie_rows)
        else:
            self.session.execute(_INSERT_RECORD, [_audit_row(r) for r in pending])
            moved = self.session.execute(_MOVE_HEAD, move)
            if moved.rowcount != 1:  # type: ignore[attr-defined]
                raise Conflict("the audit head moved during the append; retry")
            if tie_rows:
                self.session.execute(_TIE_SEQ, tie_rows)
        self._stored_head = ChainPoint(last.seq, last.hash)

    def release(self) -> None:
        """The transaction ended: the head's lock is gone, so is what we knew of it."""
        self._locked_head = self._stored_head = None
        self._pending = []
        self._unchained = []
        self._ties = []

    def head(self) -> ChainPoint:
        self.flush()
        row = self.session.execute(_HEAD).one()
        return ChainPoint(row.seq, row.hash)

    def count(self) -> int:
        """How many records the table holds (the head's seq, while nothing was deleted)."""
        self.flush()
        return int(self.session.execute(sa.select(sa.func.count()).select_from(audit_log)).one()[0])

    def stream(self, batch: int = 2000) -> Iterator[AuditRecord]:
        """Every record in seq order, read in pages so a long chain never sits in memory."""
        self.flush()
        after = -1
        while True:
            rows = self.session.execute(
                sa.select(audit_log)
                .where(audit_log.c.seq > after)
                .order_by(audit_log.c.seq)
                .limit(batch)
            ).all()
            for row in rows:
                yield _audit_record(row._mapping)
            if len(rows) < batch:
                return
            after = rows[-1].seq

    def recent(self, query: AuditQuery) -> list[AuditRecord]:
        """The newest records first, narrowed by an action prefix, a subject id, an actor."""
        self.flush()
        chosen = sa.select(audit_log).order_by(audit_log.c.seq.desc()).limit(query.limit)
        if query.action:
            chosen = chosen.where(audit_log.c.action.startswith(query.action, autoescape=True))
        if query.subject_id:
            chosen = chosen.where(audit_log.c.subject_id == query.subject_id)
        if query.actor:
            chosen = chosen.where(audit_log.c.actor == query.actor)
        return [_audit_record(r._mapping) for r in self.session.execute(chosen)]

    def for_subject(self, subject_type: str, subject_id: str) -> list[AuditRecord]:
        self.flush()
        rows = self.session.execute(
            sa.select(audit_log)
            .where(audit_log.c.subject_type == subject_type, audit_log.c.subject_id == subject_id)
            .order_by(audit_log.c.seq)
        )
        return [_audit_record(r._mapping) for r in rows]


def _server_arguments(entries: list[AuditEntry]) -> dict[str, list[Any]]:
    payloads = [canonical_json(e.payload) for e in entries]
    cuts = [body_around_seq(e, p) for e, p in zip(entries, payloads, strict=True)]
    return {
        "at": [e.at for e in entries],
        "actor": [e.actor for e in entries],
        "action": [e.action for e in entries],
        "subject_type": [e.subject_type for e in entries],
        "subject_id": [e.subject_id for e in entries],
        "payload": payloads,
        "body_head": [head for head, _ in cuts],
        "body_tail": [tail for _, tail in cuts],
        "request_id": [e.request_id for e in entries],
    }


def _audit_row(record: AuditRecord) -> dict[str, Any]:
    return {
        "seq": record.seq,
        "at": record.at,
        "actor": record.actor,
        "action": record.action,
        "subject_type": record.subject_type,
        "subject_id": record.subject_id,
        "payload": dict(record.payload),
        "prev_hash": record.prev_hash,
        "hash": record.hash,
        "request_id": record.request_id,
    }


def _audit_record(r: Any) -> AuditRecord:
    return AuditRecord(
        seq=r["seq"],
        at=r["at"],
        actor=r["actor"],
        action=r["action"],
        subject_type=r["subject_type"],
        subject_id=r["subject_id"],
        payload=r["payload"],
        prev_hash=r["prev_hash"],
        hash=r["hash"],
        request_id=r["request_id"],
    )


class SqlJournal:
    def __init__(self, session: Session) -> None:
        self.session = session

    def post(
        self, entry: JournalEntry, request_hash: str, posted_at: datetime
    ) -> tuple[JournalEntry, bool]:
        """Post `entry` once per idempotency key. A retry with the same request returns the entry
        already posted (and False); the same key with a different request is a `Conflict`."""
        existing = self._by_key(entry.idempotency_key)
        if existing is not None:
            return self._replay(existing, request_hash), False
        try:
            with self.session.begin_nested():
                self._insert(entry, request_hash, posted_at)
        except IntegrityError:
            # A concurrent retry with the same key won the race; answer as that retry would.
            existing = self._by_key(entry.idempotency_key)
            if existing is None:
                raise
            return self._replay(existing, request_hash), False
        return entry, True

    def _replay(self, existing: tuple[JournalEntry, str], request_hash: str) -> JournalEntry:
        entry, stored_hash = existing
        if stored_hash != request_hash:
            raise Conflict(
                f"idempotency key {entry.idempotency_key!r} was already used for a different request"
            )
        return entry

    def _insert(self, entry: JournalEntry, request_hash: str, posted_at: datetime) -> None:
        self.session.execute(
            journal_entries.insert().values(
                entry_id=entry.entry_id,
                business_date=entry.business_date,
                kind=entry.kind.value,
                idempotency_key=entry.idempotency_key,
                request_hash=request_hash,
                memo=entry.memo,
                reverses=entry.reverses,
                posted_at=posted_at,
            )
        )
        self.session.execute(
            journal_postings.insert(),
            [
                {
                    "entry_id": entry.entry_id,
                    "line": line,
                    "account_code": p.account.code,
                    "loan_id": p.loan_id,
                    "side": p.side.value,
                    "amount_fen": int(p.amount),
                }
                for line, p in enumerate(entry.postings)
            ],
        )

    def _by_key(self, key: str) -> tuple[JournalEntry, str] | None:
        row = self.session.execute(
            sa.select(journal_entries).where(journal_entries.c.idempotency_key == key)
        ).first()
        if row is None:
            return None
        return self._entry(row._mapping), row.request_hash

    def get(self, entry_id: str) -> JournalEntry | None:
        row = self.session.execute(
            sa.select(journal_entries).where(journal_entries.c.entry_id == entry_id)
        ).first()
        return None if row is None else self._entry(row._mapping)

    def _entry(self, r: Any) -> JournalEntry:
        postings = self.session.execute(
            sa.select(journal_postings)
            .where(journal_postings.c.entry_id == r["entry_id"])
            .order_by(journal_postings.c.line)
        )
        return JournalEntry(
            entry_id=r["entry_id"],
            business_date=r["business_date"],
            kind=EntryKind(r["kind"]),
            postings=tuple(
                Posting(account_by_code(p.account_code), Fen(p.amount_fen), Side(p.side), p.loan_id)
                for p in postings
            ),
            idempotency_key=r["idempotency_key"],
            memo=r["memo"],
            reverses=r["reverses"],
        )

    def entries(self) -> Iterator[JournalEntry]:
        for row in self.session.execute(
            sa.select(journal_entries).order_by(
                journal_entries.c.posted_at, journal_entries.c.entry_id
            )
        ):
            yield self._entry(row._mapping)

    def entries_of_loan(self, loan_id: str, limit: int) -> list[JournalEntry]:
        """The latest `limit` entries with a posting on the loan, newest first (the loan_id
        index), each with all its postings: two queries, not one per entry."""
        mine = (
            sa.select(journal_postings.c.entry_id)
            .where(journal_postings.c.loan_id == loan_id)
            .distinct()
        )
        heads = self.session.execute(
            sa.select(journal_entries)
            .where(journal_entries.c.entry_id.in_(mine))
            .order_by(journal_entries.c.posted_at.desc(), journal_entries.c.entry_id.desc())
            .limit(limit)
        ).all()
        ids = [h.entry_id for h in heads]
        lines: dict[str, list[Posting]] = {i: [] for i in ids}
        for p in self.session.execute(
            sa.select(journal_postings)
            .where(journal_postings.c.entry_id.in_(ids))
            .order_by(journal_postings.c.entry_id, journal_postings.c.line)
        ):
            posting = Posting(
                account_by_code(p.account_code), Fen(p.amount_fen), Side(p.side), p.loan_id
            )
            lines[p.entry_id].append(posting)
        return [
            JournalEntry(
                entry_id=h.entry_id,
                business_date=h.business_date,
                kind=EntryKind(h.kind),
                postings=tuple(lines[h.entry_id]),
                idempotency_key=h.idempotency_key,
                memo=h.memo,
                reverses=h.reverses,
            )
            for h in heads
        ]

    def ties(self) -> Iterator[EntryTie]:
        """Each entry's id, the audit record it is tied to (None before the tie-in) and when it
        was posted, in posting order."""
        for row in self.session.execute(
            sa.select(
                journal_entries.c.entry_id, journal_entries.c.audit_seq, journal_entries.c.posted_at
            ).order_by(journal_entries.c.posted_at, journal_entries.c.entry_id)
        ):
            yield EntryTie(row.entry_id, row.audit_seq, row.posted_at)

    def balances(self, loan_id: str | None = None) -> dict[AccountKey, int]:
        """Balances derived from the postings (never stored), signed by each account's normal side."""
        signed = sa.case(
            (journal_postings.c.side == Side.DEBIT.value, journal_postings.c.amount_fen),
            else_=-journal_postings.c.amount_fen,
        )
        query = sa.select(
            journal_postings.c.account_code, journal_postings.c.loan_id, sa.func.sum(signed)
        ).group_by(journal_postings.c.account_code, journal_postings.c.loan_id)
        if loan_id is not None:
            query = query.where(journal_postings.c.loan_id == loan_id)
        result: dict[AccountKey, int] = {}
        for code, loan, debit_minus_credit in self.session.execute(query):
            account = account_by_code(code)
            sign = 1 if account.normal_side == Side.DEBIT else -1
            result[AccountKey(code, loan)] = sign * int(debit_minus_credit)
        return result
