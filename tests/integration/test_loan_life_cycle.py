"""A whole loan life in seconds on a fake clock, on the in-memory unit of work, SQLite and
PostgreSQL: offer, accept, disburse, end-of-day runs (with a missed day caught up), a partial, a
late and an early repayment, a reversal, a restructuring and the settlement. The books balance
after every step, and the fake keeps them as the databases do."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest

from fengkong.lending.disbursement import disburse
from fengkong.lending.eod import run_end_of_day
from fengkong.lending.origination import accept_offer, get_loan, quote_offer
from fengkong.lending.records import LoanStage
from fengkong.lending.repayment import (
    post_repayment,
    quote_settlement,
    reverse_repayment,
    settle_loan,
)
from fengkong.lending.restructuring import restructure
from lending.test_service_support import (
    Books,
    assert_books_balance,
    lending_services,
    new_clock,
    open_books,
    seed_approved,
    unit_of_work,
)


@pytest.fixture(params=["memory", "sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def books(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Books]:
    yield from open_books(request, tmp_path)


def test_a_loan_from_offer_to_settlement(books: Books) -> None:
    clock = new_clock()
    svc = lending_services(books, clock)
    application = seed_approved(books, clock, amount=1_200_000, terms=6)

    offer = quote_offer(application, svc)
    assert sum(i.principal for i in offer.quote.schedule) == offer.quote.principal
    assert offer.quote.apr > offer.quote.annual_rate  # the spread fee is in the APR
    booked = accept_offer(application, "accept-1", svc)
    assert booked.record.stage is LoanStage.PENDING_DISBURSEMENT
    assert booked.contract is not None and "借款合同" in booked.contract.text
    assert str(offer.quote.apr * 100)[:4] in booked.contract.text
    loan_id = booked.record.loan_id
    with unit_of_work(books)() as uow:
        audit = uow.audit.for_subject("loan", loan_id)
    assert audit[0].payload["contract_sha256"] == booked.contract.sha256
    assert_books_balance(books)  # booking moves no money

    paid = disburse(loan_id, "payout-1", svc)
    assert paid.stage is LoanStage.ACTIVE
    assert_books_balance(books)

    def days(n: int, *, skip_eod: bool = False) -> None:
        clock.advance(timedelta(days=n))
        if not skip_eod:
            run_end_of_day(clock.business_date(), svc)
            assert_books_balance(books)

    days(10)
    partial = post_repayment(loan_id, 10_000, "rp-partial", svc)  # nothing due yet
    assert partial.to_credit == 10_000
    assert_books_balance(books)

    days(20)
    days(1, skip_eod=True)  # a missed day
    days(4)  # first instalment now past due: catch-up ran both days
    view = get_loan(loan_id, svc)
    assert view.record.days_past_due > 0 and view.record.bucket == "M1"
    assert view.record.loan_class.value == "special_mention"

    due = view.record.state.positions[0].outstanding.total
    late = post_repayment(loan_id, due + 5_000, "rp-late", svc)
    assert late.allocated["penalty"] > 0
    assert_books_balance(books)
    days(1)
    assert get_loan(loan_id, svc).record.days_past_due == 0

    undone = reverse_repayment(loan_id, late.repayment_id, "rv-1", "bounced", svc)
    assert undone.status == "reversed"
    assert_books_balance(books)
    again = post_repayment(loan_id, due + 5_000, "rp-late-2", svc)
    assert again.status == "applied"
    assert_books_balance(books)

    days(15)
    restructure(loan_id, "borrower asked for a longer term", svc, extra_terms=2)
    assert_books_balance(books)
    days(5)

    quote = quote_settlement(loan_id, svc)
    settled = settle_loan(loan_id, quote.payable, "settle-1", svc)
    assert settled.loan_stage is LoanStage.SETTLED
    assert_books_balance(books)
    days(1)  # a settled loan is left alone by end of day
    record = get_loan(loan_id, svc).record
    assert record.state.outstanding.total == 0 and record.allowance == 0 and record.reserve == 0
