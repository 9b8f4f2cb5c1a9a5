"""End of day writes the date's portfolio snapshot (SQLite and PostgreSQL): its figures agree
with a direct count from the loans table (overdue by count and balance, M3+, written off); a
rerun of the snapshot replaces the date's rows; a rebuild of the last date from the books gives
identical figures, and so does a rebuild of earlier dates once the book has moved on (a
repayment, the next end of day); a rebuild is refused after the last end of day and before the
first loan, and the report refuses dates outside the snapshots and unknown dimensions. The
rebuild over a whole book's life is `test_rebuild_gives_what_end_of_day_wrote.py`."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import pytest
import sqlalchemy as sa

from fengkong.db.database import Database
from fengkong.lending.config import LendingConfig
from fengkong.lending.delinquency import WriteOffPolicy
from fengkong.lending.disbursement import disburse
from fengkong.lending.eod import run_end_of_day
from fengkong.lending.origination import accept_offer
from fengkong.lending.repayment import post_repayment
from fengkong.monitoring.figures import DIMENSIONS
from fengkong.monitoring.snapshots import (
    MonitoringServices,
    SnapshotDateOutOfRange,
    SnapshotNotFound,
    UnknownDimension,
    portfolio_report,
    rebuild,
    snapshot_step,
    take_snapshot,
)
from lending.test_service_support import (
    lending_services,
    migrated,
    new_clock,
    seed_approved,
    unit_of_work,
)

DAY = date(2026, 7, 10)
CONFIG = LendingConfig(write_off=WriteOffPolicy(min_days_past_due=150))
# (booked on, score, pd, region): unpaid, their days past due on DAY are about 155 (written off),
# 99 (M3+), 40 (M1+), 15 (overdue) and 0 (current, first due after DAY).
BOOKINGS = (
    (date(2026, 1, 5), 480, "0.30", "44"),
    (date(2026, 3, 2), 560, "0.12", "44"),
    (date(2026, 5, 1), 610, "0.06", "11"),
    (date(2026, 5, 25), 700, None, None),
    (date(2026, 6, 20), None, "0.02", "31"),
)


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def db(request: pytest.FixtureRequest, tmp_path: Any) -> Iterator[Database]:
    url = (
        f"sqlite:///{tmp_path / 'm.db'}"
        if request.param == "sqlite"
        else request.getfixturevalue("postgres_url")
    )
    books = migrated(url)
    yield books
    books.dispose()


def _book(db: Database) -> None:
    for k, (day, score, pd, region) in enumerate(BOOKINGS):
        clock = new_clock(day)
        svc = lending_services(db, clock, config=CONFIG)
        app = seed_approved(
            db, clock, amount=300_000 + 100_000 * k, score=score, pd=pd, region=region
        )
        disburse(accept_offer(app, f"a{k}", svc).record.loan_id, f"d{k}", svc)


def _monitoring(db: Database, day: date) -> MonitoringServices:
    return MonitoringServices(
        uow=unit_of_work(db), clock=new_clock(day), lgd=Decimal("0.45"), lending=CONFIG
    )


def _end_of_day(db: Database, day: date) -> dict[str, int]:
    svc = lending_services(db, new_clock(day), config=CONFIG)
    report = run_end_of_day(day, svc, steps=(snapshot_step(_monitoring(db, day)),))
    return dict(report.totals[day.isoformat()])


def _counted(db: Database, where: str) -> tuple[int, int]:
    with db.engine.connect() as conn:
        n, fen = conn.execute(
            sa.text(
                f"select count(*), coalesce(sum(principal_outstanding_fen), 0) from loans where {where}"
            )
        ).one()
    return int(n), int(fen)


def _rows(db: Database, day: date) -> list[tuple[str, str, Any]]:
    with unit_of_work(db)() as uow:
        return list(uow.portfolio.snapshot_rows(day, DIMENSIONS))


def test_end_of_day_writes_figures_that_agree_with_the_loans(db: Database) -> None:
    _book(db)
    totals = _end_of_day(db, DAY)
    assert totals["snapshot_segments"] == len(_rows(db, DAY)) > 0  # counted in the date's totals

    whole = portfolio_report(_monitoring(db, DAY), DAY, "all").rows[0][2]
    active, outstanding = _counted(db, "status = 'active'")
    overdue, overdue_fen = _counted(db, "status = 'active' and days_past_due >= 1")
    m3, m3_fen = _counted(db, "status = 'active' and days_past_due > 90")
    off, off_fen = _counted(db, "status = 'written_off'")
    assert (whole.active_loans, whole.outstanding_fen) == (active, outstanding) == (4, outstanding)
    assert (whole.overdue_loans, whole.overdue_fen) == (overdue, overdue_fen)
    assert overdue == 3 and m3 == 1 and off == 1  # the book is what the bookings say
    assert whole.overdue_rate_count == Decimal(overdue) / Decimal(active)
    assert whole.overdue_rate_balance == (Decimal(overdue_fen) / outstanding).quantize(
        Decimal("0.000001")
    )
    assert whole.m3_plus_fen == m3_fen
    # The loan written off owed its whole principal: nothing had been repaid.
    assert (whole.written_off_loans, whole.written_off_fen) == (off, off_fen) == (1, 300_000)

    report = portfolio_report(_monitoring(db, DAY), None, ["region", "score_band"])
    regions = {s: f for d, s, f in report.rows if d == "region"}
    bands = {s: f for d, s, f in report.rows if d == "score_band"}
    assert set(regions) == {"44", "11", "31", "unknown"}
    assert regions["44"].written_off_loans == 1 and regions["44"].m3_plus_fen == m3_fen
    assert set(bands) == {"<500", "550-599", "600-649", "650+", "none"}
    assert bands["650+"].no_pd_loans == 1  # its decision had a score but no PD
    assert report.book.business_date == DAY and report.book.loans == 5


def test_a_snapshot_taken_again_replaces_the_date(db: Database) -> None:
    _book(db)
    _end_of_day(db, DAY)
    before = _rows(db, DAY)
    take_snapshot(DAY, _monitoring(db, DAY))
    assert _rows(db, DAY) == before


def test_a_rebuild_of_the_last_date_gives_identical_figures(db: Database) -> None:
    _book(db)
    _end_of_day(db, DAY)
    before = _rows(db, DAY)
    done = rebuild(DAY.isoformat(), DAY.isoformat(), _monitoring(db, DAY), "user:adam")
    assert done.dates == (DAY,) and done.changed == () and done.segments == len(before)
    assert _rows(db, DAY) == before
    with db.engine.connect() as conn:
        action = conn.execute(
            sa.text("select actor from audit_log where action = 'portfolio.rebuilt'")
        ).scalar_one()
    assert action == "user:adam"


def test_a_rebuild_under_another_lgd_changes_the_expected_loss(db: Database) -> None:
    _book(db)
    _end_of_day(db, DAY)
    harsher = MonitoringServices(
        uow=unit_of_work(db), clock=new_clock(DAY), lgd=Decimal("0.9"), lending=CONFIG
    )
    before = portfolio_report(harsher, DAY, "all").rows[0][2]
    assert rebuild(DAY, DAY, harsher, "user:adam").changed == (DAY,)
    after = portfolio_report(harsher, DAY, "all").rows[0][2]
    assert after.expected_loss_fen > before.expected_loss_fen
    assert after.outstanding_fen == before.outstanding_fen


def test_earlier_dates_are_rebuilt_identically_once_the_book_has_moved(db: Database) -> None:
    _book(db)
    _end_of_day(db, DAY)
    following = DAY + timedelta(days=1)
    with unit_of_work(db)() as uow:
        loan_id = (
            uow.portfolio.session.execute(
                sa.text("select id from loans where status = 'active' and days_past_due > 0")
            )
            .scalars()
            .first()
        )
    post_repayment(
        loan_id, 10_000, "pay-after", lending_services(db, new_clock(following), config=CONFIG)
    )
    _end_of_day(db, following)
    stored = {day: _rows(db, day) for day in (DAY, following)}

    done = rebuild(DAY, following, _monitoring(db, following), "user:adam")
    assert done.dates == (DAY, following) and done.changed == () and done.fresh == ()
    assert {day: _rows(db, day) for day in (DAY, following)} == stored
    # a date before DAY had no snapshot: it is written fresh
    earlier = DAY - timedelta(days=3)
    assert rebuild(earlier, earlier, _monitoring(db, following), "u").fresh == (earlier,)
    assert _rows(db, earlier)[0][2].active_loans == 5

    with pytest.raises(SnapshotDateOutOfRange, match="no completed end of day"):
        rebuild(following, following + timedelta(days=1), _monitoring(db, following), "u")
    with pytest.raises(SnapshotDateOutOfRange, match="before the first loan"):
        rebuild(BOOKINGS[0][0] - timedelta(days=1), DAY, _monitoring(db, following), "u")


def test_the_report_refuses_dates_outside_the_snapshots_and_unknown_dimensions(
    db: Database,
) -> None:
    svc = _monitoring(db, DAY)
    with pytest.raises(SnapshotNotFound):
        portfolio_report(svc)  # none yet
    _book(db)
    _end_of_day(db, DAY)
    for day in (DAY - timedelta(days=1), DAY + timedelta(days=1)):
        with pytest.raises(SnapshotDateOutOfRange) as refused:
            portfolio_report(svc, day.isoformat())
        assert DAY.isoformat() in str(refused.value)
    with pytest.raises(UnknownDimension) as unknown:
        portfolio_report(svc, DAY, "employer")
    assert (
        unknown.value.errors[0].allowed is not None and "region" in unknown.value.errors[0].allowed
    )
