"""Maker-checker requests: a change one person asks for and another, an approver, decides.

A request names what it would change (`kind`, `subject`) and carries the plain data the change
needs (`payload`, JSON-shaped: hashes and masked displays, never personal data in clear). Nothing
changes when a request is made; the area's approve use case opens the request with `decide`, in
its own unit of work, and applies the change in the same transaction, so the decision and its
effect commit together or not at all.

Life of a request::

    pending ──decide(approve)──► approved
       │
       └──────decide(reject)───► rejected

At most one request per kind and subject is pending (the database enforces it too): asking again
while one waits is a `Conflict`. The checker must hold the approver role and must not be the
maker (`core.actor.require_other_checker`); both are recorded on the request and in the audit
log, by audit name.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any, Protocol

from fengkong.audit.port import AuditAppender
from fengkong.core.actor import Actor, require_other_checker
from fengkong.core.clock import Clock
from fengkong.core.errors import Conflict, FieldError, Invalid, NotFound
from fengkong.core.ids import new_id

REASON_MAX = 2000
SUBJECT_MAX = 200


class ApprovalKind(StrEnum):
    """What a request would change; each kind is applied by its area's approve use case."""

    MODEL_PROMOTION = "model.promotion"  # scoring.model_admin
    LIST_CHANGE = "list.change"  # fraud.list_changes
    LOAN_WRITE_OFF = "loan.write_off"  # lending.loan_changes
    LOAN_RESTRUCTURE = "loan.restructure"  # lending.loan_changes


class ApprovalStatus(StrEnum):
    PENDING = "pending"
    APPROVED = "approved"
    REJECTED = "rejected"


class ApprovalRequestNotFound(NotFound):
    pass


class ApprovalClosed(Conflict):
    """The request was decided already, or is of another kind than the use case applies."""


@dataclass(frozen=True, slots=True)
class ApprovalRequest:
    id: str
    kind: ApprovalKind
    subject: str
    payload: Mapping[str, Any] = field(repr=False)
    maker: str  # audit name of who asked
    requested_at: datetime
    status: ApprovalStatus = ApprovalStatus.PENDING
    checker: str | None = None  # audit name of who decided
    decided_at: datetime | None = None
    reason: str | None = None  # the maker's reason when asked; the checker's when rejected


@dataclass(frozen=True, slots=True)
class ApprovalQuery:
    status: ApprovalStatus | None = ApprovalStatus.PENDING
    kind: ApprovalKind | None = None
    subject: str | None = None
    limit: int = 100

    def __post_init__(self) -> None:
        if not 1 <= self.limit <= 10_000:
            raise Invalid((FieldError(("limit",), "between 1 and 10000"),))


class ApprovalRequests(Protocol):
    def add(self, request: ApprovalRequest) -> None:
        """Store a new pending request; `Conflict` if one of its kind and subject is pending."""
        ...

    def get(self, request_id: str, *, for_update: bool = False) -> ApprovalRequest | None: ...
    def find(self, query: ApprovalQuery) -> Sequence[ApprovalRequest]: ...
    def save(self, request: ApprovalRequest) -> None: ...


class ApprovalUnitOfWork(Protocol):
    @property
    def approvals(self) -> ApprovalRequests: ...
    @property
    def audit(self) -> AuditAppender: ...


def same_person(stored: str | None, actor: Actor) -> bool:
    """Whether a stored maker name is `actor`: by audit name (`user:alice`), or by the bare name
    or `officer:` form earlier records and free-text headers used."""
    if not stored:
        return False
    return stored in (actor.audit_name, actor.name, f"officer:{actor.name}")


def check_reason(reason: str | None, *, required: bool = True) -> str | None:
    cleaned = (reason or "").strip()
    if not cleaned:
        if required:
            raise Invalid((FieldError(("reason",), "a reason is required"),))
        return None
    if len(cleaned) > REASON_MAX:
        raise Invalid((FieldError(("reason",), f"at most {REASON_MAX} characters"),))
    return cleaned


def _audit(
    uow: ApprovalUnitOfWork, request: ApprovalRequest, action: str, actor: str, at: datetime
) -> None:
    uow.audit.append(
        at=at,
        actor=actor,
        action=f"approval.{action}",
        subject_type="approval_request",
        subject_id=request.id,
        payload={
            "kind": request.kind.value,
            "subject": request.subject,
            "maker": request.maker,
            "checker": request.checker,
            "reason": request.reason,
        },
    )


def open_request(
    uow: ApprovalUnitOfWork,
    kind: ApprovalKind,
    subject: str,
    payload: Mapping[str, Any],
    *,
    maker: Actor,
    clock: Clock,
    reason: str | None = None,
) -> ApprovalRequest:
    """Record what `maker` asks for, pending an approver's decision (audited); in the caller's
    transaction. The caller has checked that `maker` may ask and that the change is possible."""
    if not subject or len(subject) > SUBJECT_MAX:
        raise Invalid((FieldError(("subject",), f"1 to {SUBJECT_MAX} characters"),))
    now = clock.now()
    request = ApprovalRequest(
        id=new_id("apr", clock),
        kind=kind,
        subject=subject,
        payload=dict(payload),
        maker=maker.audit_name,
        requested_at=now,
        reason=reason,
    )
    uow.approvals.add(request)
    _audit(uow, request, "requested", maker.audit_name, now)
    return request


def get_request(
    uow: ApprovalUnitOfWork, request_id: str, *, for_update: bool = False
) -> ApprovalRequest:
    request = uow.approvals.get(request_id, for_update=for_update)
    if request is None:
        raise ApprovalRequestNotFound(f"no approval request {request_id!r}")
    return request


def decide(
    uow: ApprovalUnitOfWork,
    request_id: str,
    kind: ApprovalKind,
    *,
    checker: Actor,
    approve: bool,
    clock: Clock,
    reason: str | None = None,
) -> ApprovalRequest:
    """Approve or reject a pending request of `kind` (audited), in the caller's transaction;
    the caller applies an approved change in the same one. `Forbidden` unless `checker` is an
    approver other than the maker; a rejection needs a reason."""
    request = get_request(uow, request_id, for_update=True)
    if request.kind != kind:
        raise ApprovalClosed(f"approval request {request_id} is a {request.kind.value} request")
    doing = f"{'approve' if approve else 'reject'} a {kind.value} request"
    require_other_checker(request.maker, checker, doing)
    if request.status != ApprovalStatus.PENDING:
        raise ApprovalClosed(f"approval request {request_id} is {request.status.value}")
    cleaned = check_reason(reason, required=not approve)
    now = clock.now()
    decided = dataclasses.replace(
        request,
        status=ApprovalStatus.APPROVED if approve else ApprovalStatus.REJECTED,
        checker=checker.audit_name,
        decided_at=now,
        reason=cleaned if cleaned is not None else request.reason,
    )
    uow.approvals.save(decided)
    _audit(uow, decided, "approved" if approve else "rejected", checker.audit_name, now)
    return decided


def find_requests(uow: ApprovalUnitOfWork, query: ApprovalQuery) -> tuple[ApprovalRequest, ...]:
    return tuple(uow.approvals.find(query))
