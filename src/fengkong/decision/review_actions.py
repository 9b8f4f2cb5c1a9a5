"""Use cases of an officer on the review queue that change it: claim an item, approve a
referral, each in one transaction of its own (declining is `decision.declines.decline_and_flag`,
which also flags the link graph). The API and the CLI both call these."""

from __future__ import annotations

from typing import Protocol

from fengkong.access.approvals import same_person
from fengkong.core.actor import Actor, Role
from fengkong.core.clock import Clock
from fengkong.core.uow import UnitOfWork
from fengkong.decision.officer import OfficerUnitOfWork, Reviewed, approve_referral
from fengkong.decision.officer_terms import AskedTerms
from fengkong.decision.review import (
    FourEyesViolation,
    ReviewConfig,
    ReviewItem,
    ReviewStatus,
    as_of,
)
from fengkong.decision.review_queue import claim_item, load_item


class ReviewActionUnitOfWork(UnitOfWork, OfficerUnitOfWork, Protocol):
    """A unit of work holding the review queue, the decisions and the audit log."""


def claim(
    uow: ReviewActionUnitOfWork, item_id: str, officer: str, clock: Clock, config: ReviewConfig
) -> ReviewItem:
    """Take the item for the claim timeout; claiming one's own claim again renews it."""
    with uow:
        item = claim_item(uow, item_id, officer, clock, config)
        uow.commit()
    return item


def approve(
    uow: ReviewActionUnitOfWork,
    item_id: str,
    actor: Actor,
    comment: str,
    clock: Clock,
    asked: AskedTerms | None = None,
) -> Reviewed:
    """Approve the item `actor` holds (claimed under their name), on `asked` terms within the
    policy's bounds (`officer.approve_referral`). The second approval of a four-eyes item is
    maker-checker's check: `actor` must hold the approver role (`Forbidden`) and not be the
    officer who gave the first (`FourEyesViolation`)."""
    with uow:
        item = as_of(load_item(uow, item_id), clock.now())
        if item.status == ReviewStatus.AWAITING_SECOND:
            actor.require(Role.APPROVER, "give the second approval of a four-eyes item")
            if same_person(item.first_approved_by, actor):
                raise FourEyesViolation(
                    f"{actor.audit_name} gave the first approval of review item {item.id}; "
                    "a different approver must give the second"
                )
        reviewed = approve_referral(uow, item_id, actor.audit_name, comment, clock, asked)
        uow.commit()
    return reviewed
