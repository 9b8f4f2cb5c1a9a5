"""An officer's decision on a referred application: a decision of its own, beside the automatic
one it settles.

The automatic decision stays as the policy made it (and replays exactly); the officer's records
who decided, when, why, and — on approval — the limit, rate and term granted within the bounds of
the policy that referred it (`officer_terms`), with the loan that makes. Lending offers and books
an officer's approval exactly as it does an automatic one.

Approving or declining a review item goes through here: the item moves (`review.approve` /
`review.decline`, four eyes included), and on the final word the officer's decision is stored and
audited in the same unit of work.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from fengkong.core.clock import Clock
from fengkong.core.errors import Conflict, FieldError, IntegrityBroken, Invalid
from fengkong.core.ids import new_id
from fengkong.core.money import Fen, fen_to_yuan
from fengkong.core.reason import Reason
from fengkong.decision.bundle import PolicyBundle
from fengkong.decision.officer_terms import (
    AskedTerms,
    OfficerTerms,
    TermsBounds,
    check_terms,
    resolve_terms,
    terms_bounds,
)
from fengkong.decision.outcome import Outcome
from fengkong.decision.policy import CompiledPolicy, SecurityCondition
from fengkong.decision.record import DecisionRecord
from fengkong.decision.recording import offer_document  # the automatic decision's disclosure
from fengkong.decision.review import (
    ReviewAction,
    ReviewItem,
    ReviewStatus,
    approve,
    as_of,
    check_comment,
    check_may_act,
    check_officer,
    decline,
)
from fengkong.decision.review_queue import ReviewUnitOfWork, load_item, record_action

APPROVED_ON_REVIEW = Reason(
    "REV_APPROVED",
    "Approved by a credit officer after review",
    "经信贷审核人员人工审核后批准",
)

# Why an officer declines: a code for machines, a sentence for the applicant in both languages.
DECLINE_REASONS: Mapping[str, Reason] = {
    r.code: r
    for r in (
        Reason(
            "REV_DECLINED",
            "Declined by a credit officer after review",
            "经信贷审核人员人工审核后拒绝",
        ),
        Reason(
            "REV_INCOME_NOT_VERIFIED",
            "The stated income could not be verified",
            "申报收入无法核实",
        ),
        Reason(
            "REV_NOT_AFFORDABLE",
            "The repayments would not be affordable on the verified income and debts",
            "按核实后的收入与负债，无力承担还款",
        ),
        Reason(
            "REV_IDENTITY_NOT_CONFIRMED",
            "The applicant's identity could not be confirmed",
            "无法确认申请人身份",
        ),
        Reason(
            "REV_FRAUD_SUSPECTED",
            "The application shows signs of fraud",
            "申请存在欺诈嫌疑",
        ),
        Reason(
            "REV_DOCUMENTS_MISSING",
            "Documents asked for were not provided",
            "未提供所要求的材料",
        ),
    )
}
DEFAULT_DECLINE_REASON = "REV_DECLINED"


@dataclass(frozen=True, slots=True)
class OfficerDecision:
    """An officer's final word on a referral, linked to the automatic decision it settles."""

    id: str
    application_id: str
    decision_id: str  # the automatic decision (refer) it settles; that one is never rewritten
    review_item_id: str
    outcome: Outcome  # approve or decline
    decided_by: str
    decided_at: datetime
    reasons: tuple[Reason, ...]
    comment: str
    policy_version: str  # the policy whose bounds the terms were checked against
    policy_sha256: str | None
    first_approved_by: str | None = None  # four eyes: the officer who approved first
    approved_amount: Fen | None = None
    annual_rate: str | None = None
    term_months: int | None = None
    offer: Mapping[str, Any] | None = None  # APR, total cost and schedule, as disclosed
    # approved on condition of security: the requirement's name; the condition, as a policy's
    # approve_secured offer states it, is `offer["security"]` (lending books it only once the
    # security is registered, `lending.secured_offers`)
    security: str | None = None

    def as_dict(self) -> dict[str, Any]:
        """A plain mapping, for `--json`, logs and the audit record."""
        return {
            "id": self.id,
            "application_id": self.application_id,
            "automatic_decision_id": self.decision_id,
            "review_item_id": self.review_item_id,
            "outcome": self.outcome.value,
            "decided_by": self.decided_by,
            "first_approved_by": self.first_approved_by,
            "decided_at": self.decided_at.isoformat(),
            "reasons": [r.as_dict() for r in self.reasons],
            "comment": self.comment,
            "approved_amount_fen": None
            if self.approved_amount is None
            else int(self.approved_amount),
            "approved_amount": None
            if self.approved_amount is None
            else str(fen_to_yuan(self.approved_amount)),
            "annual_rate": self.annual_rate,
            "term_months": self.term_months,
            "apr": None if self.offer is None else self.offer.get("apr"),
            "policy_version": self.policy_version,
            "policy_sha256": self.policy_sha256,
            "security": None if self.offer is None else self.offer.get("security"),
        }


