"""Request and response bodies of the review-queue and policy-registry endpoints."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from fengkong.api.schemas import ReasonOut
from fengkong.core.money import fen_to_yuan
from fengkong.decision.policy_registry import PolicyVersion
from fengkong.decision.review import COMMENT_MAX_LEN, ReviewEvent, ReviewItem

OFFICER_HEADER = "X-Officer"
OFFICER_DOC = (
    "Who acts: the officer's identity (letters, digits, '.', '_', '-', '@'). A stand-in until "
    "authentication lands: it is trusted as sent, recorded in the audit log, and checked for the "
    "four-eyes and maker-checker rules."
)


class CommentIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    comment: Annotated[
        str, StringConstraints(strip_whitespace=True, min_length=1, max_length=COMMENT_MAX_LEN)
    ] = Field(description="Why: required for every approval and decline, kept in the audit log")


class ReviewEventOut(BaseModel):
    at: datetime
    officer: str
    action: str
    comment: str

    @classmethod
    def of(cls, e: ReviewEvent) -> ReviewEventOut:
        return cls(at=e.at, officer=e.officer, action=e.action.value, comment=e.comment)


class ReviewItemOut(BaseModel):
    id: str
    application_id: str
    decision_id: str
    status: str = Field(
        description="open, claimed, awaiting_second, approved, declined or expired, as of now"
    )
    amount: str = Field(description="Requested amount, yuan")
    four_eyes: bool = Field(description="Needs two different officers to approve")
    reasons: list[ReasonOut]
    created_at: datetime
    due_at: datetime
    overdue: bool
    expires_at: datetime
    claimed_by: str | None
    claimed_at: datetime | None
    claim_expires_at: datetime | None
    first_approved_by: str | None
    decided_by: str | None
    decided_at: datetime | None

    @classmethod
    def of(cls, item: ReviewItem, now: datetime) -> ReviewItemOut:
        return cls(
            id=item.id,
            application_id=item.application_id,
            decision_id=item.decision_id,
            status=item.status.value,
            amount=str(fen_to_yuan(item.amount)),
            four_eyes=item.four_eyes,
            reasons=[ReasonOut(**r.as_dict()) for r in item.reasons],
            created_at=item.created_at,
            due_at=item.due_at,
            overdue=item.overdue(now),
            expires_at=item.expires_at,
            claimed_by=item.claimed_by,
            claimed_at=item.claimed_at,
            claim_expires_at=item.claim_expires_at,
            first_approved_by=item.first_approved_by,
            decided_by=item.decided_by,
            decided_at=item.decided_at,
        )


class ReviewItemDetailOut(ReviewItemOut):
    events: list[ReviewEventOut]


class PolicySubmitIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    document: Annotated[str, StringConstraints(min_length=1, max_length=1_000_000)] = Field(
        description="The policy document's text (YAML or JSON), stored verbatim"
    )


class ActivationRequestIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    role: Literal["champion", "challenger"] = "champion"


class ActivationRejectIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reason: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=2000)]


class PolicyOut(BaseModel):
    id: str
    version: str
    sha256: str
    author: str
    created_at: datetime
    status: str = Field(description="draft, pending_approval, active, challenger or retired")
    requested_role: str | None
    requested_by: str | None
    requested_at: datetime | None
    approved_by: str | None
    activated_at: datetime | None
    retired_at: datetime | None

    @classmethod
    def of(cls, p: PolicyVersion) -> PolicyOut:
        return cls(**_policy_fields(p))


class PolicyDetailOut(PolicyOut):
    document: str

    @classmethod
    def of(cls, p: PolicyVersion) -> PolicyDetailOut:
        return cls(**_policy_fields(p), document=p.document)


class ActivationOut(BaseModel):
    policy: PolicyOut
    retired: str | None = Field(description="The version that held the role before, if any")


def _policy_fields(p: PolicyVersion) -> dict[str, object]:
    return {
        "id": p.id,
        "version": p.version,
        "sha256": p.sha256,
        "author": p.author,
        "created_at": p.created_at,
        "status": p.status.value,
        "requested_role": None if p.requested_role is None else p.requested_role.value,
        "requested_by": p.requested_by,
        "requested_at": p.requested_at,
        "approved_by": p.approved_by,
        "activated_at": p.activated_at,
        "retired_at": p.retired_at,
    }
