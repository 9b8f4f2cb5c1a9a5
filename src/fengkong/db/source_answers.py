"""External data in the database: the `AnswerStore` and `ConsentGate` of `sources.ports` over the
`source_answers` and `consents` tables, in the caller's session (never commits)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from fengkong.core.money import Fen
from fengkong.db.onboarding_tables import consents
from fengkong.db.source_tables import source_answers
from fengkong.sources.kinds import SourceKind
from fengkong.sources.ports import AnswerStatus, StoredAnswer

__all__ = ["SqlAnswerStore", "SqlConsentGate", "answer_from_row"]

_T = source_answers


def answer_from_row(row: Any) -> StoredAnswer:
    return StoredAnswer(
        id=row["id"],
        kind=SourceKind(row["kind"]),
        subject_key=row["subject_key"],
        provider=row["provider"],
        as_of=row["as_of"],
        fetched_at=row["fetched_at"],
        status=AnswerStatus(row["status"]),
        cost_fen=Fen(row["cost_fen"]),
        elapsed_ms=row["elapsed_ms"],
        retain_until=row["retain_until"],
        application_id=row["application_id"],
        payload_enc=row["source_payload_enc"],
        sha256=row["sha256"],
        error=row["error"],
        purged_at=row["purged_at"],
    )


def _expired(at: datetime) -> sa.ColumnElement[bool]:
    return sa.and_(
        _T.c.purged_at.is_(None), _T.c.source_payload_enc.is_not(None), _T.c.retain_until <= at
    )


class SqlAnswerStore:
    """Recorded answers in the caller's session."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, answer: StoredAnswer) -> None:
        self.session.execute(
            _T.insert(),
            {
                "id": answer.id,
                "kind": answer.kind.value,
                "subject_key": answer.subject_key,
                "provider": answer.provider,
                "as_of": answer.as_of,
                "fetched_at": answer.fetched_at,
                "status": answer.status.value,
                "cost_fen": int(answer.cost_fen),
                "elapsed_ms": answer.elapsed_ms,
                "retain_until": answer.retain_until,
                "application_id": answer.application_id,
                "source_payload_enc": answer.payload_enc,
                "sha256": answer.sha256,
                "error": answer.error,
                "purged_at": answer.purged_at,
            },
        )

    def get(self, answer_id: str) -> StoredAnswer | None:
        row = self.session.execute(sa.select(_T).where(_T.c.id == answer_id)).first()
        return None if row is None else answer_from_row(row._mapping)

    def usable(self, subject_key: str, kind: SourceKind, as_of: date) -> StoredAnswer | None:
        row = self.session.execute(
            sa.select(_T)
            .where(
                _T.c.subject_key == subject_key,
                _T.c.kind == kind.value,
                _T.c.as_of == as_of,
                _T.c.status == AnswerStatus.OK.value,
                _T.c.source_payload_enc.is_not(None),
            )
            .order_by(_T.c.fetched_at.desc(), _T.c.id.desc())
            .limit(1)
        ).first()
        return None if row is None else answer_from_row(row._mapping)

    def for_application(self, application_id: str) -> Sequence[StoredAnswer]:
        rows = self.session.execute(
            sa.select(_T)
            .where(_T.c.application_id == application_id)
            .order_by(_T.c.fetched_at, _T.c.id)
        )
        return [answer_from_row(r._mapping) for r in rows]

    def expired(self, at: datetime, limit: int) -> Sequence[StoredAnswer]:
        rows = self.session.execute(
            sa.select(_T).where(_expired(at)).order_by(_T.c.retain_until, _T.c.id).limit(limit)
        )
        return [answer_from_row(r._mapping) for r in rows]

    def expired_counts(self, at: datetime) -> Mapping[str, int]:
        rows = self.session.execute(
            sa.select(_T.c.kind, sa.func.count()).where(_expired(at)).group_by(_T.c.kind)
        )
        return {str(kind): int(n) for kind, n in rows}

    def purge(self, answer_id: str, at: datetime) -> bool:
        done = self.session.execute(
            _T.update()
            .where(_T.c.id == answer_id, _T.c.purged_at.is_(None))
            .values(source_payload_enc=None, purged_at=at)
        )
        return bool(done.rowcount)  # type: ignore[attr-defined]


class SqlConsentGate:
    """Whether a consent is in force, by purpose value, over the `consents` table."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def has_consent(self, subject_key: str, purpose: str, at: datetime) -> bool:
        c = consents
        row = self.session.execute(
            sa.select(c.c.id)
            .where(
                c.c.subject_bidx == subject_key,
                c.c.purpose == purpose,
                c.c.granted_at <= at,
                sa.or_(c.c.revoked_at.is_(None), c.c.revoked_at > at),
            )
            .limit(1)
        ).first()
        return row is not None
