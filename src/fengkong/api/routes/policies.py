"""Policy versions over HTTP: submit, list, read, and activate under maker-checker.

Who acts is the authenticated caller, by audit name (`user:rita`)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Response, status
from pydantic import ConfigDict, Field

from fengkong.api.deps import ActorDep, ContextDep
from fengkong.api.input import InputModel
from fengkong.api.review_schemas import (
    ActivationOut,
    ActivationRejectIn,
    ActivationRequestIn,
    PolicyDetailOut,
    PolicyOut,
    PolicySubmitIn,
)
from fengkong.api.routes.review import OfficerDep
from fengkong.decision import backtest as backtests
from fengkong.decision import policy_admin
from fengkong.decision import policy_registry as registry
from fengkong.decision.policy_registry import Role, Validate

router = APIRouter(prefix="/v1/policies", tags=["policies"])

NOT_FOUND = {404: {"description": "Unknown policy version (problem+json)"}}
ACTION_PROBLEMS = {
    **NOT_FOUND,
    401: {"description": "No valid credentials (problem+json)"},
    403: {
        "description": "The checker lacks the approver role, or wrote or requested the version "
        "(maker-checker) (problem+json)"
    },
    409: {"description": "Wrong status for this step (problem+json)"},
    422: {"description": "Missing officer (problem+json)"},
}
REQUEST_PROBLEMS = {
    **ACTION_PROBLEMS,
    422: {
        "description": "Missing officer, or the stored document is refused now: a product "
        "other than the catalogue's, a price over the cap (problem+json)"
    },
}


def policy_validator(ctx: ContextDep) -> Validate:
    """The loader that checks a submitted document: the context's, when it offers one."""
    hook = getattr(ctx, "policy_validator", None)
    return hook if callable(hook) else registry.validate_policy


ValidatorDep = Annotated[Validate, Depends(policy_validator)]


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    responses={
        200: {"description": "The same document was already stored under its version"},
        409: {"description": "Another document is stored under that version (problem+json)"},
        422: {"description": "The document does not load: line and reason (problem+json)"},
    },
)
def submit_policy(
    body: PolicySubmitIn,
    ctx: ContextDep,
    who: OfficerDep,
    validate: ValidatorDep,
    response: Response,
) -> PolicyDetailOut:
    """Submit a document; it is checked now and stored as a draft under the version it names."""
    policy, created = policy_admin.submit_policy(
        ctx.uow(), body.document, author=who, clock=ctx.clock, validate=validate
    )
    if not created:
        response.status_code = status.HTTP_200_OK
    return PolicyDetailOut.of(policy)


@router.get("")
def list_policies(ctx: ContextDep) -> list[PolicyOut]:
    """Every stored version, oldest first, without the documents."""
    with ctx.uow() as uow:
        return [PolicyOut.of(p) for p in registry.list_versions(uow)]


@router.get("/{version}", responses=NOT_FOUND)  # type: ignore[arg-type]
def read_policy(version: str, ctx: ContextDep) -> PolicyDetailOut:
    with ctx.uow() as uow:
        return PolicyDetailOut.of(registry.get(uow, version))


@router.post("/{version}/activation", responses=REQUEST_PROBLEMS)  # type: ignore[arg-type]
def request_policy_activation(
    version: str,
    ctx: ContextDep,
    who: OfficerDep,
    validate: ValidatorDep,
    body: ActivationRequestIn | None = None,
) -> PolicyOut:
    """Ask for VERSION to become the champion (or the challenger); another officer approves.
    The stored document is checked again as a submission would be now."""
    role = Role((body or ActivationRequestIn()).role)
    policy = policy_admin.request_policy_activation(
        ctx.uow(), version, requested_by=who, clock=ctx.clock, role=role, validate=validate
    )
    return PolicyOut.of(policy)


@router.post("/{version}/activation/approve", responses=ACTION_PROBLEMS)  # type: ignore[arg-type]
def approve_policy_activation(version: str, ctx: ContextDep, actor: ActorDep) -> ActivationOut:
    """Approve a pending activation: the authenticated approver must be neither its author nor
    its requester (403 otherwise)."""
    policy, previous = policy_admin.approve_policy_activation(
        ctx.uow(), version, checker=actor, clock=ctx.clock
    )
    return ActivationOut(
        policy=PolicyOut.of(policy), retired=None if previous is None else previous.version
    )


@router.post("/{version}/activation/reject", responses=ACTION_PROBLEMS)  # type: ignore[arg-type]
def reject_policy_activation(
    version: str, body: ActivationRejectIn, ctx: ContextDep, actor: ActorDep
) -> PolicyOut:
    """Send a pending version back to draft with the reason (an approver, as for approving)."""
    policy = policy_admin.reject_policy_activation(
        ctx.uow(), version, checker=actor, reason=body.reason, clock=ctx.clock
    )
    return PolicyOut.of(policy)


class BacktestIn(InputModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"example": {"since": "2026-01-01", "until": "2026-03-31"}},
    )

    since: date = Field(description="First business date decided")
    until: date | None = Field(None, description="Last business date decided (default: all)")
    baseline: str | None = Field(
        None,
        description="A stored version re-run on the same facts in place of the stored decisions "
        "(champion against challenger)",
    )
    lgd: Decimal = Field(backtests.DEFAULT_LGD, ge=0, le=1, description="Loss given default")


@router.post(
    "/{version}/backtest",
    responses={
        404: {"description": "Unknown version, or no stored decisions in the window"},
        422: {"description": "Bad dates, or the document does not compile: line and reason"},
    },
)
def backtest_policy(version: str, body: BacktestIn, ctx: ContextDep) -> dict[str, Any]:
    """Run VERSION over the decisions stored in the window and compare it with them (or with
    the baseline): approval, expected and observed bad rates, expected loss, the swap set, price
    changes and the candidate's decline reasons. Reads only."""
    like = ctx.policy.bundle
    with ctx.uow() as uow:
        candidate = backtests.stored_candidate(uow, version, like).compile()
        baseline = (
            None
            if body.baseline is None
            else backtests.stored_candidate(uow, body.baseline, like).compile()
        )
    report = backtests.run_backtest(
        ctx.uow(), candidate, body.since, body.until, lgd=body.lgd, baseline=baseline
    )
    return {
        "since": body.since.isoformat(),
        "until": None if body.until is None else body.until.isoformat(),
        "baseline": "stored decisions" if baseline is None else baseline.label,
        **report.as_dict(),
    }
