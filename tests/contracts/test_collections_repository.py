"""`lending.servicing_ports.CollectionsRepository`: the queue's cases by status, officers' actions
and promises in the order they were recorded, a promise's save changing its standing only;
delinquent loans with their decision's score and PD, and what a loan repaid in a window.

    loan     stage    dpd  decision        repayments (applied unless said)
    loan_1   active   45   score 520, 0.12 03-05 100.00, 03-20 50.00, 03-06 30.00 reversed
    loan_2   active   10   none
    loan_3   settled  90   none
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from decimal import Decimal

from contracts.conftest import Backend
from contracts.lending_rows import loan, repayment
from contracts.rows import application, at, decision
from fengkong.core.money import Fen
from fengkong.lending.records import LoanStage
from fengkong.lending.servicing_records import (
    CaseStatus,
    CollectionAction,
    CollectionActionKind,
    CollectionCase,
    PromiseStatus,
    PromiseToPay,
)

DAY = date(2026, 4, 1)


def _case(loan_id: str, status: CaseStatus = CaseStatus.OPEN, **changes: object) -> CollectionCase:
    fields: dict[str, object] = {
        "loan_id": loan_id,
        "status": status,
        "opened_on": DAY,
        "days_past_due": 45,
        "bucket": "M2",
        "bucket_rank": 2,
        "overdue": Fen(90_000),
        "updated_on": DAY,
        "score": 520,
        "pd": Decimal("0.12"),
        "flags": ("no_contact",),
    }
    return CollectionCase(**{**fields, **changes})  # type: ignore[arg-type]


def _promise(promise_id: str, loan_id: str = "loan_1") -> PromiseToPay:
    return PromiseToPay(promise_id, loan_id, Fen(50_000), date(2026, 4, 8), DAY, "li")


def _book(backend: Backend) -> None:
    with backend.uow() as uow:
        uow.lending.add_loan(loan("loan_1", days_past_due=45, application_id="app_1"), at(0))
        uow.lending.add_loan(loan("loan_2", days_past_due=10), at(0))
        uow.lending.add_loan(loan("loan_3", days_past_due=90, stage=LoanStage.SETTLED), at(0))
        uow.commit()


def test_cases_by_status_and_by_loan(backend: Backend) -> None:
    _book(backend)
    with backend.uow() as uow:
        uow.servicing.save_case(_case("loan_1"))
        uow.servicing.save_case(_case("loan_2", score=None, pd=None, flags=()))
        uow.commit()
    closed = _case("loan_2", CaseStatus.CLOSED, closed_on=date(2026, 4, 9), score=None, pd=None)
    with backend.uow() as uow:
        assert uow.servicing.get_case("loan_1") == _case("loan_1")
        assert uow.servicing.get_case("loan_9") is None
        uow.servicing.save_case(closed)
        uow.commit()
    with backend.uow() as uow:
        assert uow.servicing.cases(CaseStatus.OPEN) == [_case("loan_1")]
        assert uow.servicing.cases(CaseStatus.CLOSED) == [closed]


def test_actions_and_promises_in_the_order_recorded(backend: Backend) -> None:
    _book(backend)
    call = CollectionAction("act_b", "loan_1", CollectionActionKind.CALL, "no answer", "li", DAY)
    sms = CollectionAction("act_a", "loan_1", CollectionActionKind.SMS, "reminder", "li", DAY)
    with backend.uow() as uow:
        uow.servicing.add_action(call, at(0))
        uow.servicing.add_action(sms, at(1))
        uow.servicing.add_promise(_promise("ptp_b"), at(0))
        uow.servicing.add_promise(_promise("ptp_a"), at(1))
        uow.servicing.add_promise(_promise("ptp_c", "loan_2"), at(0))
        uow.commit()
    kept = replace(
        _promise("ptp_b"),
        status=PromiseStatus.KEPT,
        paid=Fen(50_000),
        closed_on=date(2026, 4, 7),
        amount=Fen(1),
    )
    with backend.uow() as uow:
        assert uow.servicing.actions_for("loan_1") == [call, sms]
        assert uow.servicing.actions_for("loan_2") == []
        uow.servicing.save_promise(kept)
        uow.commit()
    with backend.uow() as uow:
        assert uow.servicing.promises_for("loan_1") == [
            replace(kept, amount=Fen(50_000)),
            _promise("ptp_a"),
        ]
        assert [p.promise_id for p in uow.servicing.open_promises()] == ["ptp_a", "ptp_c"]


def test_delinquent_loans_with_their_decisions_score(backend: Backend) -> None:
    _book(backend)
    with backend.uow() as uow:
        uow.applications.add(application("app_1"))
        uow.decisions.add(decision("dec_1", "app_1", score=520, pd="0.120000"))
        uow.commit()
    with backend.uow() as uow:
        assert uow.servicing.delinquent_loans(1) == [
            ("loan_1", 520, Decimal("0.12")),
            ("loan_2", None, None),
        ]
        assert uow.servicing.delinquent_loans(30) == [("loan_1", 520, Decimal("0.12"))]


def test_what_a_loan_repaid_in_a_window(backend: Backend) -> None:
    _book(backend)
    with backend.uow() as uow:
        read = uow.lending.get_loan("loan_1")
        for rep_id, amount, on, status in (
            ("rep_1", 10_000, date(2026, 3, 5), "applied"),
            ("rep_2", 5_000, date(2026, 3, 20), "applied"),
            ("rep_3", 3_000, date(2026, 3, 6), "reversed"),
        ):
            record = repayment(rep_id, amount=Fen(amount), business_date=on, status=status)
            read = uow.lending.record_repayment([], "h", read, record, at(1))
        uow.commit()
    with backend.uow() as uow:
        assert uow.servicing.repaid_between("loan_1", date(2026, 3, 1), date(2026, 3, 31)) == 15_000
        assert uow.servicing.repaid_between("loan_1", date(2026, 3, 5), date(2026, 3, 5)) == 10_000
        assert uow.servicing.repaid_between("loan_1", date(2026, 3, 21), date(2026, 4, 1)) == 0
        assert uow.servicing.repaid_between("loan_2", date(2026, 3, 1), date(2026, 3, 31)) == 0
