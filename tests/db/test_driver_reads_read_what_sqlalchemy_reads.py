"""Reads sent straight through the driver (db/driver_reads.py) return the rows SQLAlchemy returns
for the same statement, typed the same way (aware UTC datetimes, not the driver's text or naive
values), read alike when several are sent together, leave no transaction open on the pooled connection, and refuse a statement whose `IN`
list the driver could not expand."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from factories import consent
from fengkong.db.consent_repository import FOR_SUBJECT
from fengkong.db.database import Database
from fengkong.db.driver_reads import standalone_reads
from fengkong.db.onboarding_tables import consents
from fengkong.db.uow import SqlUnitOfWork

AT = datetime(2026, 3, 2, 9, 30, 0, 123456, tzinfo=UTC)
SUBJECT = "cd" * 32


def _store(db: Database, n: int) -> None:
    with SqlUnitOfWork(db) as uow:
        for i in range(n):
            uow.consents.add(consent(i, SUBJECT, AT, revoked=i == 0))
        uow.commit()


def test_rows_match_sqlalchemy_and_datetimes_are_aware_utc(db: Database) -> None:
    _store(db, 3)
    with db.engine.connect() as conn:
        expected = [dict(r._mapping) for r in conn.execute(FOR_SUBJECT, {"subject": SUBJECT})]
    with standalone_reads(db) as reads:
        got = reads.mappings(FOR_SUBJECT, {"subject": SUBJECT})
        assert reads.mappings(FOR_SUBJECT, {"subject": "nobody"}) == []
    assert got == expected
    assert len(got) == 3
    assert got[0]["revoked_at"] == AT + timedelta(days=1)
    assert all(r["granted_at"].tzinfo is not None for r in got)
    assert got[1]["revoked_at"] is None


def test_statements_read_together_read_what_each_reads_alone(db: Database) -> None:
    _store(db, 2)
    counted = sa.select(sa.func.count()).select_from(consents)
    with standalone_reads(db) as reads:
        together = reads.rows_of(
            (FOR_SUBJECT, {"subject": SUBJECT}), (counted, {}), (FOR_SUBJECT, {"subject": "x"})
        )
        alone = [
            reads.rows(FOR_SUBJECT, {"subject": SUBJECT}),
            reads.rows(counted),
            reads.rows(FOR_SUBJECT, {"subject": "x"}),
        ]
    assert together == alone
    assert [len(rows) for rows in together] == [2, 1, 0] and together[1] == [(2,)]


def test_the_connection_goes_back_to_the_pool_without_a_transaction(db: Database) -> None:
    _store(db, 1)
    with standalone_reads(db) as reads:
        reads.rows(FOR_SUBJECT, {"subject": SUBJECT})
    # A write right after, in a unit of work of its own, commits: nothing was left locked.
    with db.engine.begin() as conn:
        removed = conn.execute(sa.delete(consents).where(consents.c.subject_bidx == SUBJECT))
        assert removed.rowcount == 1
    if db.dialect == "postgresql":
        raw = db.engine.raw_connection()
        try:
            assert raw.driver_connection.autocommit is False  # type: ignore[union-attr]
        finally:
            raw.close()


def test_an_expanding_in_is_refused() -> None:
    db = Database("sqlite://")
    try:
        expanding = sa.select(consents.c.id).where(consents.c.purpose.in_(("a", "b")))
        with standalone_reads(db) as reads, pytest.raises(ValueError, match="expanding IN"):
            reads.rows(expanding)
    finally:
        db.dispose()
