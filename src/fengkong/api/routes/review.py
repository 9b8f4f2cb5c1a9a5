"""The review queue over HTTP: officers list, claim, approve and decline referred applications.

The acting officer is the authenticated caller, recorded by audit name (`user:alice`)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query

from fengkong.api.deps import ActorDep, ContextDep
from fengkong.api.review_schemas import (
    ApproveIn,
    BoundsOut,
    DeclineIn,
    ReviewedOut,
    ReviewEventOut,
    ReviewItemDetailOut,
    ReviewItemOut,
)
from fengkong.decision import review_actions
from fengkong.decision.declines import decline_and_flag
from fengkong.decision.officer import bounds_of_item
from fengkong.decision.review import ReviewConfig, ReviewStatus
from fengkong.decision.review_queue import get_item, list_items

router = APIRouter(prefix="/v1/review", tags=["review"])

NOT_FOUND = {404: {"description": "Unknown review item (problem+json)"}}
ACTION_PROBLEMS = {
    **NOT_FOUND,
    409: {
        "description": "Claimed by another officer, not claimed by you, already closed, or the "
        "same officer twice on a four-eyes item (problem+json)"
    },
    422: {
        "description": "Missing officer or comment, unknown decline reason, or terms outside the "
        "referring policy's bounds, each error naming the bound (problem+json)"
    },
}


def officer(actor: ActorDep) -> str:
    """Who acts, as the audit log and the four-eyes rule name them."""
    return actor.audit_name


def review_config(ctx: ContextDep) -> ReviewConfig:
    return ReviewConfig.from_settings(ctx.settings)


OfficerDep = Annotated[str, Depends(officer)]
ReviewConfigDep = Annotated[ReviewConfig, Depends(review_config)]


@router.get("/items")
def list_review_items(
    ctx: ContextDep,
    status: Annotated[ReviewStatus | None, Query(description="Standing as of now")] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> list[ReviewItemOut]:
    """Review items as they stand now, soonest due first. A claim older than the claim timeout
    counts as no claim: such an item is `open` again."""
    with ctx.uow() as uow:
        items = list_items(uow, ctx.clock, status=status, limit=limit)
    now = ctx.clock.now()
    return [ReviewItemOut.of(i, now) for i in items]


@router.get("/items/{item_id}", responses=NOT_FOUND)  # type: ignore[arg-type]
def read_review_item(item_id: str, ctx: ContextDep) -> ReviewItemDetailOut:
    """One item with the history of actions on it and their comments, and, while it awaits a
    decision, the bounds of what an officer may grant."""
    with ctx.uow() as uow:
        item, events = get_item(uow, item_id, ctx.clock)
        bounds = bounds_of_item(uow, item_id, ctx.clock)
    summary = ReviewItemOut.of(item, ctx.clock.now())
    return ReviewItemDetailOut(
        **summary.model_dump(),
        events=[ReviewEventOut.of(e) for e in events],
        bounds=None if bounds is None else BoundsOut.of(bounds),
    )


@router.post("/items/{item_id}/claim", responses=ACTION_PROBLEMS)  # type: ignore[arg-type]
def claim_review_item(
    item_id: str, ctx: ContextDep, who: OfficerDep, config: ReviewConfigDep
) -> ReviewItemOut:
    """Take the item for the claim timeout; claiming one's own claim again renews it."""
    item = review_actions.claim(ctx.uow(), item_id, who, ctx.clock, config)
    return ReviewItemOut.of(item, ctx.clock.now())


@router.post("/items/{item_id}/approve", responses=ACTION_PROBLEMS)  # type: ignore[arg-type]
def approve_review_item(
    item_id: str, body: ApproveIn, ctx: ContextDep, actor: ActorDep
) -> ReviewedOut:
    """Approve an item you hold, on a limit, rate and term within the referring policy's bounds
    (left out: the policy's own). The final approval is an officer's decision of its own, linked
    to the automatic one; the application can then be offered and booked as any approval. Above
    the four-eyes amount the first approval leaves the item `awaiting_second` for a different
    officer, who confirms the same terms: an authenticated approver other than the first (403
    otherwise). The approver acts under their audit name, which holds the claim."""
    reviewed = review_actions.approve(
        ctx.uow(), item_id, actor, body.comment, ctx.clock, body.asked()
    )
    return ReviewedOut.of_reviewed(reviewed, ctx.clock.now())


@router.post("/items/{item_id}/decline", responses=ACTION_PROBLEMS)  # type: ignore[arg-type]
def decline_review_item(
    item_id: str, body: DeclineIn, ctx: ContextDep, who: OfficerDep
) -> ReviewedOut:
    """Decline an item you hold, for a reason code the applicant is told (zh/en). The
    application is flagged on the identity-link graph as an automatic decline is."""
    reviewed = decline_and_flag(
        ctx.uow, ctx.fraud, item_id, who, body.comment, ctx.clock, reason_code=body.reason_code
    )
    return ReviewedOut.of_reviewed(reviewed, ctx.clock.now())
