"""The books in the database: append-only audit chain and idempotent journal postings."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from datetime import datetime
from typing import Any, cast

import psycopg
import sqlalchemy as sa
from psycopg.types.json import Jsonb
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from fengkong.core.errors import Conflict
from fengkong.core.money import Fen
from fengkong.db.ledger_tables import audit_head, audit_log, journal_entries, journal_postings
from fengkong.ledger.accounts import AccountKey, Side, account_by_code
from fengkong.ledger.audit import AuditRecord, ChainPoint, append
from fengkong.ledger.journal import EntryKind, JournalEntry, Posting

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
# The same two writes as driver SQL, sent pipelined on PostgreSQL: one round trip, not two.
_PG_INSERT_RECORD = (
    "INSERT INTO audit_log (seq, at, actor, action, subject_type, subject_id, payload, prev_hash, "
    "hash) VALUES (%(seq)s, %(at)s, %(actor)s, %(action)s, %(subject_type)s, %(subject_id)s, "
    "%(payload)s, %(prev_hash)s, %(hash)s)"
)
_PG_MOVE_HEAD = (
    "UPDATE audit_head SET seq = %(seq)s, hash = %(hash)s WHERE id = 1 AND seq = %(was)s"
)


class SqlAuditLog:
    """The chain in the caller's transaction. With `batched`, appended records are written when
    the unit of work commits (or before anything reads the chain): all of them in one insert and
    one move of the head, however many the transaction appends."""

    def __init__(self, session: Session, *, batched: bool = False) -> None:
        self.session = session
        self.batched = batched
        # Once this transaction holds the head's lock, the head is known: later appends in the
        # same unit of work need not read it again.
        self._locked_head: ChainPoint | None = None
        self._stored_head: ChainPoint | None = None  # the head as the table holds it
        self._pending: list[AuditRecord] = []

    def append(
        self,
        *,
        at: datetime,
        actor: str,
        action: str,
        subject_type: str,
        subject_id: str,
        payload: Mapping[str, object] | None = None,
    ) -> AuditRecord:
        """Chain a record onto the head, in the caller's transaction. The head row is locked (on
        PostgreSQL; SQLite transactions take the write lock when they begin), so appends are
        serialised and the chain never forks."""
        head = self._locked_head
        if head is None:
            row = self.session.execute(_HEAD_FOR_UPDATE).one()
            head = self._stored_head = ChainPoint(row.seq, row.hash)
        record = append(
            head,
            at=at,
            actor=actor,
            action=action,
            subject_type=subject_type,
            subject_id=subject_id,
            payload=payload,
        )
        self._locked_head = ChainPoint(record.seq, record.hash)
        self._pending.append(record)
        if not self.batched:
            self.flush()
        return record

    def flush(self) -> None:
        """Write the records appended since the last flush, and move the head past them."""
        if not self._pending:
            return
        pending, self._pending = self._pending, []
        assert self._stored_head is not None
        last = pending[-1]
        head = {"was": self._stored_head.seq, "seq": last.seq, "hash": last.hash}
        if self.session.get_bind().dialect.name == "postgresql":
            moved = _pipelined_flush(self.session, pending, head)
        else:
            self.session.execute(_INSERT_RECORD, [_audit_row(r) for r in pending])
            moved = self.session.execute(_MOVE_HEAD, head).rowcount  # type: ignore[attr-defined]
        if moved != 1:
            raise Conflict("the audit head moved during the append; retry")
        self._stored_head = ChainPoint(last.seq, last.hash)

    def release(self) -> None:
        """The transaction ended: the head's lock is gone, so is what we knew of it."""
        self._locked_head = self._stored_head = None
        self._pending = []

    def head(self) -> ChainPoint:
        self.flush()
        row = self.session.execute(_HEAD).one()
        return ChainPoint(row.seq, row.hash)

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

    def for_subject(self, subject_type: str, subject_id: str) -> list[AuditRecord]:
        self.flush()
        rows = self.session.execute(
            sa.select(audit_log)
            .where(audit_log.c.subject_type == subject_type, audit_log.c.subject_id == subject_id)
            .order_by(audit_log.c.seq)
        )
        return [_audit_record(r._mapping) for r in rows]


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
    }


def _pipelined_flush(session: Session, pending: list[AuditRecord], head: dict[str, Any]) -> int:
    """Insert the records and move the head in one round trip; returns the rows the move hit."""
    connection = cast("psycopg.Connection[Any]", session.connection().connection.driver_connection)
    rows = [{**_audit_row(r), "payload": Jsonb(dict(r.payload))} for r in pending]
    with connection.cursor() as insert, connection.cursor() as move:
        with connection.pipeline():
            insert.executemany(_PG_INSERT_RECORD, rows)
            move.execute(_PG_MOVE_HEAD, head)
        return move.rowcount


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
