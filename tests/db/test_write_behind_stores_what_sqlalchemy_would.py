"""A unit of work holds its inserts and audit records until the commit (db/write_behind.py): the
rows stored must be exactly those SQLAlchemy would store, reads inside the unit of work must see
its own pending writes, and a failed write must leave nothing behind."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import psycopg
import pytest
import sqlalchemy as sa

from factories import consent
from fengkong.audit.verify import verify
from fengkong.core.errors import Conflict
from fengkong.db.consent_repository import SqlConsentRepository
from fengkong.db.database import Database
from fengkong.db.ledger_tables import audit_head
from fengkong.db.onboarding_tables import consents
from fengkong.db.uow import SqlUnitOfWork
from fengkong.db.write_behind import WriteBehind
from fengkong.onboarding.consent import ConsentRecord

AT = datetime(2026, 3, 2, 9, 30, 0, 123456, tzinfo=UTC)
SUBJECT = "ab" * 32


def _consent(i: int, *, revoked: bool = False) -> ConsentRecord:
    return consent(i, SUBJECT, AT, revoked=revoked)


def _rows(db: Database) -> list[tuple[object, ...]]:
    with db.engine.connect() as conn:
        return [tuple(r) for r in conn.execute(sa.select(consents).order_by(consents.c.id))]


def test_held_inserts_store_the_rows_a_direct_insert_stores(db: Database) -> None:
    with db.session() as session:  # the plain way: SQLAlchemy executes each insert
        SqlConsentRepository(session).add(_consent(1, revoked=True))
        SqlConsentRepository(session).add(_consent(2))
        session.commit()
    direct = _rows(db)
    with db.engine.begin() as conn:
        conn.execute(sa.delete(consents))
    with SqlUnitOfWork(db) as uow:  # held, then sent through the driver with the commit
        uow.consents.add(_consent(1, revoked=True))
        uow.consents.add(_consent(2))
        uow.commit()
    assert _rows(db) == direct
    assert len(direct) == 2


def test_a_read_in_the_unit_of_work_sees_its_own_pending_writes(db: Database) -> None:
    with SqlUnitOfWork(db) as uow:
        uow.consents.add(_consent(3))
        seen = uow.consents.for_subject(SUBJECT)
        assert [c.id for c in seen] == ["cns_0003"]
        assert seen[0].granted_at == _consent(3).granted_at
        uow.commit()


def test_leaving_without_commit_writes_nothing(db: Database) -> None:
    with SqlUnitOfWork(db) as uow:
        uow.consents.add(_consent(4))
        uow.audit.append(
            at=AT, actor="t", action="consent.recorded", subject_type="consent", subject_id="x"
        )
    assert _rows(db) == []
    with SqlUnitOfWork(db) as uow:
        assert uow.audit.head().seq == 0


def test_a_failed_held_write_rolls_back_the_whole_transaction(db: Database) -> None:
    with SqlUnitOfWork(db) as uow:
        uow.consents.add(_consent(5))
        uow.commit()
    with pytest.raises(sa.exc.IntegrityError), SqlUnitOfWork(db) as uow:
        uow.consents.add(_consent(6))
        uow.audit.append(
            at=AT, actor="t", action="consent.recorded", subject_type="consent", subject_id="y"
        )
        uow.consents.add(_consent(5))  # the same id again
        uow.commit()
    assert [r[0] for r in _rows(db)] == ["cns_0005"]
    with SqlUnitOfWork(db) as uow:
        head = uow.audit.head()
        assert head.seq == 0
        assert verify(uow.audit.stream(), head=head) == ()
    if db.dialect == "postgresql":  # the failed commit left the pooled connection as it was
        raw = db.engine.raw_connection()
        try:
            driver: Any = raw.driver_connection
            assert driver.autocommit is False
            assert driver.info.transaction_status == psycopg.pq.TransactionStatus.IDLE
        finally:
            raw.close()


def test_an_update_that_misses_its_row_fails_before_anything_commits(db: Database) -> None:
    moved = (
        audit_head.update()
        .where(audit_head.c.id == 1, audit_head.c.seq == sa.bindparam("was"))
        .values(seq=sa.bindparam("seq"), hash=sa.bindparam("hash"))
    )
    with db.session() as session:
        writes = WriteBehind(session)
        SqlConsentRepository(session, writes).add(_consent(7))
        writes.update_one(moved, {"was": 41, "seq": 42, "hash": "0" * 64})  # no such head
        with pytest.raises(Conflict):
            writes.flush(commit=True)
        session.rollback()
        writes.close()
    assert _rows(db) == []


def test_audit_records_held_for_the_commit_keep_the_chain(db: Database) -> None:
    for n in range(3):
        with SqlUnitOfWork(db) as uow:
            for k in range(n + 1):
                uow.audit.append(
                    at=AT, actor="t", action="probe", subject_type="probe", subject_id=f"{n}.{k}"
                )
            uow.commit()
    with SqlUnitOfWork(db) as uow:
        head = uow.audit.head()
        assert head.seq == 6
        assert verify(uow.audit.stream(), head=head) == ()
