"""Use cases of an officer on the review queue that change it: claim an item, approve a
referral, each in one transaction of its own (declining is `decision.declines.decline_and_flag`,
which also flags the link graph). The API and the CLI both call these."""

from __future__ import annotations

from typing import Protocol

from fengkong.core.clock import Clock
from fengkong.core.uow import UnitOfWork
from fengkong.decision.officer import OfficerUnitOfWork, Reviewed, approve_referral
from fengkong.decision.officer_terms import AskedTerms
from fengkong.decision.review import ReviewConfig, ReviewItem
from fengkong.decision.review_queue import claim_item


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
    officer: str,
    comment: str,
    clock: Clock,
    asked: AskedTerms | None = None,
) -> Reviewed:
    """Approve the item the officer holds, on `asked` terms within the policy's bounds
    (`officer.approve_referral`)."""
    with uow:
        reviewed = approve_referral(uow, item_id, officer, comment, clock, asked)
        uow.commit()
    return reviewed
