"""End of day's dates and its report, on SQLite and PostgreSQL:
- a date after the clock's business date is refused and nothing changes, unless simulated;
- a date before the last completed end of day is refused and nothing changes, while the last
  completed date itself is a no-op;
- the report's summary (loans, bucket moves, lines frozen and closed, written off, entries,
  postings) equals what the books show moved.

| day          | what happens                                                        |
| 2026-03-02   | three loans and a one-month draw on a line paid out                 |
| +35 days     | first end of day ever, one date: every first instalment is overdue  |
| +75 days     | 40 dates caught up; 30 days past due writes every loan off          |
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
import sqlalchemy as sa

from fengkong.core.clock import FakeClock
from fengkong.db.database import Database
from fengkong.db.uow import SqlUnitOfWork
from fengkong.lending.config import LendingConfig
from fengkong.lending.credit_lines import draw, open_line
from fengkong.lending.delinquency import WriteOffPolicy
from fengkong.lending.disbursement import disburse
from fengkong.lending.eod import run_business_date, run_end_of_day
from fengkong.lending.eod_dates import EodDateBeforeLastRun, EodDateInFuture
from fengkong.lending.origination import accept_offer
from fengkong.lending.services import LendingServices
from lending.test_service_support import (
    assert_books_balance,
    ledger_snapshot,
    lending_services,
    migrated,
    new_clock,
    seed_approved,
)


def _book(database_url: str) -> tuple[Database, FakeClock, LendingServices]:
    db = migrated(database_url)
    clock = new_clock()
    config = LendingConfig(write_off=WriteOffPolicy(min_days_past_due=30))
    svc = lending_services(db, clock, config=config)
    for k in range(3):
        application = seed_approved(db, clock, amount=300_000 + 50_000 * k, terms=3 + k)
        loan_id = accept_offer(application, f"a{k}", svc).record.loan_id
        disburse(loan_id, f"d{k}", svc)
    line = open_line(500_000, Decimal("0.12"), "line", svc)
    draw(line.line_id, 100_000, 1, "draw", svc)
    return db, clock, svc


def _state(db: Database) -> dict[str, object]:
    """Everything end of day could move: the ledger, the loans, the lines and the runs."""
    with db.engine.connect() as conn:
        loans = conn.execute(
            sa.text("select id, status, dpd_bucket, eod_date, revision from loans order by id")
        ).all()
        lines = conn.execute(sa.text("select id, status from credit_lines order by id")).all()
        runs = conn.execute(sa.text("select business_date, status from eod_runs")).all()
    return {
        "ledger": ledger_snapshot(db),
        "loans": [tuple(r) for r in loans],
        "lines": [tuple(r) for r in lines],
        "runs": [tuple(r) for r in runs],
    }


def _count(db: Database, sql: str, **params: object) -> int:
    with db.engine.connect() as conn:
        return int(conn.execute(sa.text(sql), params).scalar_one())


def test_a_date_after_today_is_refused_unless_simulated(database_url: str) -> None:
    db, clock, svc = _book(database_url)
    today = clock.business_date()
    ahead = date(2027, 3, 15)
    before = _state(db)
    with pytest.raises(EodDateInFuture) as refused:
        run_end_of_day(ahead, svc)
    assert refused.value.errors[0].loc == ("date",)
    assert "2027-03-15" in refused.value.detail and today.isoformat() in refused.value.detail
    with pytest.raises(EodDateInFuture):
        run_business_date(today + timedelta(days=1), svc)  # the per-date entry point too
    assert _state(db) == before

    simulated = run_end_of_day(ahead, svc, simulate=True)
    assert simulated.simulated and simulated.ran == (ahead,) and simulated.today == today
    assert simulated.as_dict()["simulated"] is True
    assert _count(db, "select count(*) from loans where eod_date = :d", d=ahead) == 4
    with SqlUnitOfWork(db) as uow:
        completed = list(uow.audit.for_subject("eod", ahead.isoformat()))
    assert completed[-1].action == "eod.completed" and completed[-1].payload["simulated"] is True
    assert_books_balance(db)


def test_a_date_before_the_last_completed_run_is_refused(database_url: str) -> None:
    db, clock, svc = _book(database_url)
    clock.advance(timedelta(days=10))
    today = clock.business_date()
    assert run_end_of_day(today, svc).ran == (today,)
    before = _state(db)
    for earlier in (today - timedelta(days=1), today - timedelta(days=30)):
        with pytest.raises(EodDateBeforeLastRun) as refused:
            run_end_of_day(earlier, svc)
        assert refused.value.last_done == today
        with pytest.raises(EodDateBeforeLastRun):
            run_business_date(earlier, svc)
    again = run_end_of_day(today, svc)
    assert again.already_done and again.ran == () and again.summary["loans"] == 0
    assert _state(db) == before


def test_the_summary_counts_what_the_books_show(database_url: str) -> None:
    db, clock, svc = _book(database_url)
    buckets = {r[0]: r[2] for r in _state(db)["loans"]}  # type: ignore[attr-defined]
    books = ledger_snapshot(db)

    clock.advance(timedelta(days=35))
    first = clock.business_date()
    report = run_end_of_day(first, svc)
    assert report.ran == (first,)
    after = _state(db)
    moved = sum(buckets[r[0]] != r[2] for r in after["loans"])  # type: ignore[attr-defined]
    entries, postings = ledger_snapshot(db)
    assert report.summary == {
        "loans": _count(db, "select count(*) from loans where eod_date = :d", d=first),
        "bucket_moves": moved,
        "lines_frozen": _count(db, "select count(*) from credit_lines where status = 'frozen'"),
        "lines_closed": 0,
        "written_off": 0,
        "entries": entries - books[0],
        "postings": postings - books[1],
    }
    assert report.summary["loans"] == 4 and moved == 4 and report.summary["lines_frozen"] == 1

    books = ledger_snapshot(db)
    clock.advance(timedelta(days=40))
    caught_up = run_end_of_day(clock.business_date(), svc)
    assert len(caught_up.ran) == 40
    entries, postings = ledger_snapshot(db)
    written_off = _count(db, "select count(*) from loans where status = 'written_off'")
    assert written_off == 4
    assert caught_up.summary["written_off"] == written_off
    assert caught_up.summary["lines_closed"] == _count(
        db, "select count(*) from credit_lines where status = 'closed'"
    )
    assert (caught_up.summary["entries"], caught_up.summary["postings"]) == (
        entries - books[0],
        postings - books[1],
    )
    assert_books_balance(db)
