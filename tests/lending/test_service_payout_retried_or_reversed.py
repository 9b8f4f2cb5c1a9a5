"""A failed payout is retried up to the configured attempts; when every attempt fails the booking
is reversed (loan cancelled), the payout kept as failed, and no money moves in the ledger. On the
in-memory unit of work and on SQLite (`books`)."""

from __future__ import annotations

from dataclasses import replace

from fengkong.lending.disbursement import disburse
from fengkong.lending.origination import accept_offer, get_loan
from fengkong.lending.payment import PayoutStatus, SimulatedGateway
from fengkong.lending.records import LoanStage
from lending.test_service_support import (
    Books,
    assert_books_balance,
    ledger_snapshot,
    lending_services,
    new_clock,
    seed_approved,
)


def test_a_failing_attempt_is_retried(books: Books) -> None:
    clock = new_clock()
    svc = lending_services(books, clock, channel=SimulatedGateway(fail_first=2))
    loan_id = accept_offer(seed_approved(books, clock), "a", svc).record.loan_id
    paid = disburse(loan_id, "d", svc)
    assert paid.payout.status is PayoutStatus.SUCCEEDED and paid.payout.attempts == 3
    assert paid.stage is LoanStage.ACTIVE
    assert disburse(loan_id, "d", svc).payout.payout_id == paid.payout.payout_id
    assert_books_balance(books)


def test_every_attempt_failing_reverses_the_booking(books: Books) -> None:
    clock = new_clock()
    svc = lending_services(books, clock, channel=SimulatedGateway(failure_rate=1.0, seed=7))
    svc = replace(svc, config=replace(svc.config, payout_attempts=2))
    loan_id = accept_offer(seed_approved(books, clock), "a", svc).record.loan_id
    failed = disburse(loan_id, "d", svc)
    assert failed.payout.status is PayoutStatus.FAILED and failed.payout.attempts == 2
    view = get_loan(loan_id, svc)
    assert view.record.stage is LoanStage.CANCELLED
    assert view.payouts[0].status is PayoutStatus.FAILED
    assert ledger_snapshot(books) == (0, 0)


def test_the_simulated_gateway_is_reproducible() -> None:
    a, b = SimulatedGateway(0.5, seed=3), SimulatedGateway(0.5, seed=3)
    runs = [[g.payout(f"p{i}", "l", 1).succeeded for i in range(50)] for g in (a, b)]
    assert runs[0] == runs[1] and any(runs[0]) and not all(runs[0])
