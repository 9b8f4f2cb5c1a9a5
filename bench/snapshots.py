"""Portfolio snapshots on PostgreSQL: end of day's snapshot step over a book of N loans with 24
months of history, and the reports read from the snapshots. `python -m bench.snapshots [N]`
prints the section; `python -m bench snapshots` writes it into docs/performance.md. N defaults
to `SNAPSHOT_LOANS` (`FENGKONG_BENCH_SNAPSHOT_LOANS`, 1,000,000).

The book (`bench.snapshot_book`) is COPY-loaded into a dedicated schema (`bench_snapshots`,
dropped and recreated): N loans booked evenly over 24 months, each with its application and
decision, as the final month end's end of day leaves them. The 23 earlier month ends' snapshots
are computed from a sample of the same loans aged back (1 in `stride`, so that the history
takes seconds whatever N) and stored as end of day stores them. Then, on the final day:

- the snapshot step itself (`monitoring.snapshots.take_snapshot`, as end of day runs it: the
  book's mark, every loan joined to its application and decision, streamed, aggregated, the
  rows replaced in one transaction), timed once;
- each report as `fengkong report … --json` reads it: the use case and its response document
  (`portfolio`, `vintage`, `rolls`, `concentration`), timed `REPORT_RUNS` times.
"""

from __future__ import annotations

import os
import statistics
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

import sqlalchemy as sa

from bench.harness import Section, cpu_reference_note
from bench.snapshot_book import facts, load_book, loan, month_ends, split_state
from fengkong.core.clock import FakeClock
from fengkong.db.database import Database
from fengkong.db.migrate import upgrade
from fengkong.db.uow import SqlUnitOfWork
from fengkong.monitoring.figures import DEFAULT_LGD, snapshot
from fengkong.monitoring.snapshots import MonitoringServices, SnapshotBook, take_snapshot

