"""Origination needs only its own narrow unit of work (`lending.ports.OriginationUnitOfWork`):
an offer is quoted and booked on the shared in-memory unit of work (`tests/fakes`), with no
database and no decision package.

    application   amount      terms  decision  score  rate card
    app-1         10,000.00   12     approve   600    10 % (score ≥ 570)
"""

from __future__ import annotations

from decimal import Decimal

import pytest

from fakes import MemoryStore, MemoryUnitOfWork
from fengkong.core.errors import Conflict
from fengkong.decision.outcome import Outcome
from fengkong.lending.errors import NotApproved
from fengkong.lending.origination import accept_offer, get_loan, quote_offer
from fengkong.lending.payment import SimulatedGateway
from fengkong.lending.ports import LoanFileUnitOfWork, OriginationUnitOfWork
from fengkong.lending.records import LoanStage
from fengkong.lending.services import Services
from lending.test_service_support import new_clock, seed_approved


def _services(
    store: MemoryStore, outcome: Outcome = Outcome.APPROVE
) -> tuple[str, Services[MemoryUnitOfWork]]:
    clock = new_clock()
    application = seed_approved(store, clock, amount=1_000_000, terms=12, outcome=outcome)
    return application, Services(lambda: MemoryUnitOfWork(store), clock, SimulatedGateway())


def test_an_offer_is_quoted_and_booked_on_fakes() -> None:
    store = MemoryStore()
    application, svc = _services(store)
    narrow: Services[OriginationUnitOfWork] = svc  # the fake is all origination needs
    offer = quote_offer(application, narrow)
    assert (offer.quote.amount, offer.quote.annual_rate, offer.score) == (
        1_000_000,
        Decimal("0.10"),
        600,
    )
    assert len(offer.quote.schedule) == 12
    assert sum(i.principal for i in offer.quote.schedule) == offer.quote.principal

    commits = store.commits
    view = accept_offer(application, "accept-1", narrow)
    assert view.record.stage is LoanStage.PENDING_DISBURSEMENT
    assert view.schedule == offer.quote.schedule
    assert view.contract is not None and view.contract.loan_id == view.record.loan_id
    assert [r.action for r in store.tables.audit] == ["loan.booked"]
    assert store.commits == commits + 1

    reader: Services[LoanFileUnitOfWork] = svc
    assert get_loan(view.record.loan_id, reader).record == view.record
    # the same key answers with the loan booked; another key is refused
    assert accept_offer(application, "accept-1", narrow).record == view.record
    with pytest.raises(Conflict):
        accept_offer(application, "accept-2", narrow)
    assert store.commits == commits + 1  # neither wrote anything


def test_a_declined_application_has_no_offer() -> None:
    application, svc = _services(MemoryStore(), Outcome.DECLINE)
    with pytest.raises(NotApproved):
        quote_offer(application, svc)
