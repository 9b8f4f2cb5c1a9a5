"""The done-when of the portfolio-monitoring issue: "a rebuild command recomputes any date range
from the books and must give identical figures". A book lives through four months with end of
day (and its snapshot) each night: instalment loans and credit-line draws, on-time payments,
late payments that cure, a partial payment, an overpayment held as credit, misses that roll
through the buckets into a write-off, a settlement, a partial payment then a restructuring, a
repayment reversed the day it was made and another reversed days later. Afterwards every date
is rebuilt from the books at once, and every row of every date (all dimensions and segments,
every figure, the largest borrowers) must be what end of day stored that night; and each night,
every loan's facts as the rebuild derives them must be those the snapshot read from the loan's
row. SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import sqlalchemy as sa

from fengkong.db.database import Database
from fengkong.db.uow import SqlUnitOfWork
from fengkong.lending.config import LendingConfig
from fengkong.lending.credit_lines import draw, open_line
from fengkong.lending.delinquency import WriteOffPolicy
from fengkong.lending.disbursement import disburse
from fengkong.lending.eod import run_end_of_day
from fengkong.lending.origination import accept_offer
from fengkong.lending.repayment import (
    post_repayment,
    quote_settlement,
    reverse_repayment,
    settle_loan,
)
from fengkong.lending.restructuring import restructure
from fengkong.lending.services import LendingServices
from fengkong.lending.servicing import amount_due
from fengkong.monitoring.as_of import facts_as_of
from fengkong.monitoring.figures import DIMENSIONS
from fengkong.monitoring.snapshots import MonitoringServices, rebuild, snapshot_step
from lending.test_service_support import lending_services, migrated, new_clock, seed_approved

START = date(2026, 3, 2)
DAYS = 125
# Written off at 65 days past due: a loan that never pays goes through M1, M2 and M3 first.
CONFIG = LendingConfig(write_off=WriteOffPolicy(min_days_past_due=65))
LGD = Decimal("0.45")

Action = Callable[[LendingServices, date], None]


def _monitoring(db: Database, day: date) -> MonitoringServices:
    return MonitoringServices(
        uow=lambda: SqlUnitOfWork(db), clock=new_clock(day), lgd=LGD, lending=CONFIG
    )


def _state(db: Database, loan_id: str) -> Any:
    with SqlUnitOfWork(db) as uow:
        record = uow.lending.get_loan(loan_id)
    assert record is not None
    return record.state


def _first_due(db: Database, loan_id: str) -> date:
    with SqlUnitOfWork(db) as uow:
        return uow.lending.instalments(loan_id)[0].due


class Book:
    """The loans of the book and what happens to them, by date."""

    def __init__(self, db: Database) -> None:
        self.db = db
        self.loans: dict[str, str] = {}
        self.plan: dict[date, list[Action]] = {}
        self.paid = 0

    def on(self, day: date, action: Action) -> None:
        self.plan.setdefault(day, []).append(action)

    def book(self, name: str, amount: int, terms: int, region: str, pd: str | None) -> Action:
        def act(svc: LendingServices, today: date) -> None:
            app = seed_approved(
                self.db,
                svc.clock,
                amount=amount,
                terms=terms,
                region=region,
                pd=pd,  # type: ignore[arg-type]
            )
            loan_id = accept_offer(app, f"accept-{name}", svc).record.loan_id
            disburse(loan_id, f"pay-{name}", svc)
            self.loans[name] = loan_id

        return act

    def pay(self, name: str, share: Decimal = Decimal(1)) -> Action:
        """Pay `share` of what is due today (an overpayment above 1)."""

        def act(svc: LendingServices, today: date) -> None:
            loan_id = self.loans[name]
            due = amount_due(_state(self.db, loan_id), today)
            amount = int(due * share)
            if amount > 0:
                self.paid += 1
                post_repayment(loan_id, amount, f"r{self.paid}-{name}", svc)

        return act


def _live(db: Database) -> tuple[Book, date]:
    book = Book(db)
    s = START
    book.on(s, book.book("on_time", 600_000, 6, "44", "0.03"))
    book.on(s, book.book("late_cure", 500_000, 6, "11", "0.08"))
    book.on(s, book.book("never", 400_000, 6, "31", "0.20"))
    book.on(s, book.book("reversed", 300_000, 6, "44", None))
    book.on(s + timedelta(days=1), book.book("restructured", 450_000, 6, "11", "0.12"))
    book.on(s + timedelta(days=3), book.book("settled", 350_000, 6, "31", "0.05"))
    book.on(s + timedelta(days=5), book.book("partial", 550_000, 6, "44", "0.06"))
    book.on(s + timedelta(days=6), book.book("overpaid", 250_000, 6, "11", "0.04"))

    def open_and_draw(svc: LendingServices, today: date) -> None:
        app = seed_approved(db, svc.clock, amount=800_000, region="44", pd="0.07")
        line = open_line(800_000, Decimal("0.15"), "line-1", svc, application_id=app)
        book.loans["line"] = line.line_id
        book.loans["draw_paid"] = draw(line.line_id, 200_000, 3, "draw-1", svc).loan.record.loan_id

    def second_draw(svc: LendingServices, today: date) -> None:
        drawn = draw(book.loans["line"], 150_000, 3, "draw-2", svc)
        book.loans["draw_missed"] = drawn.loan.record.loan_id

    book.on(s + timedelta(days=2), open_and_draw)
    book.on(s + timedelta(days=20), second_draw)

    # Each day's actions run first (the loans they act on exist by then); the schedule-driven
    # ones are planned once the loans are booked, in `_plan_payments`.
    last = s + timedelta(days=DAYS - 1)
    day = s
    planned = False
    while day <= last:
        svc = lending_services(db, new_clock(day), config=CONFIG)
        for action in book.plan.get(day, []):
            action(svc, day)
        if not planned and "draw_missed" in book.loans:
            _plan_payments(book, day)
            planned = True
        run_end_of_day(day, svc, steps=(snapshot_step(_monitoring(db, day)),))
        _same_loan_by_loan(db, day)
        day += timedelta(days=1)
    return book, last


def _same_loan_by_loan(db: Database, day: date) -> None:
    """Each loan's facts as the snapshot just read them from its row are those the rebuild
    derives from the books for the date (not only their sums)."""
    with SqlUnitOfWork(db) as uow:
        stored = list(uow.portfolio.loan_facts(day))
        derived = [facts_as_of(h, day, CONFIG) for h in uow.portfolio.loan_histories(day)]
    assert derived == stored, day


def _plan_payments(book: Book, today: date) -> None:
    db = book.db
    due = {name: _first_due(db, loan_id) for name, loan_id in book.loans.items() if name != "line"}
    month = timedelta(days=30)
    for k in range(4):  # each month's instalment, paid on its due date
        for name in ("on_time", "draw_paid", "overpaid"):
            book.on(due[name] + k * month + timedelta(days=k // 2), book.pay(name))
        book.on(due["late_cure"] + k * month + timedelta(days=12), book.pay("late_cure"))
    first = due["overpaid"]
    book.on(first, book.pay("overpaid", Decimal("1.5")))  # the excess is held as credit
    book.on(due["partial"], book.pay("partial", Decimal("0.5")))
    book.on(due["partial"] + timedelta(days=20), book.pay("partial"))
    book.on(due["partial"] + timedelta(days=45), book.pay("partial"))

    def settle(svc: LendingServices, today: date) -> None:
        quote = quote_settlement(book.loans["settled"], svc)
        settle_loan(book.loans["settled"], quote.payable, "settle-1", svc)

    book.on(due["settled"] + timedelta(days=9), settle)

    def pay_and_reverse(svc: LendingServices, today: date) -> None:
        loan_id = book.loans["reversed"]
        amount = amount_due(_state(db, loan_id), today)
        paid = post_repayment(loan_id, amount, "bounced", svc)
        reverse_repayment(loan_id, paid.repayment_id, "rv-bounced", "the debit bounced", svc)

    book.on(due["reversed"], pay_and_reverse)
    book.on(due["reversed"] + timedelta(days=3), book.pay("reversed"))

    # the next instalment paid on time, its payment bounced four days later, paid again after
    bounced: list[str] = []

    def pay_next(svc: LendingServices, today: date) -> None:
        loan_id = book.loans["reversed"]
        amount = amount_due(_state(db, loan_id), today)
        bounced.append(post_repayment(loan_id, amount, "bounces-later", svc).repayment_id)

    def reverse_later(svc: LendingServices, today: date) -> None:
        reverse_repayment(book.loans["reversed"], bounced[0], "rv-later", "returned", svc)

    book.on(due["reversed"] + month, pay_next)
    book.on(due["reversed"] + month + timedelta(days=4), reverse_later)
    book.on(due["reversed"] + month + timedelta(days=10), book.pay("reversed"))

    def rework(svc: LendingServices, today: date) -> None:
        restructure(book.loans["restructured"], "income fell", svc, extra_terms=3)

    # part of the missed instalment paid (its interest first), then the rest of its principal
    # moved to the new schedule: the old schedule is what ages the days in between
    book.on(due["restructured"] + timedelta(days=5), book.pay("restructured", Decimal("0.5")))
    book.on(due["restructured"] + timedelta(days=18), rework)
    book.on(due["restructured"] + timedelta(days=40), book.pay("restructured"))


def _stored(db: Database, days: list[date]) -> dict[date, tuple[Any, Any]]:
    with SqlUnitOfWork(db) as uow:
        return {
            day: (
                uow.portfolio.snapshot_rows(day, DIMENSIONS),
                uow.portfolio.top_borrowers(day, 20),
            )
            for day in days
        }


def test_a_rebuild_of_every_date_gives_what_end_of_day_wrote(database_url: str) -> None:
    db = migrated(database_url)
    book, last = _live(db)
    days = [START + timedelta(days=k) for k in range(DAYS)]
    stored = _stored(db, days)

    # the book went through what the test says it did
    with db.engine.connect() as conn:
        stages = {r.id: r.status for r in conn.execute(sa.text("select id, status from loans"))}
    restructured = len(_state(db, book.loans["restructured"]).restructurings)
    named = {name: stages[loan_id] for name, loan_id in book.loans.items() if loan_id in stages}
    assert named["never"] == "written_off" and named["settled"] == "settled"
    assert named["draw_missed"] == "written_off" and restructured == 1
    buckets = {
        b
        for rows, _ in stored.values()
        for dimension, _, figures in rows
        if dimension == "all"
        for b, fen in (figures.bucket_fen or {}).items()
        if fen
    }
    assert buckets == {"M0", "M1", "M2", "M3"}

    done = rebuild(START, last, _monitoring(db, last), "user:adam")
    assert done.dates == tuple(days) and done.fresh == ()
    rebuilt = _stored(db, days)
    for day in days:
        assert rebuilt[day] == stored[day], day
    assert done.changed == ()
