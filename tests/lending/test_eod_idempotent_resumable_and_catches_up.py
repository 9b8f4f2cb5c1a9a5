"""End of day: a date runs once; a crash mid-run (raised inside a chunk) loses only that chunk
and a rerun finishes to the same books as an uninterrupted run; missed dates run in order;
a loan past the write-off DPD is written off against its allowance and its line is frozen. On the
in-memory unit of work and on SQLite (`books`)."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import pytest

from fengkong.core.clock import FakeClock
from fengkong.lending.credit_lines import draw, get_line, open_line
from fengkong.lending.disbursement import disburse
from fengkong.lending.eod import dates_to_run, run_end_of_day
from fengkong.lending.origination import accept_offer, get_loan
from fengkong.lending.records import LoanStage
from lending.test_service_support import (
    Books,
    all_loans,
    assert_books_balance,
    fresh_books,
    ledger_snapshot,
    lending_services,
    new_clock,
    seed_approved,
    unit_of_work,
)


class Crash(RuntimeError):
    pass


def _portfolio(db: Books, clock: FakeClock, n: int = 7) -> list[str]:
    svc = lending_services(db, clock)
    ids = []
    for k in range(n):
        app = seed_approved(db, clock, amount=200_000 + 10_000 * k, terms=3 + k % 4)
        loan_id = accept_offer(app, f"a{k}", svc).record.loan_id
        disburse(loan_id, f"d{k}", svc)
        ids.append(loan_id)
    return ids


def _books(db: Books) -> dict[str, object]:
    with unit_of_work(db)() as uow:
        # loan ids differ between databases: compare per-loan balances as a sorted multiset
        balances = sorted((k.code, v) for k, v in uow.journal.balances().items() if v)
        states = {r.loan_id: r.state for r in all_loans(db, uow)}
    return {"balances": balances, "states": states}


def test_a_crash_mid_run_resumes_to_the_same_books(books: Books, tmp_path: Path) -> None:
    clean_db, crash_db = books, fresh_books(books, tmp_path, "crash")
    day = date(2026, 4, 20)
    for db in (clean_db, crash_db):
        _portfolio(db, new_clock())
    clean_clock, crash_clock = new_clock(day), new_clock(day)
    run_end_of_day(day, lending_services(clean_db, clean_clock), chunk=2)

    def crash_on_third_chunk(on: date, partition: int, chunk: int) -> None:
        if chunk == 3:
            raise Crash("power cut")

    crashing = lending_services(crash_db, crash_clock)
    with pytest.raises(Crash):
        run_end_of_day(day, crashing, chunk=2, before_commit=crash_on_third_chunk)
    with unit_of_work(crash_db)() as uow:
        progress = uow.lending.eod_progress(day, 0)
        assert progress is not None and progress["chunks"] == 2 and not progress["done"]
        assert uow.lending.eod_run(day)["status"] == "running"  # type: ignore[index]
    resumed = run_end_of_day(day, crashing, chunk=2)
    assert resumed.ran == (day,)
    assert_books_balance(crash_db)

    clean, crashed = _books(clean_db), _books(crash_db)
    assert crashed["balances"] == clean["balances"]
    by_id = lambda states: sorted(  # noqa: E731
        (s.accrued_through, s.outstanding.total, s.terms.principal) for s in states.values()
    )
    assert by_id(crashed["states"]) == by_id(clean["states"])  # type: ignore[arg-type]

    before = ledger_snapshot(crash_db)
    again = run_end_of_day(day, crashing, chunk=2)
    assert again.already_done and again.ran == ()
    assert ledger_snapshot(crash_db) == before


def test_missed_dates_are_caught_up_in_order(books: Books) -> None:
    db = books
    _portfolio(db, new_clock(), n=2)
    first = date(2026, 3, 10)
    clock = new_clock(first)
    svc = lending_services(db, clock)
    assert run_end_of_day(first, svc).ran == (first,)
    later = first + timedelta(days=3)
    clock.advance(timedelta(days=3))  # three days without an end of day
    report = run_end_of_day(later, svc)
    assert report.ran == (first + timedelta(days=1), first + timedelta(days=2), later)
    with unit_of_work(db)() as uow:
        runs = [first + timedelta(days=k) for k in range(4)]
        assert [uow.lending.eod_run(d)["status"] for d in runs] == ["done"] * 4
        assert uow.lending.last_completed_eod() == later
    assert_books_balance(db)


def test_dates_to_run() -> None:
    d = date(2026, 5, 10)
    assert dates_to_run(d, None) == (d,)
    assert dates_to_run(d, d) == (d,)
    assert dates_to_run(d, d - timedelta(days=3)) == tuple(d - timedelta(days=k) for k in (2, 1, 0))


def test_write_off_and_line_freeze_past_due(books: Books) -> None:
    db = books
    clock = new_clock()
    svc = lending_services(db, clock)
    loan_id = accept_offer(seed_approved(db, clock, terms=3), "a", svc).record.loan_id
    disburse(loan_id, "d", svc)
    line = open_line(500_000, Decimal("0.12"), "line", svc)
    drawn = draw(line.line_id, 100_000, 1, "draw", svc)

    clock.advance(timedelta(days=35))
    run_end_of_day(clock.business_date(), svc)
    assert get_line(line.line_id, svc).status.value == "frozen"
    assert get_loan(drawn.loan.record.loan_id, svc).record.days_past_due > 0

    clock.advance(timedelta(days=240))
    run_end_of_day(clock.business_date(), svc)  # catches up 240 days, one date at a time
    record = get_loan(loan_id, svc).record
    assert record.stage is LoanStage.WRITTEN_OFF
    assert record.loan_class.value == "loss"
    assert_books_balance(db)
    with unit_of_work(db)() as uow:
        actions = [r.action for r in uow.audit.for_subject("loan", loan_id)]
    assert "loan.written_off" in actions and "loan.reclassified" in actions
