"""Request and response bodies of the review-queue and policy-registry endpoints."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from fengkong.api.input import InputModel
from fengkong.api.schemas import OfficerDecisionOut, ReasonOut, Yuan
from fengkong.core.money import fen_to_yuan, yuan_to_fen
from fengkong.decision.officer import DECLINE_REASONS, Reviewed
from fengkong.decision.officer_terms import AskedTerms, OfficerTerms, TermsBounds
from fengkong.decision.policy_registry import PolicyVersion
from fengkong.decision.review import COMMENT_MAX_LEN, ReviewEvent, ReviewItem

Comment = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=COMMENT_MAX_LEN)
]


class ApproveIn(InputModel):
    model_config = ConfigDict(extra="forbid")

    comment: Comment = Field(description="Why: required, kept in the audit log")
    limit: Yuan | None = Field(
        None,
        description="The limit granted, yuan, within the referring policy's bounds (see the "
        "item's `bounds`); default: the policy's own limit, else the amount applied for",
    )
    annual_rate: Annotated[Decimal, Field(gt=0, lt=1)] | None = Field(
        None,
        description="Nominal annual rate as a fraction (0.15 is 15 %), within the product's "
        "range and the legal APR cap; default: the policy's price",
    )
    term_months: Annotated[int, Field(gt=0, le=600)] | None = Field(
        None, description="A term the product offers; default: the term applied for"
    )
    security: Annotated[str, StringConstraints(min_length=1, max_length=40)] | None = Field(
        None,
        description="Approve on condition of security (需提供担保后批准): one of the referring "
        "policy's security requirements (the item's `bounds.security`); the offer is then "
        "booked only once the collateral or guarantor is registered, as a policy's "
        "approve_secured offer. Default: unconditional, or the first approval's",
    )

    def asked(self) -> AskedTerms:
        return AskedTerms(
            amount=None if self.limit is None else yuan_to_fen(self.limit),
            annual_rate=self.annual_rate,
            term_months=self.term_months,
            security=self.security,
        )


class DeclineIn(InputModel):
    model_config = ConfigDict(extra="forbid")

    comment: Comment = Field(description="Why: required, kept in the audit log")
    reason_code: str | None = Field(
        None,
        description="The reason the applicant is told, one of: "
        + ", ".join(DECLINE_REASONS)
        + "; default REV_DECLINED",
    )


class TermsOut(BaseModel):
    limit: str = Field(description="Yuan")
    annual_rate: str
    term_months: int
    security: str | None = Field(None, description="The security the approval is conditional on")

    @classmethod
    def of(cls, t: OfficerTerms) -> TermsOut:
        return cls(
            limit=str(fen_to_yuan(t.amount)),
            annual_rate=str(t.annual_rate),
            term_months=t.term_months,
            security=t.security,
        )


class BoundsOut(BaseModel):
    """What an officer may grant on the item, by the policy that referred it."""

    policy: str
    min_limit: str = Field(description="Yuan")
    max_limit: str = Field(description="Yuan")
    max_limit_basis: str = Field(description="Which bound is the tightest")
    min_annual_rate: str
    max_annual_rate: str
    terms: list[int]
    apr_cap: str
    apr_cap_basis: str
    suggested_limit: str | None
    suggested_annual_rate: str | None
    suggested_term_months: int | None
    security: list[str] = Field(
        default_factory=list,
        description="The policy's security requirements an approval may be conditional on",
    )

    @classmethod
    def of(cls, b: TermsBounds) -> BoundsOut:
        return cls(
            policy=b.policy,
            min_limit=str(fen_to_yuan(b.min_amount)),
            max_limit=str(fen_to_yuan(b.max_amount)),
            max_limit_basis=b.max_amount_basis,
            min_annual_rate=str(b.min_annual_rate),
            max_annual_rate=str(b.max_annual_rate),
            terms=list(b.terms),
            apr_cap=str(b.apr_cap),
            apr_cap_basis=b.apr_cap_basis,
            suggested_limit=None
            if b.suggested_amount is None
            else str(fen_to_yuan(b.suggested_amount)),
            suggested_annual_rate=None
            if b.suggested_annual_rate is None
            else str(b.suggested_annual_rate),
            suggested_term_months=b.suggested_term_months,
            security=list(b.security),
        )


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
    proposed: TermsOut | None = Field(
        None, description="The approved terms (four eyes: the first approval's, to confirm)"
    )

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
            proposed=None if item.proposed is None else TermsOut.of(item.proposed),
        )


class ReviewItemDetailOut(ReviewItemOut):
    events: list[ReviewEventOut]
    bounds: BoundsOut | None = Field(
        None, description="What an officer may grant, while the item awaits a decision"
    )


class ReviewedOut(ReviewItemOut):
    officer_decision: OfficerDecisionOut | None = Field(
        description="The decision made; none after the first of two approvals"
    )

    @classmethod
    def of_reviewed(cls, r: Reviewed, now: datetime) -> ReviewedOut:
        return cls(
            **ReviewItemOut.of(r.item, now).model_dump(),
            officer_decision=None if r.decision is None else OfficerDecisionOut.of(r.decision),
        )


class PolicySubmitIn(InputModel):
    model_config = ConfigDict(extra="forbid")

    document: Annotated[str, StringConstraints(min_length=1, max_length=1_000_000)] = Field(
        description="The policy document's text (YAML or JSON), stored verbatim"
    )


class ActivationRequestIn(InputModel):
    model_config = ConfigDict(extra="forbid")

    role: Literal["champion", "challenger"] = "champion"


class ActivationRejectIn(InputModel):
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
