"""Consents in the database: the `ConsentRepository` of `onboarding.consent` over the
`consents` table, and the row mapping a decision's reads share (`FOR_SUBJECT`,
`consent_from_row`)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from fengkong.db.onboarding_tables import consents
from fengkong.db.write_behind import WriteBehind
from fengkong.onboarding.consent import ConsentRecord, Purpose

__all__ = ["FOR_SUBJECT", "SqlConsentRepository", "consent_from_row", "consents_for_subject"]


def consent_from_row(row: Any) -> ConsentRecord:
    return ConsentRecord(
        id=row["id"],
        subject_bidx=row["subject_bidx"],
        purpose=Purpose(row["purpose"]),
        scope=row["scope"],
        text_version=row["text_version"],
        granted_at=row["granted_at"],
        recorded_at=row["recorded_at"],
        recorded_by=row["recorded_by"],
        revoked_at=row["revoked_at"],
        revoked_by=row["revoked_by"],
    )


def consents_for_subject(
    executor: Session | sa.Connection, subject_bidx: str
) -> tuple[ConsentRecord, ...]:
    rows = executor.execute(FOR_SUBJECT, {"subject": subject_bidx})
    return tuple(consent_from_row(r._mapping) for r in rows)


_INSERT_CONSENT = consents.insert()
FOR_SUBJECT = (
    sa.select(consents)
    .where(consents.c.subject_bidx == sa.bindparam("subject"))
    .order_by(consents.c.granted_at, consents.c.id)
)


class SqlConsentRepository:
    """Consents in the caller's session; never commits."""

    def __init__(self, session: Session, writes: WriteBehind | None = None) -> None:
        self.session = session
        self.writes = writes  # where inserts wait for the commit, when the caller has one

    def add(self, record: ConsentRecord) -> None:
        row = {
            "id": record.id,
            "subject_bidx": record.subject_bidx,
            "purpose": record.purpose.value,
            "scope": record.scope,
            "text_version": record.text_version,
            "granted_at": record.granted_at,
            "recorded_at": record.recorded_at,
            "recorded_by": record.recorded_by,
            "revoked_at": record.revoked_at,
            "revoked_by": record.revoked_by,
        }
        if self.writes is not None:
            self.writes.insert(consents, [row])
        else:
            self.session.execute(_INSERT_CONSENT, row)

    def get(self, consent_id: str) -> ConsentRecord | None:
        row = self.session.execute(sa.select(consents).where(consents.c.id == consent_id)).first()
        return None if row is None else consent_from_row(row._mapping)

    def for_subject(self, subject_bidx: str) -> tuple[ConsentRecord, ...]:
        return consents_for_subject(self.session, subject_bidx)

    def mark_revoked(self, consent_id: str, at: datetime, by: str) -> bool:
        done = self.session.execute(
            consents.update()
            .where(consents.c.id == consent_id, consents.c.revoked_at.is_(None))
            .values(revoked_at=at, revoked_by=by)
        )
        return bool(done.rowcount)  # type: ignore[attr-defined]

    def has_consent(self, subject_bidx: str, purpose: Purpose, at: datetime) -> bool:
        c = consents
        row = self.session.execute(
            sa.select(c.c.id)
            .where(
                c.c.subject_bidx == subject_bidx,
                c.c.purpose == Purpose(purpose).value,
                c.c.granted_at <= at,
                sa.or_(c.c.revoked_at.is_(None), c.c.revoked_at > at),
            )
            .limit(1)
        ).first()
        return row is not None
