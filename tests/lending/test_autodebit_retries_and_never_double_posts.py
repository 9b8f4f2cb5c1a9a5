"""Auto-debit through end of day: the first attempt on the due date is declined, the retry a day
later succeeds and posts one repayment; rerunning the day adds nothing; a crash after the channel
answered is finished by the rerun without charging the card or posting twice."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from fengkong.db.uow import SqlUnitOfWork
from fengkong.lending.autodebit import bind_card, debit_attempts, debit_trigger
from fengkong.lending.eod import run_business_date
from fengkong.lending.payment import PayoutResult, SimulatedGateway
from fengkong.lending.servicing_records import DebitStatus
from fengkong.lending.servicing_steps import servicing_steps
from lending.test_collections_support import (
    CARD,
    disbursed_loan,
    evening,
    first_due,
    live,
    loan,
    servicing,
)
from lending.test_service_support import assert_books_balance, migrated, new_clock


def test_trigger_days() -> None:
    due = (date(2026, 4, 2), date(2026, 5, 2))
    assert debit_trigger(due, date(2026, 4, 2), (1, 3)) == (date(2026, 4, 2), 1)
    assert debit_trigger(due, date(2026, 4, 3), (1, 3)) == (date(2026, 4, 2), 2)
    assert debit_trigger(due, date(2026, 4, 4), (1, 3)) is None
    assert debit_trigger(due, date(2026, 4, 5), (1, 3)) == (date(2026, 4, 2), 3)


def test_declined_then_retried_once(database_url: str) -> None:
    db = migrated(database_url)
    clock = new_clock()
    gateway = SimulatedGateway(debit_fail_first=1)
    svc = servicing(db, clock, gateway=gateway)
    loan_id = disbursed_loan(db, clock, svc)
    card = bind_card(loan_id, CARD, svc)
    assert card.display.endswith("0128") and CARD not in repr(card)
    due = first_due(db, loan_id)
    live(svc, clock, due - timedelta(days=1), due + timedelta(days=3))

    attempts = debit_attempts(loan_id, svc)
    assert [(a.attempt, a.status) for a in attempts] == [
        (1, DebitStatus.FAILED),
        (2, DebitStatus.SUCCEEDED),
    ]
    assert len(gateway.debited) == 1
    assert attempts[1].amount == attempts[0].amount  # what was due, penalty-free a day late
    record = loan(db, loan_id)
    assert record.days_past_due == 0
    assert record.state.positions[0].scheduled_unpaid == 0
    with SqlUnitOfWork(db) as uow:
        assert uow.lending.repayment_by_key(attempts[1].idempotency_key) is not None

    # the same dates again: nothing new
    for day in (due, due + timedelta(days=1)):
        run_business_date(day, svc.lending, steps=servicing_steps(svc))
    assert len(debit_attempts(loan_id, svc)) == 2
    assert_books_balance(db)


class CrashAfterDebit(SimulatedGateway):
    """Answers the debit, then the process 'dies' before anything is recorded."""

    crashed = False

    def debit(self, debit_id: str, loan_id: str, card: str, amount: int) -> PayoutResult:  # type: ignore[override]
        result = super().debit(debit_id, loan_id, card, amount)  # type: ignore[arg-type]
        if not self.crashed:
            self.crashed = True
            raise RuntimeError("power cut")
        return result


def test_crash_after_the_channel_answered(database_url: str) -> None:
    db = migrated(database_url)
    clock = new_clock()
    gateway = CrashAfterDebit()
    svc = servicing(db, clock, gateway=gateway)
    loan_id = disbursed_loan(db, clock, svc)
    bind_card(loan_id, CARD, svc)
    due = first_due(db, loan_id)
    live(svc, clock, due - timedelta(days=1), due - timedelta(days=1))
    evening(clock, due)
    with pytest.raises(RuntimeError):
        run_business_date(due, svc.lending, steps=servicing_steps(svc))
    assert [a.status for a in debit_attempts(loan_id, svc)] == [DebitStatus.PENDING]
    run_business_date(due, svc.lending, steps=servicing_steps(svc))
    attempts = debit_attempts(loan_id, svc)
    assert [a.status for a in attempts] == [DebitStatus.SUCCEEDED]
    assert len(gateway.debited) == 1
    assert loan(db, loan_id).state.positions[0].scheduled_unpaid == 0
    assert_books_balance(db)
