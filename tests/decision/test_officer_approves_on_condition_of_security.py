"""An officer approves a referral on condition of security (需提供担保后批准): one of the
referring policy's security requirements (retail-v4: `collateral`, `guarantor_or_collateral`),
stated as its approve_secured offer would state it on the amount granted. Four eyes: the second
approval repeats the first's condition (another is `TermsDiffer`); a name the policy does not
define is refused (422) naming those it does. Lending then offers it as a policy's conditional
offer: booked only once the security is registered, never as a credit line."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

import pytest

from factories import queue_referral
from fakes import MemoryUnitOfWork
from fengkong.core.clock import FakeClock
from fengkong.core.errors import Conflict, Invalid
from fengkong.core.money import Fen
from fengkong.db.uow import SqlUnitOfWork
from fengkong.decision.bundle import read_shipped_bundle
from fengkong.decision.officer import approve_referral
from fengkong.decision.officer_terms import AskedTerms
from fengkong.decision.review import ReviewConfig, ReviewStatus, TermsDiffer
from fengkong.decision.review_queue import claim_item
from fengkong.lending.credit_lines import open_line
from fengkong.lending.errors import SecuredOfferNotForLines
from fengkong.lending.origination import accept_offer, quote_offer
from fengkong.lending.secured_offer import SecuredStatus
from fengkong.lending.secured_offers import secure_with_collateral, secured_offer_of
from lending.test_collections_support import servicing
from lending.test_service_support import migrated, new_clock

V4 = read_shipped_bundle("retail-v4.yaml")
CONFIG = ReviewConfig(four_eyes_above=Fen(2_000_000))
NewUow = Callable[[], MemoryUnitOfWork]


def test_four_eyes_agree_on_the_condition(memory_uow: NewUow, clock: FakeClock) -> None:
    with memory_uow() as uow:
        item = queue_referral(uow, clock, CONFIG, 2_500_000, bundle=V4)
        claim_item(uow, item.id, "wang", clock, CONFIG)
        uow.commit()
    with memory_uow() as uow, pytest.raises(Invalid) as refused:
        approve_referral(uow, item.id, "wang", "ok", clock, AskedTerms(security="horse"))
    (error,) = refused.value.errors
    assert error.loc == ("security",)
    assert error.allowed == ("collateral", "guarantor_or_collateral")

    asked = AskedTerms(security="guarantor_or_collateral")
    with memory_uow() as uow:
        first = approve_referral(uow, item.id, "wang", "needs a guarantor", clock, asked)
        claim_item(uow, item.id, "li", clock, CONFIG)
        uow.commit()
    assert first.item.status is ReviewStatus.AWAITING_SECOND
    assert first.item.proposed is not None
    assert first.item.proposed.security == "guarantor_or_collateral"

    with memory_uow() as uow, pytest.raises(TermsDiffer, match="on condition of"):
        approve_referral(uow, item.id, "li", "ok", clock, AskedTerms(security="collateral"))
    with memory_uow() as uow:
        final = approve_referral(uow, item.id, "li", "agreed", clock)  # the first's condition
        uow.commit()
        trail = list(uow.audit.stream())
    decision = final.decision
    assert decision is not None and decision.security == "guarantor_or_collateral"
    assert decision.offer is not None
    condition = decision.offer["security"]
    assert (condition["requirement"], condition["why"], condition["amount_fen"]) == (
        "guarantor_or_collateral",
        "officer",
        2_500_000,
    )
    assert condition["text_zh"] == "需提供保证人或抵质押物后批准"
    (officer_record,) = [r for r in trail if r.action == "decision.officer"]
    assert officer_record.payload["security"]["requirement"] == "guarantor_or_collateral"
    first_approval = next(r for r in trail if r.action == "review.first_approval")
    assert first_approval.payload["terms"]["security"] == "guarantor_or_collateral"


def test_a_policy_without_security_refuses_the_condition(
    memory_uow: NewUow, clock: FakeClock
) -> None:
    with memory_uow() as uow:
        item = queue_referral(uow, clock, CONFIG)  # demo-german: no security section
        claim_item(uow, item.id, "wang", clock, CONFIG)
        with pytest.raises(Invalid, match="defines none"):
            approve_referral(uow, item.id, "wang", "ok", clock, AskedTerms(security="collateral"))


def test_the_conditional_approval_is_booked_once_secured(database_url: str) -> None:
    db = migrated(database_url)
    clock = new_clock()
    svc = servicing(db, clock)
    with SqlUnitOfWork(db) as uow:
        item = queue_referral(uow, clock, CONFIG, 500_000, bundle=V4)
        claim_item(uow, item.id, "wang", clock, CONFIG)
        asked = AskedTerms(security="collateral")
        reviewed = approve_referral(uow, item.id, "wang", "thin file: collateral", clock, asked)
        uow.commit()
    assert reviewed.decision is not None
    application = item.application_id
    assert quote_offer(application, svc.lending).secured
    with pytest.raises(Conflict, match="not registered"):
        accept_offer(application, "acc-1", svc.lending)
    with pytest.raises(SecuredOfferNotForLines):
        open_line(500_000, Decimal("0.108"), "line-1", svc.lending, application_id=application)

    view = secured_offer_of(application, svc)
    assert (view.status, view.decision_id) == (SecuredStatus.AWAITING, reviewed.decision.id)
    least = view.terms.min_lending_value
    assert least is not None and least >= 500_000
    done = secure_with_collateral(application, "deposit", int(least / 0.95) + 2, svc)
    assert done.status is SecuredStatus.COMPLETED
    loan = accept_offer(application, "acc-1", svc.lending).record
    assert loan.amount == 500_000
    assert secured_offer_of(application, svc).status is SecuredStatus.BOOKED
