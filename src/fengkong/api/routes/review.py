"""The review queue over HTTP: officers list, claim, approve and decline referred applications.

The acting officer is named by the `X-Officer` header until authentication lands (see
`review_schemas.OFFICER_DOC`)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Header, Query

from fengkong.api.deps import ContextDep
from fengkong.api.review_schemas import (
    OFFICER_DOC,
    OFFICER_HEADER,
    CommentIn,
    ReviewEventOut,
    ReviewItemDetailOut,
    ReviewItemOut,
)
from fengkong.decision.review import (
    ReviewConfig,
    ReviewStatus,
    approve_item,
    check_officer,
    claim_item,
    decline_item,
    get_item,
    list_items,
)

router = APIRouter(prefix="/v1/review", tags=["review"])

NOT_FOUND = {404: {"description": "Unknown review item (problem+json)"}}
ACTION_PROBLEMS = {
    **NOT_FOUND,
    409: {
        "description": "Claimed by another officer, not claimed by you, already closed, or the "
        "same officer twice on a four-eyes item (problem+json)"
    },
    422: {"description": "Missing officer or comment (problem+json)"},
}


def officer(
    x_officer: Annotated[str | None, Header(alias=OFFICER_HEADER, description=OFFICER_DOC)] = None,
) -> str:
    return check_officer(x_officer)


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
    """One item with the history of actions on it and their comments."""
    with ctx.uow() as uow:
        item, events = get_item(uow, item_id, ctx.clock)
    summary = ReviewItemOut.of(item, ctx.clock.now())
    return ReviewItemDetailOut(
        **summary.model_dump(), events=[ReviewEventOut.of(e) for e in events]
    )


@router.post("/items/{item_id}/claim", responses=ACTION_PROBLEMS)  # type: ignore[arg-type]
def claim_review_item(
    item_id: str, ctx: ContextDep, who: OfficerDep, config: ReviewConfigDep
) -> ReviewItemOut:
    """Take the item for the claim timeout; claiming one's own claim again renews it."""
    with ctx.uow() as uow:
        item = claim_item(uow, item_id, who, ctx.clock, config)
        uow.commit()
    return ReviewItemOut.of(item, ctx.clock.now())


@router.post("/items/{item_id}/approve", responses=ACTION_PROBLEMS)  # type: ignore[arg-type]
def approve_review_item(
    item_id: str, body: CommentIn, ctx: ContextDep, who: OfficerDep
) -> ReviewItemOut:
    """Approve an item you hold. Above the four-eyes amount the first approval leaves it
    `awaiting_second` for a different officer."""
    with ctx.uow() as uow:
        item = approve_item(uow, item_id, who, body.comment, ctx.clock)
        uow.commit()
    return ReviewItemOut.of(item, ctx.clock.now())


@router.post("/items/{item_id}/decline", responses=ACTION_PROBLEMS)  # type: ignore[arg-type]
def decline_review_item(
    item_id: str, body: CommentIn, ctx: ContextDep, who: OfficerDep
) -> ReviewItemOut:
    """Decline an item you hold."""
    with ctx.uow() as uow:
        item = decline_item(uow, item_id, who, body.comment, ctx.clock)
        uow.commit()
    return ReviewItemOut.of(item, ctx.clock.now())