class OfficerDecisionRepository(Protocol):
    def add(self, d: OfficerDecision) -> None: ...
    def for_application(self, application_id: str) -> OfficerDecision | None: ...
    def get(self, officer_decision_id: str) -> OfficerDecision | None: ...


class StoredDecisions(Protocol):
    def get(self, decision_id: str) -> DecisionRecord | None: ...


class StoredPolicies(Protocol):
    def get(self, sha256: str) -> dict[str, Any] | None: ...


class OfficerUnitOfWork(ReviewUnitOfWork, Protocol):
    @property
    def decisions(self) -> StoredDecisions: ...
    @property
    def policy_bundles(self) -> StoredPolicies: ...
    @property
    def officer_decisions(self) -> OfficerDecisionRepository: ...


@dataclass(frozen=True, slots=True)
class Reviewed:
    """An item after an officer's approval or decline, and the decision it made if final."""

    item: ReviewItem
    decision: OfficerDecision | None  # None after the first of two approvals


@dataclass(frozen=True, slots=True)
class _Referral:
    decision: DecisionRecord
    policy: CompiledPolicy
    bounds: TermsBounds


def _referral(uow: OfficerUnitOfWork, item: ReviewItem) -> _Referral:
    decision = uow.decisions.get(item.decision_id)
    if decision is None:
        raise IntegrityBroken(f"decision {item.decision_id} of review item {item.id} is gone")
    if decision.policy_sha256 is None:
        raise Conflict(
            f"decision {decision.id} predates stored policies: the bounds of an officer's terms "
            "are unknown, so it cannot be approved here"
        )
    stored = uow.policy_bundles.get(decision.policy_sha256)
    if stored is None:
        raise IntegrityBroken(f"policy {decision.policy_sha256} of decision {decision.id} is gone")
    policy = PolicyBundle.from_dict(stored, decision.policy_sha256).compile()
    return _Referral(decision, policy, terms_bounds(policy, decision))


def review_bounds(uow: OfficerUnitOfWork, item: ReviewItem) -> TermsBounds:
    """What an officer may grant on `item`."""
    return _referral(uow, item).bounds


def check_decline_reason(code: str | None) -> Reason:
    wanted = (code or DEFAULT_DECLINE_REASON).strip().upper()
    reason = DECLINE_REASONS.get(wanted)
    if reason is None:
        allowed = ", ".join(DECLINE_REASONS)
        raise Invalid((FieldError(("reason_code",), f"must be one of {allowed}, not {code!r}"),))
    return reason


def approve_referral(
    uow: OfficerUnitOfWork,
    item_id: str,
    officer: str,
    comment: str,
    clock: Clock,
    asked: AskedTerms | None = None,
) -> Reviewed:
    """Approve the item you hold on `asked` terms (parts left out: the first approval's, else
    the policy's suggestion), checked against the referring policy's bounds. The final approval
    stores the officer's decision, which lending offers and books; with a security requirement
    among the terms (`AskedTerms.security`), the offer is conditional on it, as a policy's
    approve_secured offer, and is booked only once the security is registered."""
    officer, comment = check_officer(officer), check_comment(comment)
    stored = load_item(uow, item_id)
    now = clock.now()
    held = check_may_act(stored, officer, now)  # who may act first: a 409 before any 422
    referral = _referral(uow, held)
    first = held.proposed if held.status == ReviewStatus.AWAITING_SECOND else None
    wanted = resolve_terms(asked or AskedTerms(), first, referral.bounds)
    terms, offer = check_terms(wanted, referral.bounds, referral.policy, clock.business_date())
    approved = uow.reviews.save(
        approve(stored, officer, now, terms), expected_version=stored.version
    )
    extra: dict[str, Any] = {"terms": terms.as_dict(), "apr": str(offer.apr)}
    if approved.first_approved_by is not None:
        extra["first_approved_by"] = approved.first_approved_by
    if approved.status == ReviewStatus.AWAITING_SECOND:
        record_action(uow, approved, ReviewAction.FIRST_APPROVAL, officer, now, comment, **extra)
        return Reviewed(approved, None)
    decision = OfficerDecision(
        id=new_id("odc", clock),
        application_id=approved.application_id,
        decision_id=approved.decision_id,
        review_item_id=approved.id,
        outcome=Outcome.APPROVE,
        decided_by=officer,
        decided_at=now,
        reasons=(APPROVED_ON_REVIEW,),
        comment=comment,
        policy_version=referral.policy.label,
        policy_sha256=referral.decision.policy_sha256,
        first_approved_by=approved.first_approved_by,
        approved_amount=terms.amount,
        annual_rate=str(terms.annual_rate),
        term_months=terms.term_months,
        offer=offer_document(offer, _condition(referral.policy, terms)),
        security=terms.security,
    )
    _store(uow, approved, decision, ReviewAction.APPROVED, extra)
    return Reviewed(approved, decision)


