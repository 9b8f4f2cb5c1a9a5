"""Bodies of the maker-checker requests' routes (`/v1/approvals`, and the routes that ask)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from fengkong.access.approvals import ApprovalRequest
from fengkong.api.list_schemas import FieldErrorOut, RejectedRowOut
from fengkong.fraud.lists import RejectedRow


class ApprovalOut(BaseModel):
    """A change one person asked for, pending (or decided by) an approver other than them."""

    id: str
    kind: str
    subject: str
    status: str
    maker: str
    requested_at: datetime
    checker: str | None
    decided_at: datetime | None
    reason: str | None
    payload: dict[str, Any]

    @classmethod
    def of(cls, r: ApprovalRequest) -> ApprovalOut:
        return cls(
            id=r.id,
            kind=r.kind.value,
            subject=r.subject,
            status=r.status.value,
            maker=r.maker,
            requested_at=r.requested_at,
            checker=r.checker,
            decided_at=r.decided_at,
            reason=r.reason,
            payload=dict(r.payload),
        )


class ImportRequestOut(BaseModel):
    """An import asked for: its request (none when no row was good) and the rows refused now."""

    request: ApprovalOut | None
    rejected: int
    rejects: list[RejectedRowOut]

    @classmethod
    def of(
        cls, request: ApprovalRequest | None, rejects: tuple[RejectedRow, ...]
    ) -> ImportRequestOut:
        return cls(
            request=None if request is None else ApprovalOut.of(request),
            rejected=len(rejects),
            rejects=[
                RejectedRowOut(line=r.line, errors=[FieldErrorOut.of(e) for e in r.errors])
                for r in rejects
            ],
        )


class RejectIn(BaseModel):
    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"example": {"reason": "no evidence"}}
    )

    reason: str = Field(min_length=1, max_length=2000)
