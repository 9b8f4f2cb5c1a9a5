"""Requests the lending services refuse, each with a clear domain error and the ledger unchanged:
unknown or closed loan, negative amount, a currency other than CNY, a key reused with another
body, an over-limit or frozen-line drawdown, an unapproved application, a deducted-fee product.
On the in-memory unit of work and on SQLite (`books`)."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal

import pytest

from fengkong.core.errors import Conflict, Invalid, NotFound
from fengkong.decision.outcome import Outcome
from fengkong.lending.catalogue import CASH_LOAN, CREDIT_LINE
from fengkong.lending.credit_lines import change_line, draw, open_line
from fengkong.lending.disbursement import disburse
from fengkong.lending.errors import NotApproved
from fengkong.lending.line import LineFrozen, OverAvailable
from fengkong.lending.origination import accept_offer, quote_offer
from fengkong.lending.posting import DeductedFeeRefused
from fengkong.lending.product import FeeCollection, OriginationFee
from fengkong.lending.repayment import post_repayment, quote_settlement, settle_loan
from lending.test_service_support import (
    Books,
    ledger_snapshot,
    lending_services,
    new_clock,
    seed_approved,
)


@pytest.fixture
def svc(books: Books):  # type: ignore[no-untyped-def]
    clock = new_clock()
    return lending_services(books, clock), books, clock


def test_repayment_refusals_leave_the_ledger_alone(svc) -> None:  # type: ignore[no-untyped-def]
    services, db, clock = svc
    loan_id = accept_offer(seed_approved(db, clock), "a", services).record.loan_id
    disburse(loan_id, "d", services)
    post_repayment(loan_id, 1_000, "k", services)
    before = ledger_snapshot(db)
    with pytest.raises(NotFound):
        post_repayment("loan_nope", 1_000, "x1", services)
    with pytest.raises(Invalid, match="positive"):
        post_repayment(loan_id, -5, "x2", services)
    with pytest.raises(Invalid, match="CNY"):
        post_repayment(loan_id, 1_000, "x3", services, currency="USD")
    with pytest.raises(Conflict, match="different request"):
        post_repayment(loan_id, 2_000, "k", services)
    with pytest.raises(Invalid, match="idempotency_key"):
        post_repayment(loan_id, 1_000, "", services)
    assert ledger_snapshot(db) == before

    quote = quote_settlement(loan_id, services)
    settle_loan(loan_id, quote.payable, "s", services)
    closed = ledger_snapshot(db)
    with pytest.raises(Conflict, match="settled"):
        post_repayment(loan_id, 1_000, "x4", services)
    assert ledger_snapshot(db) == closed


def test_an_unapproved_application_gets_no_offer(svc) -> None:  # type: ignore[no-untyped-def]
    services, db, clock = svc
    declined = seed_approved(db, clock, outcome=Outcome.DECLINE)
    with pytest.raises(NotApproved):
        quote_offer(declined, services)
    with pytest.raises(NotFound):
        quote_offer("app_unknown", services)


def test_a_deducted_fee_product_is_never_booked(svc) -> None:  # type: ignore[no-untyped-def]
    services, db, clock = svc
    deducted = replace(
        CASH_LOAN,
        version=9,  # other terms: a version of its own, offered to unpriced decisions
        origination_fee=OriginationFee(Decimal("0.01"), collection=FeeCollection.DEDUCTED),
    )
    config = replace(services.config, products=(deducted, CREDIT_LINE), offer_product_version=9)
    services = replace(services, config=config)
    application = seed_approved(db, clock)
    assert quote_offer(application, services).quote.disbursed < 1_000_000
    with pytest.raises(DeductedFeeRefused, match="670"):
        accept_offer(application, "a", services)
    assert ledger_snapshot(db) == (0, 0)


def test_a_second_acceptance_with_another_key_is_refused(svc) -> None:  # type: ignore[no-untyped-def]
    services, db, clock = svc
    application = seed_approved(db, clock)
    first = accept_offer(application, "a", services)
    assert accept_offer(application, "a", services).record.loan_id == first.record.loan_id
    with pytest.raises(Conflict, match="already accepted"):
        accept_offer(application, "b", services)


def test_drawdowns_over_the_limit_or_on_a_frozen_line(svc) -> None:  # type: ignore[no-untyped-def]
    services, db, _ = svc
    line = open_line(500_000, Decimal("0.12"), "line-1", services)
    drawn = draw(line.line_id, 300_000, 3, "draw-1", services)
    assert drawn.line.available == 200_000
    assert drawn.disbursement.payout.status.value == "succeeded"
    before = ledger_snapshot(db)
    with pytest.raises(OverAvailable):
        draw(line.line_id, 200_001, 3, "draw-2", services)
    with pytest.raises(Invalid, match="CNY"):
        draw(line.line_id, 1_000, 3, "draw-3", services, currency="HKD")
    change_line(line.line_id, "freeze", "officer review", services, officer="li")
    with pytest.raises(LineFrozen):
        draw(line.line_id, 10_000, 3, "draw-4", services)
    assert ledger_snapshot(db) == before
    unfrozen = change_line(line.line_id, "unfreeze", "appeal upheld", services, officer="li")
    assert unfrozen.status.value == "active"
    with pytest.raises(Invalid, match="officer"):
        change_line(line.line_id, "unfreeze", "no", services)
