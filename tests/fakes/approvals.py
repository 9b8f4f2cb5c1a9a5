"""The in-memory twin of `db/approvals.py`: maker-checker requests."""

from __future__ import annotations

from collections.abc import Sequence

from fakes.tables import Tables
from fengkong.access.approvals import ApprovalQuery, ApprovalRequest, ApprovalStatus
from fengkong.core.errors import Conflict


class MemoryApprovals:
    def __init__(self, tables: Tables) -> None:
        self.tables = tables

    def add(self, request: ApprovalRequest) -> None:
        rows = self.tables.approvals
        for r in rows.values():
            if r.status == ApprovalStatus.PENDING and (r.kind, r.subject) == (
                request.kind,
                request.subject,
            ):
                raise Conflict(
                    f"a {request.kind.value} request for {request.subject} is already pending"
                )
        rows[request.id] = request

    def get(self, request_id: str, *, for_update: bool = False) -> ApprovalRequest | None:
        return self.tables.approvals.get(request_id)

    def find(self, query: ApprovalQuery) -> Sequence[ApprovalRequest]:
        found = [
            r
            for r in self.tables.approvals.values()
            if (query.status is None or r.status == query.status)
            and (query.kind is None or r.kind == query.kind)
            and (query.subject is None or r.subject == query.subject)
        ]
        found.sort(key=lambda r: (r.requested_at, r.id), reverse=True)
        return found[: query.limit]

    def save(self, request: ApprovalRequest) -> None:
        self.tables.approvals[request.id] = request
