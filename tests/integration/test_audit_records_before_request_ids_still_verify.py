"""Audit records written before request ids were kept (migration 0023) verify as before once the
database is upgraded, and the chain goes on from them with records that carry a request id. On
PostgreSQL the old records are appended by the server's `audit_append` of migration 0014, and
the new ones by its successor; on SQLite they are chained in Python."""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime, timedelta
from typing import Any

import sqlalchemy as sa

from fengkong.core import request_id as request_ids
from fengkong.db.database import Database
from fengkong.db.ledger_tables import audit_head, audit_log
from fengkong.db.migrate import upgrade
from fengkong.db.uow import SqlUnitOfWork
from fengkong.ledger.verify import verify_books

BEFORE = "0019_decisions_inline"  # the audit tables' revision before request ids
AT = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)


def _old_entries() -> list[dict[str, Any]]:
    return [
        {
            "at": AT + timedelta(seconds=i),
            "actor": "officer_1",
            "action": "loan.approved",
            "subject_type": "loan",
            "subject_id": f"loan_{i}",
            "payload": {"note": "人工复核", "amount_fen": 500000 + i},
        }
        for i in range(3)
    ]


def _old_body_cut(e: dict[str, Any]) -> tuple[str, str]:
    """The body as the code before request ids hashed it (one JSON document, sorted keys, no
    request id), cut where the number goes: written out here, not taken from the code under
    test."""
    at = e["at"].astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    document = json.dumps(
        {**e, "at": at, "seq": 0}, sort_keys=True, separators=(",", ":"), ensure_ascii=False
    )
    head, tail = document.split('"seq":0', 1)
    return head + '"seq":', tail


def _append_as_before(db: Database, entries: list[dict[str, Any]]) -> None:
    """What the code before request ids wrote, into the tables of revision `BEFORE`."""
    cuts = [_old_body_cut(e) for e in entries]
    with db.engine.begin() as conn:
        if db.dialect == "postgresql":  # the server function of migration 0014
            conn.execute(
                sa.text(
                    "select audit_append(:at, :actor, :action, :subject_type, :subject_id,"
                    " cast(cast(:payload as text[]) as jsonb[]), :head, :tail)"
                ),
                {
                    **{k: [e[k] for e in entries] for k in ("at", "actor", "action")},
                    **{k: [e[k] for e in entries] for k in ("subject_type", "subject_id")},
                    "payload": [json.dumps(e["payload"], ensure_ascii=False) for e in entries],
                    "head": [h for h, _ in cuts],
                    "tail": [t for _, t in cuts],
                },
            )
            return
        seq, digest = conn.execute(sa.select(audit_head.c.seq, audit_head.c.hash)).one()
        rows = []
        for e, (head, tail) in zip(entries, cuts, strict=True):
            seq, prev = seq + 1, digest
            digest = hashlib.sha256(f"{prev}{head}{seq}{tail}".encode()).hexdigest()
            rows.append({**e, "seq": seq, "prev_hash": prev, "hash": digest})
        conn.execute(audit_log.insert(), rows)  # the columns of revision `BEFORE` only
        conn.execute(audit_head.update().values(seq=seq, hash=digest))


def test_old_records_verify_after_the_upgrade_and_the_chain_goes_on(
    empty_database_url: str,
) -> None:
    db = Database(empty_database_url)
    try:
        upgrade(db, BEFORE)
        with db.engine.connect() as conn:
            columns = {c["name"] for c in sa.inspect(conn).get_columns("audit_log")}
        assert "request_id" not in columns  # truly the tables as they were
        _append_as_before(db, _old_entries())
        upgrade(db)

        uow = SqlUnitOfWork(db)
        with uow:
            report = verify_books(uow.audit.stream(), uow.audit.head(), uow.journal.entries())
            assert report.ok and report.records == 3
            assert [r.request_id for r in uow.audit.stream()] == [None] * 3

        token = request_ids.serving("cmpl-42")
        try:
            with uow:
                for i in range(2):
                    uow.audit.append(
                        at=AT + timedelta(minutes=1, seconds=i),
                        actor="api",
                        action="decision.made",
                        subject_type="application",
                        subject_id=f"app_{i}",
                        payload={"outcome": "approve"},
                    )
                uow.commit()
        finally:
            request_ids.done(token)

        with uow:
            records = list(uow.audit.stream())
            report = verify_books(records, uow.audit.head(), uow.journal.entries())
        assert report.ok and report.records == 5, report.findings
        assert [r.request_id for r in records] == [None, None, None, "cmpl-42", "cmpl-42"]
        assert records[3].prev_hash == records[2].hash
    finally:
        db.dispose()