PG_URL = os.environ.get(
    "FENGKONG_BENCH_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
SCHEMA = "bench_snapshots"
SNAPSHOT_LOANS = int(os.environ.get("FENGKONG_BENCH_SNAPSHOT_LOANS", "1000000"))
GOAL_LOANS = 1_000_000
GOAL_SNAPSHOT_SECONDS = 60.0
GOAL_REPORT_SECONDS = 1.0
FINAL = date(2026, 11, 30)
HISTORY_SAMPLE = 20_000  # loans aged back for each earlier month end
REPORT_RUNS = 5


def schema_url(schema: str, fresh: bool = True) -> str:
    """The URL of `schema` in the bench database; dropped and created again when `fresh`."""
    if fresh:
        admin = sa.create_engine(PG_URL)
        with admin.begin() as conn:
            conn.execute(sa.text(f'drop schema if exists "{schema}" cascade'))
            conn.execute(sa.text(f'create schema "{schema}"'))
        admin.dispose()
    sep = "&" if "?" in PG_URL else "?"
    return f"{PG_URL}{sep}options=-csearch_path%3D{schema}"


def _services(db: Database) -> MonitoringServices:
    clock = FakeClock(datetime(FINAL.year, FINAL.month, FINAL.day, 18, 0, tzinfo=UTC))
    return MonitoringServices(uow=lambda: SqlUnitOfWork(db), clock=clock, lgd=DEFAULT_LGD)


def _template() -> dict[str, Any]:
    from bench.eod import _template as eod_template

    record, values, _, _ = eod_template("loan_snap_")
    return split_state(values, record.loan_id)


def load_history(db: Database, n: int, svc: MonitoringServices) -> tuple[float, int]:
    """Store the snapshots of the month ends before the final one, each from 1 in `stride` of
    the loans aged back to it; (seconds, stride)."""
    ends = month_ends(FINAL)
    stride = max(1, n // HISTORY_SAMPLE)
    sample = [loan(k, n, ends) for k in range(0, n, stride)]
    start = time.perf_counter()
    for day in ends[:-1]:
        snap = snapshot((f for ln in sample if (f := facts(ln, day)) is not None), day, svc.lgd)
        with svc.uow() as uow:
            book = SnapshotBook(day, svc.clock.now(), snap.loans, "0:0", snap.lgd)
            uow.portfolio.replace_snapshot(snap.rows(), book, snap.borrowers)
            uow.commit()
    return time.perf_counter() - start, stride


def _reports(svc: MonitoringServices) -> dict[str, Callable[[], object]]:
    """Each report as `fengkong report NAME --date FINAL --json` builds it."""
    from fengkong.api.report_curve_schemas import ConcentrationOut, RollsOut, VintageOut
    from fengkong.api.report_schemas import PortfolioOut
    from fengkong.monitoring.concentration import concentration_report
    from fengkong.monitoring.curves import roll_report, vintage_report
    from fengkong.monitoring.snapshots import portfolio_report

    return {
        "portfolio": lambda: PortfolioOut.of(portfolio_report(svc, FINAL)).model_dump(mode="json"),
        "vintage": lambda: VintageOut.of(vintage_report(svc, FINAL)).model_dump(mode="json"),
        "rolls": lambda: RollsOut.of(roll_report(svc, FINAL)).model_dump(mode="json"),
        "concentration": lambda: ConcentrationOut.of(concentration_report(svc, FINAL)).model_dump(
            mode="json"
        ),
    }


@dataclass
class Measured:
    loans: int
    load_seconds: float
    history_seconds: float
    stride: int
    snapshot_seconds: float
    segments: int
    reports: dict[str, list[float]]


def measure(n: int, runs: int = REPORT_RUNS, schema: str = SCHEMA) -> Measured:
    """Load a book of `n` loans and its history into `schema`, then time the final day's
    snapshot and the reports read from it."""
    url = schema_url(schema)
    db = Database(url)
    try:
        upgrade(db)
        load_seconds = load_book(db, n, FINAL, _template())
        svc = _services(db)
        history_seconds, stride = load_history(db, n, svc)
        with db.engine.connect() as conn:
            conn.exec_driver_sql("CHECKPOINT")  # write back the load now, not while measuring
        start = time.perf_counter()
        totals = take_snapshot(FINAL, svc)
        snapshot_seconds = time.perf_counter() - start
        reports: dict[str, list[float]] = {}
        for name, read in _reports(svc).items():
            read()  # warm: the first read also imports the response schemas
            samples = []
            for _ in range(runs):
                began = time.perf_counter()
                read()
                samples.append(time.perf_counter() - began)
            reports[name] = samples
        return Measured(
            n,
            load_seconds,
            history_seconds,
            stride,
            snapshot_seconds,
            totals["snapshot_segments"],
            reports,
        )
    finally:
        db.dispose()


def run(n: int = SNAPSHOT_LOANS, runs: int = REPORT_RUNS, schema: str = SCHEMA) -> Section:
    m = measure(n, runs, schema)
    rate = m.loans / m.snapshot_seconds
    rows = [
        (
            f"snapshot step, {m.loans:,} loans ({m.segments} segments)",
            f"{m.snapshot_seconds:,.1f} s ({rate:,.0f} loans/s)",
            f"≤ {GOAL_SNAPSHOT_SECONDS:.0f} s" if m.loans >= GOAL_LOANS else "-",
        )
    ]
    if m.loans < GOAL_LOANS:
        rows.append(
            (
                f"snapshot step, {GOAL_LOANS:,} loans (EXTRAPOLATED linearly, not measured)",
                f"≈ {GOAL_LOANS / rate:,.0f} s",
                f"≤ {GOAL_SNAPSHOT_SECONDS:.0f} s",
            )
        )
    for name, samples in m.reports.items():
        rows.append(
            (
                f"`report {name}` read (median / slowest of {len(samples)})",
                f"{statistics.median(samples) * 1000:,.0f} / {max(samples) * 1000:,.0f} ms",
                f"≤ {GOAL_REPORT_SECONDS:.0f} s",
            )
        )
    snapshot_met = m.loans >= GOAL_LOANS and m.snapshot_seconds <= GOAL_SNAPSHOT_SECONDS
    reports_met = all(max(s) <= GOAL_REPORT_SECONDS for s in m.reports.values())
    return Section(
        title="Monitoring: the daily snapshot and the reports read from it",
        command="python -m bench snapshots",
        lines=[
            f"A book of {m.loans:,} loans booked evenly over 24 months on PostgreSQL, each with "
            f"its application and decision, COPY-loaded in {m.load_seconds:,.1f} s into a fresh "
            "schema as the final month end's end of day leaves them (active, settled and "
            "written off; current and in arrears; 3 products, every sales channel, province and "
            "industry section). The 23 earlier month ends' snapshots were computed from 1 in "
            f"{m.stride} of the same loans aged back and stored in {m.history_seconds:,.1f} s. "
            "Then, on the final day, the snapshot step as end of day runs it, and each report "
            "as `fengkong report NAME --json` builds it."
        ],
        table_header=("what", "measured", "goal"),
        rows=rows,
        notes=[
            "The snapshot step (`monitoring.snapshots.take_snapshot`): the book's mark (count "
            "and sum of revisions of the loans), every loan booked by the date joined to its "
            "application and decision, streamed 10,000 rows at a time into `LoanFacts` and "
            "aggregated in one pass by `monitoring.figures.snapshot` over the 7 dimensions and "
            "the largest borrowers, the mark read again, and the date's rows replaced in one "
            "transaction. Timed once, after a CHECKPOINT.",
            "A report read: the use case (its date checked against the snapshots, the rows it "
            "needs read: one date's for the portfolio and concentration, every month end's up "
            "to the date for the vintage curves and roll rates) and its JSON document. They read "
            "a few hundred to a few thousand snapshot rows whatever the book's size: the "
            "snapshots exist so that no report reads the loans.",
            "The history's figures come from a sample; the reports read the same number of rows "
            "as they would from a full history.",
            "The snapshot goal "
            + ("is met" if snapshot_met else "is NOT met on this machine")
            + "; the reports' goal "
            + ("is met." if reports_met else "is NOT met on this machine."),
            cpu_reference_note(),
        ],
    )


if __name__ == "__main__":
    count = int(sys.argv[1]) if len(sys.argv) > 1 else SNAPSHOT_LOANS
    print(run(count).markdown())
