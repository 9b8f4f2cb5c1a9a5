"""The SQL store of maker-checker requests (`access.approvals.ApprovalRequests`)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import RowMapping
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from fengkong.access.approvals import (
    ApprovalKind,
    ApprovalQuery,
    ApprovalRequest,
    ApprovalStatus,
)
from fengkong.core.errors import Conflict
from fengkong.db.approval_tables import approval_requests as _T


def _row(r: ApprovalRequest) -> dict[str, Any]:
    return {
        "id": r.id,
        "kind": r.kind.value,
        "subject": r.subject,
        "payload": dict(r.payload),
        "maker": r.maker,
        "requested_at": r.requested_at,
        "status": r.status.value,
        "checker": r.checker,
        "decided_at": r.decided_at,
        "reason": r.reason,
    }


def _of(m: RowMapping) -> ApprovalRequest:
    return ApprovalRequest(
        id=m["id"],
        kind=ApprovalKind(m["kind"]),
        subject=m["subject"],
        payload=m["payload"],
        maker=m["maker"],
        requested_at=m["requested_at"],
        status=ApprovalStatus(m["status"]),
        checker=m["checker"],
        decided_at=m["decided_at"],
        reason=m["reason"],
    )


class SqlApprovalRequests:
    def __init__(self, session: Session) -> None:
        self.session = session

    def add(self, request: ApprovalRequest) -> None:
        try:
            with self.session.begin_nested():
                self.session.execute(sa.insert(_T).values(**_row(request)))
        except IntegrityError as exc:
            # The one-pending-per-subject index: someone asked for the same change first.
            raise Conflict(
                f"a {request.kind.value} request for {request.subject} is already pending"
            ) from exc

    def get(self, request_id: str, *, for_update: bool = False) -> ApprovalRequest | None:
        query = sa.select(_T).where(_T.c.id == request_id)
        if for_update:
            query = query.with_for_update()
        row = self.session.execute(query).first()
        return None if row is None else _of(row._mapping)

    def find(self, query: ApprovalQuery) -> Sequence[ApprovalRequest]:
        q = sa.select(_T)
        if query.status is not None:
            q = q.where(_T.c.status == query.status.value)
        if query.kind is not None:
            q = q.where(_T.c.kind == query.kind.value)
        if query.subject is not None:
            q = q.where(_T.c.subject == query.subject)
        q = q.order_by(_T.c.requested_at.desc(), _T.c.id.desc()).limit(query.limit)
        return [_of(r._mapping) for r in self.session.execute(q)]

    def save(self, request: ApprovalRequest) -> None:
        row = _row(request)
        for fixed in ("id", "kind", "subject", "payload", "maker", "requested_at"):
            del row[fixed]
        self.session.execute(sa.update(_T).where(_T.c.id == request.id).values(**row))