def _condition(policy: CompiledPolicy, terms: OfficerTerms) -> SecurityCondition | None:
    """The security the officer's approval is conditional on, as the policy's approve_secured
    offer on the same amount would state it ("officer": why it applies)."""
    if terms.security is None:
        return None
    return SecurityCondition(policy.security[terms.security], terms.amount, "officer")


def decline_referral(
    uow: OfficerUnitOfWork,
    item_id: str,
    officer: str,
    comment: str,
    clock: Clock,
    reason_code: str | None = None,
) -> Reviewed:
    """Decline the item you hold, for a reason of `DECLINE_REASONS` (the general one when none
    is named); one officer suffices, also after a first approval."""
    officer, comment = check_officer(officer), check_comment(comment)
    reason = check_decline_reason(reason_code)
    stored = load_item(uow, item_id)
    now = clock.now()
    declined = uow.reviews.save(decline(stored, officer, now), expected_version=stored.version)
    automatic = uow.decisions.get(declined.decision_id)
    if automatic is None:
        raise IntegrityBroken(f"decision {declined.decision_id} of review item {item_id} is gone")
    decision = OfficerDecision(
        id=new_id("odc", clock),
        application_id=declined.application_id,
        decision_id=declined.decision_id,
        review_item_id=declined.id,
        outcome=Outcome.DECLINE,
        decided_by=officer,
        decided_at=now,
        reasons=(reason,),
        comment=comment,
        policy_version=automatic.policy_version,
        policy_sha256=automatic.policy_sha256,
        first_approved_by=declined.first_approved_by,
    )
    _store(uow, declined, decision, ReviewAction.DECLINED, {"reason_code": reason.code})
    return Reviewed(declined, decision)


def _store(
    uow: OfficerUnitOfWork,
    item: ReviewItem,
    decision: OfficerDecision,
    action: ReviewAction,
    extra: dict[str, Any],
) -> None:
    uow.officer_decisions.add(decision)
    record_action(
        uow,
        item,
        action,
        decision.decided_by,
        decision.decided_at,
        decision.comment,
        officer_decision_id=decision.id,
        **extra,
    )
    # The application's own trail: after `decision.made` (refer), the decision that settles it.
    payload = decision.as_dict()
    del payload["comment"]  # kept on the review record above, once
    uow.audit.append(
        at=decision.decided_at,
        actor=f"officer:{decision.decided_by}",
        action="decision.officer",
        subject_type="application",
        subject_id=decision.application_id,
        payload=payload,
    )


def bounds_of_item(uow: OfficerUnitOfWork, item_id: str, clock: Clock) -> TermsBounds | None:
    """The bounds on an item still awaiting a decision; None once it is closed."""
    item = uow.reviews.get(item_id)
    if item is None or as_of(item, clock.now()).status not in (
        ReviewStatus.OPEN,
        ReviewStatus.CLAIMED,
        ReviewStatus.AWAITING_SECOND,
    ):
        return None
    try:
        return review_bounds(uow, item)
    except Conflict:
        return None


__all__ = [
    "APPROVED_ON_REVIEW",
    "DECLINE_REASONS",
    "AskedTerms",
    "OfficerDecision",
    "OfficerTerms",
    "Reviewed",
    "approve_referral",
    "decline_referral",
]
