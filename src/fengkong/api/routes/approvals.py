"""/v1/approvals: the changes people asked for under maker-checker — list them, read one, and
approve or reject it as an approver other than the asker. Approving makes the change, by the
use case of its kind (model promotion, list change, loan write-off or restructure). Also the
requests no other route asks for: a model's promotion, a manual write-off."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated

from fastapi import APIRouter, Query, status
from pydantic import BaseModel, ConfigDict, Field

from fengkong.access.approvals import (
    ApprovalKind,
    ApprovalQuery,
    ApprovalRequest,
    ApprovalStatus,
    find_requests,
    get_request,
)
from fengkong.api.approval_schemas import ApprovalOut, RejectIn
from fengkong.api.deps import ActorDep, ContextDep
from fengkong.api.routes.lists import changes_of
from fengkong.bootstrap import Context
from fengkong.core.actor import Actor
from fengkong.fraud import list_changes
from fengkong.lending import loan_changes
from fengkong.scoring import model_admin

router = APIRouter(tags=["approvals"])

PROBLEMS = {
    401: {"description": "No valid credentials (problem+json)"},
    403: {
        "description": "The checker lacks the approver role, or asked for the change "
        "(maker-checker) (problem+json)"
    },
    404: {"description": "Unknown approval request (problem+json)"},
    409: {
        "description": "Decided already, or the change cannot be made now; the request stays "
        "pending (problem+json)"
    },
    422: {"description": "Invalid input (problem+json)"},
}

Approve = Callable[[Context, str, Actor], object]
Reject = Callable[[Context, str, Actor, str], ApprovalRequest]


def _approve_model(ctx: Context, request_id: str, checker: Actor) -> object:
    return model_admin.approve_model_promotion(
        ctx.uow(), request_id, checker=checker, clock=ctx.clock
    )


def _reject_model(ctx: Context, request_id: str, checker: Actor, reason: str) -> ApprovalRequest:
    return model_admin.reject_model_promotion(
        ctx.uow(), request_id, checker=checker, reason=reason, clock=ctx.clock
    )


def _approve_list(ctx: Context, request_id: str, checker: Actor) -> object:
    return list_changes.approve_change(request_id, checker, changes_of(ctx))


def _reject_list(ctx: Context, request_id: str, checker: Actor, reason: str) -> ApprovalRequest:
    return list_changes.reject_change(request_id, checker, reason, changes_of(ctx))


def _approve_loan(ctx: Context, request_id: str, checker: Actor) -> object:
    return loan_changes.approve_loan_change(request_id, checker, ctx.lending)


def _reject_loan(ctx: Context, request_id: str, checker: Actor, reason: str) -> ApprovalRequest:
    return loan_changes.reject_loan_change(request_id, checker, reason, ctx.lending)


# Each kind's use cases: approving one applies its change in the same transaction.
HANDLERS: dict[ApprovalKind, tuple[Approve, Reject]] = {
    ApprovalKind.MODEL_PROMOTION: (_approve_model, _reject_model),
    ApprovalKind.LIST_CHANGE: (_approve_list, _reject_list),
    ApprovalKind.LOAN_WRITE_OFF: (_approve_loan, _reject_loan),
    ApprovalKind.LOAN_RESTRUCTURE: (_approve_loan, _reject_loan),
}


def _read(ctx: Context, request_id: str) -> ApprovalRequest:
    with ctx.uow() as uow:
        return get_request(uow, request_id)


@router.get("/v1/approvals", responses=PROBLEMS)  # type: ignore[arg-type]
def list_approvals(
    ctx: ContextDep,
    actor: ActorDep,
    status: ApprovalStatus | None = ApprovalStatus.PENDING,
    kind: ApprovalKind | None = None,
    subject: str | None = None,
    limit: Annotated[int, Query(ge=1, le=10_000)] = 100,
) -> list[ApprovalOut]:
    """Requests, newest first: the pending ones unless `status` says otherwise."""
    with ctx.uow() as uow:
        found = find_requests(uow, ApprovalQuery(status, kind, subject, limit))
    return [ApprovalOut.of(r) for r in found]


@router.get("/v1/approvals/{request_id}", responses=PROBLEMS)  # type: ignore[arg-type]
def read_approval(request_id: str, ctx: ContextDep, actor: ActorDep) -> ApprovalOut:
    return ApprovalOut.of(_read(ctx, request_id))


@router.post("/v1/approvals/{request_id}/approve", responses=PROBLEMS)  # type: ignore[arg-type]
def approve(request_id: str, ctx: ContextDep, actor: ActorDep) -> ApprovalOut:
    """Approve as the authenticated approver (not the asker): the change is made now."""
    approve_kind, _ = HANDLERS[_read(ctx, request_id).kind]
    approve_kind(ctx, request_id, actor)
    return ApprovalOut.of(_read(ctx, request_id))


@router.post("/v1/approvals/{request_id}/reject", responses=PROBLEMS)  # type: ignore[arg-type]
def reject(request_id: str, body: RejectIn, ctx: ContextDep, actor: ActorDep) -> ApprovalOut:
    """Refuse as the authenticated approver (not the asker), with why; nothing changes."""
    _, reject_kind = HANDLERS[_read(ctx, request_id).kind]
    return ApprovalOut.of(reject_kind(ctx, request_id, actor, body.reason))


class PromotionIn(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"example": {"challenger": False}})

    challenger: bool = False
    reason: str | None = Field(default=None, max_length=2000)


class WriteOffIn(BaseModel):
    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"example": {"reason": "fraud confirmed by police"}}
    )

    reason: str = Field(min_length=1, max_length=2000)


@router.post(
    "/v1/models/{version}/promotion",
    status_code=status.HTTP_202_ACCEPTED,
    responses=PROBLEMS,  # type: ignore[arg-type]
)
def request_promotion(
    version: str, ctx: ContextDep, actor: ActorDep, body: PromotionIn | None = None
) -> ApprovalOut:
    """Ask, as a risk manager, for VERSION to become the champion (or the challenger)."""
    asked = body or PromotionIn()
    request = model_admin.request_model_promotion(
        ctx.uow(),
        version,
        challenger=asked.challenger,
        maker=actor,
        clock=ctx.clock,
        reason=asked.reason,
    )
    return ApprovalOut.of(request)


@router.post(
    "/v1/loans/{loan_id}/write-off",
    status_code=status.HTTP_202_ACCEPTED,
    responses=PROBLEMS,  # type: ignore[arg-type]
)
def request_write_off(
    loan_id: str, body: WriteOffIn, ctx: ContextDep, actor: ActorDep
) -> ApprovalOut:
    """Ask, as an officer, for the loan to be written off (核销) now, whatever its days past
    due (fraud, death, bankruptcy); an approver other than you approves it."""
    return ApprovalOut.of(loan_changes.request_write_off(loan_id, body.reason, actor, ctx.lending))
