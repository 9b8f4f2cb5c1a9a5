"""Collections: delinquent loans join the queue at end of day, ordered by bucket, then PD or
score, then overdue amount; actions and promises are recorded and audited; a promise is kept when
paid by its date and broken when its date passes unpaid; a cured loan's case closes."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from fengkong.core.money import Fen
from fengkong.lending.collections import (
    collection_queue,
    get_case,
    order_queue,
    record_action,
    record_promise,
)
from fengkong.lending.repayment import post_repayment
from fengkong.lending.servicing import overdue_amount
from fengkong.lending.servicing_records import CaseStatus, CollectionCase, PromiseStatus
from lending.test_collections_support import (
    audit_actions,
    disbursed_loan,
    first_due,
    live,
    loan,
    servicing,
)
from lending.test_service_support import migrated, new_clock

D = date(2026, 5, 1)


def case(
    loan_id: str, rank: int, pd: str | None, score: int | None, overdue: int
) -> CollectionCase:
    return CollectionCase(
        loan_id,
        CaseStatus.OPEN,
        D,
        rank * 30,
        f"M{rank}",
        rank,
        Fen(overdue),
        D,
        score,
        None if pd is None else Decimal(pd),
    )


def test_order() -> None:
    cases = [
        case("a", 1, "0.05", None, 100),
        case("b", 2, None, None, 10),
        case("c", 1, "0.20", None, 5),
        case("d", 1, None, 480, 900),
        case("e", 1, None, 520, 900),
        case("f", 1, "0.05", None, 300),
    ]
    assert [c.loan_id for c in order_queue(cases)] == ["b", "c", "f", "a", "d", "e"]


def test_queue_actions_and_promises(database_url: str) -> None:
    db = migrated(database_url)
    clock = new_clock()
    svc = servicing(db, clock)
    small = disbursed_loan(db, clock, svc, amount=300_000)
    big = disbursed_loan(db, clock, svc, amount=900_000)
    due = first_due(db, small)
    live(svc, clock, due - timedelta(days=1), due + timedelta(days=2))
    queue = collection_queue(svc)
    assert [c.loan_id for c in queue] == [big, small]  # same bucket and score: the larger first
    assert queue[0].bucket == "M1" and queue[0].score == 600 and queue[0].pd == Decimal("0.05")

    record_action(small, "call", "reached borrower; will pay", "li.wei", svc)
    owed = overdue_amount(loan(db, small).state, due + timedelta(days=2))
    kept = record_promise(small, int(owed), due + timedelta(days=4), "li.wei", svc)
    broken = record_promise(big, 1_000, due + timedelta(days=3), "li.wei", svc)
    post_repayment(small, int(owed), "ptp-pay", svc.lending)
    live(svc, clock, due + timedelta(days=3), due + timedelta(days=4))

    small_case = get_case(small, svc)
    assert small_case.case.status is CaseStatus.CLOSED
    assert [p.status for p in small_case.promises] == [PromiseStatus.KEPT]
    assert small_case.actions[0].officer == "li.wei"
    assert [p.status for p in get_case(big, svc).promises] == [PromiseStatus.BROKEN]
    assert kept.promise_id != broken.promise_id
    actions = audit_actions(db, small)
    for action in (
        "collections.case_opened",
        "collections.action",
        "collections.promise",
        "collections.promise_kept",
        "collections.case_closed",
    ):
        assert action in actions
    assert "collections.promise_broken" in audit_actions(db, big)
