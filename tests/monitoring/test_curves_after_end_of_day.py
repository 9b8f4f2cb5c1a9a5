"""A small book run through end of day over two month ends (SQLite and PostgreSQL): the vintage
curves and roll rates read from the month-end snapshots agree with a direct count from the loans
table at each month end, and the concentration of the last date with the loans by borrower."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

import pytest
import sqlalchemy as sa

from fengkong.core.errors import Invalid
from fengkong.db.database import Database
from fengkong.lending.config import LendingConfig
from fengkong.lending.delinquency import WriteOffPolicy
from fengkong.lending.disbursement import disburse
from fengkong.lending.eod import run_end_of_day
from fengkong.lending.origination import accept_offer
from fengkong.monitoring.concentration import concentration_report
from fengkong.monitoring.curves import roll_report, vintage_report
from fengkong.monitoring.snapshots import (
    MonitoringServices,
    SnapshotDateOutOfRange,
    snapshot_step,
)
from lending.test_service_support import (
    lending_services,
    migrated,
    new_clock,
    seed_approved,
    unit_of_work,
)

MAY, JUNE = date(2026, 5, 31), date(2026, 6, 30)
CONFIG = LendingConfig(write_off=WriteOffPolicy(min_days_past_due=120))
# Unpaid loans, first due a month after booking. Booked on 01-05, it is past M3 at the end of
# May and written off by the end of June; the others walk the buckets from M0 to M3.
BOOKINGS = (
    (date(2026, 1, 5), "44"),
    (date(2026, 3, 2), "44"),
    (date(2026, 4, 1), "11"),
    (date(2026, 4, 20), "11"),
    (date(2026, 5, 10), "31"),
    (date(2026, 5, 20), None),
)
_SIX = Decimal("0.000001")


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def db(request: pytest.FixtureRequest, tmp_path: Any) -> Iterator[Database]:
    url = (
        f"sqlite:///{tmp_path / 'c.db'}"
        if request.param == "sqlite"
        else request.getfixturevalue("postgres_url")
    )
    books = migrated(url)
    yield books
    books.dispose()


def _monitoring(db: Database, day: date, **more: Any) -> MonitoringServices:
    return MonitoringServices(uow=unit_of_work(db), clock=new_clock(day), **more)


def _book(db: Database) -> None:
    for k, (day, region) in enumerate(BOOKINGS):
        clock = new_clock(day)
        svc = lending_services(db, clock, config=CONFIG)
        app = seed_approved(db, clock, amount=300_000 + 100_000 * k, region=region)
        disburse(accept_offer(app, f"a{k}", svc).record.loan_id, f"d{k}", svc)


def _end_of_day(db: Database, day: date) -> None:
    svc = lending_services(db, new_clock(day), config=CONFIG)
    run_end_of_day(day, svc, steps=(snapshot_step(_monitoring(db, day)),))


def _loans(db: Database) -> list[Any]:
    with db.engine.connect() as conn:
        return list(
            conn.execute(
                sa.text(
                    "select booked_on, status, amount_fen, principal_outstanding_fen, "
                    "days_past_due, dpd_bucket from loans"
                )
            )
        )


def _counted(loans: list[Any]) -> tuple[dict[str, list[int]], dict[str, int]]:
    """By vintage: [originated, past M1 + written off, past M3 + written off]; and the active
    balance by bucket, counted from the loans as they stand."""
    vintages: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0])
    buckets: dict[str, int] = defaultdict(int)
    for r in loans:
        booked = r.booked_on if isinstance(r.booked_on, date) else date.fromisoformat(r.booked_on)
        v = vintages[f"{booked.year:04d}-{booked.month:02d}"]
        v[0] += r.amount_fen
        if r.status == "written_off":
            v[1] += r.principal_outstanding_fen
            v[2] += r.principal_outstanding_fen
        elif r.status == "active":
            v[1] += r.principal_outstanding_fen if r.days_past_due > 30 else 0
            v[2] += r.principal_outstanding_fen if r.days_past_due > 90 else 0
            buckets[r.dpd_bucket] += r.principal_outstanding_fen
    return vintages, buckets


def _rate(numerator: int, denominator: int) -> Decimal | None:
    if denominator == 0:
        return None
    return (Decimal(numerator) / denominator).quantize(_SIX, ROUND_HALF_UP)


def test_curves_and_rolls_agree_with_the_loans_at_two_month_ends(db: Database) -> None:
    _book(db)
    _end_of_day(db, MAY)
    may_vintages, may_buckets = _counted(_loans(db))
    with pytest.raises(SnapshotDateOutOfRange, match="before the first snapshot"):
        vintage_report(_monitoring(db, MAY), date(2026, 5, 30))
    _end_of_day(db, JUNE)  # runs every day of June, each with its snapshot
    june_loans = _loans(db)
    june_vintages, june_buckets = _counted(june_loans)
    # The book is what the bookings say: a write-off by June, and loans in four buckets.
    assert {r.status for r in june_loans} == {"active", "written_off"}
    assert len([b for b, fen in june_buckets.items() if fen]) >= 3

    report = vintage_report(_monitoring(db, JUNE))
    assert report.month_ends == (MAY, JUNE) and report.until == JUNE
    expected = {
        (vintage, end): counts
        for end, by_vintage in ((MAY, may_vintages), (JUNE, june_vintages))
        for vintage, counts in by_vintage.items()
    }
    got = {(p.vintage, p.month_end): p for p in report.vintages}
    assert set(got) == set(expected)
    for key, (originated, m1, m3) in expected.items():
        p = got[key]
        assert (p.originated_fen, p.m1_plus_fen, p.m3_plus_fen) == (originated, m1, m3), key
        assert p.m1_plus_rate == _rate(m1, originated) and p.m3_plus_rate == _rate(m3, originated)
    assert got[("2026-01", JUNE)].months_on_book == 5
    assert got[("2026-01", JUNE)].m3_plus_rate == Decimal(1)  # written off whole

    rolls = roll_report(_monitoring(db, JUNE)).rolls
    assert [(p.from_bucket, p.to_bucket) for p in rolls] == [
        ("M0", "M1"),
        ("M1", "M2"),
        ("M2", "M3"),
        ("M3", "M3+"),
    ]
    for p in rolls:
        assert p.month_end == JUNE and p.segment == "all"
        assert p.from_fen == may_buckets.get(p.from_bucket, 0)
        assert p.to_fen == june_buckets.get(p.to_bucket, 0)
        assert p.rate == _rate(june_buckets.get(p.to_bucket, 0), may_buckets.get(p.from_bucket, 0))
    assert any(p.rate for p in rolls)  # something rolled
    assert roll_report(_monitoring(db, JUNE), MAY).rolls == ()  # no month end before May

    by_region = roll_report(_monitoring(db, JUNE), JUNE, "region").rolls
    assert {p.segment for p in by_region} == {"11", "31", "44", "unknown"}
    for bucket in ("M1", "M2", "M3"):
        assert sum(p.to_fen or 0 for p in by_region if p.to_bucket == bucket) == june_buckets.get(
            bucket, 0
        )


def test_concentration_of_the_last_date_agrees_with_the_loans(db: Database) -> None:
    _book(db)
    _end_of_day(db, MAY)
    limits = {"region": Decimal("0.4")}
    report = concentration_report(_monitoring(db, MAY, concentration_limits=limits), top=3)
    with db.engine.connect() as conn:
        rows = conn.execute(
            sa.text(
                "select a.id_number_bidx, a.region, l.principal_outstanding_fen from loans l "
                "join applications a on a.id = l.application_id where l.status = 'active'"
            )
        ).all()
    total = sum(r[2] for r in rows)
    by_customer = sorted((r[2] for r in rows), reverse=True)  # one loan per applicant here
    assert report.outstanding_fen == total and report.borrowers == len(rows) == 6
    assert [b.outstanding_fen for b in report.top] == by_customer[:3]
    assert report.top_share == _rate(sum(by_customer[:3]), total)
    assert all(b.customer.startswith("cus_") and b.masked is None for b in report.top)
    regions = next(d for d in report.dimensions if d.dimension == "region")
    shares: dict[str, int] = defaultdict(int)
    for r in rows:
        shares[r[1] or "unknown"] += r[2]
    assert {s.segment: s.outstanding_fen for s in regions.segments} == shares
    assert regions.hhi == sum(
        ((Decimal(v) / total) ** 2 for v in shares.values()), Decimal(0)
    ).quantize(_SIX, ROUND_HALF_UP)
    assert [s.segment for s in regions.breaches] == [
        k for k, v in shares.items() if Decimal(v) / total > Decimal("0.4")
    ]
    assert report.breaches == tuple(("region", s) for s in regions.breaches)

    with pytest.raises(SnapshotDateOutOfRange):
        concentration_report(_monitoring(db, MAY), date(2026, 6, 1))
    with pytest.raises(Invalid) as bad:
        concentration_report(_monitoring(db, MAY), MAY, "employer")
    assert bad.value.errors[0].allowed == ("region", "product", "channel", "industry")
