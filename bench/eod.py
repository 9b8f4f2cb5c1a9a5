"""End of day over N active loans on PostgreSQL, and the latency of a repayment posted through the
API. `python -m bench.eod [N]` prints the section; N defaults to `EOD_LOANS` below.

The loans are bulk-loaded (executemany insert of ready-made rows) into a dedicated schema
(`bench_eod`, dropped and recreated), all of one 12-month equal-instalment product disbursed
the day before, so end of day does what it does on most days for most loans: one day of
interest accrued and posted, DPD, bucket and class refreshed, the allowance checked. End of day
runs as `run_end_of_day` does it in production: partitions by loan-id hash, chunks committed one
at a time, here with one process per partition (the 2-core machine runs two).
"""

from __future__ import annotations

import multiprocessing
import os
import sys
import tempfile
import time
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import sqlalchemy as sa
from fastapi.testclient import TestClient

from bench.harness import Section, percentile
from fengkong.core.clock import FakeClock
from fengkong.core.money import Fen
from fengkong.db.database import Database
from fengkong.db.migrate import upgrade
from fengkong.db.uow import SqlUnitOfWork
from fengkong.lending.eod import eod_partition, run_business_date
from fengkong.lending.loan import book_loan
from fengkong.lending.payment import SimulatedGateway
from fengkong.lending.quote import quote
from fengkong.lending.service import CASH_LOAN, LendingServices, LoanRecord, LoanStage

PG_URL = os.environ.get(
    "FENGKONG_BENCH_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
SCHEMA = "bench_eod"
EOD_LOANS = int(os.environ.get("FENGKONG_BENCH_EOD_LOANS", "50000"))
GOAL_LOANS = 1_000_000
GOAL_SECONDS = 60
REPAYMENTS = 1000
DISBURSED = date(2026, 3, 2)
LOAD_BATCH = 5_000


def _schema_url(schema: str) -> str:
    admin = sa.create_engine(PG_URL)
    with admin.begin() as conn:
        conn.execute(sa.text(f'drop schema if exists "{schema}" cascade'))
        conn.execute(sa.text(f'create schema "{schema}"'))
    admin.dispose()
    sep = "&" if "?" in PG_URL else "?"
    return f"{PG_URL}{sep}options=-csearch_path%3D{schema}"


def _clock(day: date) -> FakeClock:
    return FakeClock(datetime(day.year, day.month, day.day, 2, 0, tzinfo=UTC))


def _services(db: Database, day: date) -> LendingServices:
    return LendingServices(
        uow=lambda: SqlUnitOfWork(db), clock=_clock(day), channel=SimulatedGateway()
    )


def load_loans(db: Database, n: int, prefix: str = "loan_bench_") -> float:
    """Insert `n` active loans of a template state; returns the seconds it took."""
    offer = quote(CASH_LOAN, Fen(1_000_000), 12, Decimal("0.12"), DISBURSED)
    template = book_loan("template", CASH_LOAN, offer, DISBURSED).state
    now = _clock(DISBURSED).now()
    start = time.perf_counter()
    for first in range(0, n, LOAD_BATCH):
        records = [
            LoanRecord(
                loan_id=f"{prefix}{k:08d}",
                state=replace(template, loan_id=f"{prefix}{k:08d}"),
                stage=LoanStage.ACTIVE,
                booked_on=DISBURSED,
                amount=offer.amount,
                allowance=Fen(10_050),  # 1 % of principal plus the spread fee, as disbursement sets
                reserve=Fen(15_075),
            )
            for k in range(first, min(n, first + LOAD_BATCH))
        ]
        with SqlUnitOfWork(db) as uow:
            uow.lending.add_loans(records, now)
            uow.commit()
    return time.perf_counter() - start


def _partition_worker(args: tuple[str, date, int, int, int]) -> int:
    url, day, partition, partitions, chunk = args
    db = Database(url)
    try:
        totals = eod_partition(
            day, _services(db, day), partition=partition, partitions=partitions, chunk=chunk
        )
        return totals.loans
    finally:
        db.dispose()


def run_eod(url: str, day: date, processes: int, chunk: int) -> tuple[float, int]:
    """Seconds for the whole date, with one process per partition; returns (seconds, loans)."""
    db = Database(url)
    svc = _services(db, day)
    with svc.uow() as uow:
        uow.lending.start_eod(day, svc.clock.now())
        uow.commit()
    start = time.perf_counter()
    jobs = [(url, day, p, processes, chunk) for p in range(processes)]
    if processes == 1:
        loans = sum(map(_partition_worker, jobs))
    else:
        with multiprocessing.get_context("spawn").Pool(processes) as pool:
            loans = sum(pool.map(_partition_worker, jobs))
    run_business_date(day, svc, partitions=processes, chunk=chunk)  # records the run
    seconds = time.perf_counter() - start
    db.dispose()
    return seconds, loans


def repayment_latency(url: str, loans: int = 200) -> list[float]:
    """Milliseconds per repayment POSTed through the ASGI app (TestClient), on PostgreSQL."""
    from fengkong.api.app import create_app
    from fengkong.bootstrap import bootstrap
    from fengkong.core.settings import Settings

    with tempfile.TemporaryDirectory() as home:
        day = DISBURSED + timedelta(days=1)
        settings = Settings(env="test", home=Path(home), database_url=url)
        ctx = bootstrap(settings, clock=_clock(day))
        load_loans(ctx.db, loans, prefix="loan_api_")
        samples: list[float] = []
        with TestClient(create_app(ctx)) as client:
            for k in range(REPAYMENTS + 50):
                loan_id = f"loan_api_{k % loans:08d}"
                start = time.perf_counter()
                response = client.post(
                    f"/v1/loans/{loan_id}/repayments",
                    json={"amount": "10.00", "currency": "CNY"},
                    headers={"Idempotency-Key": f"bench-{k}"},
                )
                elapsed = (time.perf_counter() - start) * 1000
                if response.status_code != 201:
                    raise RuntimeError(response.text)
                if k >= 50:  # warm-up
                    samples.append(elapsed)
        ctx.close()
    return samples


def run(n: int = EOD_LOANS, processes: int = 2, chunk: int = 1000) -> Section:
    url = _schema_url(SCHEMA)
    db = Database(url)
    upgrade(db)
    load_seconds = load_loans(db, n)
    db.dispose()
    day = DISBURSED + timedelta(days=1)
    seconds, processed = run_eod(url, day, processes, chunk)
    rate = processed / seconds
    projected = GOAL_LOANS / rate

    api_url = _schema_url(SCHEMA + "_api")
    latencies = repayment_latency(api_url)

    section = Section(
        title="Lending: end of day and repayment latency",
        command="python -m bench eod",
        lines=[
            f"End of day over {processed:,} active 12-month loans on PostgreSQL "
            f"({processes} processes, one per partition, {chunk} loans per committed chunk); "
            f"loans bulk-loaded in {load_seconds:,.1f} s.",
        ],
        table_header=("what", "measured", "goal"),
        rows=[
            (f"end of day, {processed:,} loans", f"{seconds:,.1f} s ({rate:,.0f} loans/s)", "-"),
            (
                f"end of day, {GOAL_LOANS:,} loans (extrapolated linearly)",
                f"≈ {projected:,.0f} s",
                f"≤ {GOAL_SECONDS} s",
            ),
            (
                f"repayment via the API, p50 / p99 ({len(latencies)} posts)",
                f"{percentile(latencies, 0.5):.1f} / {percentile(latencies, 0.99):.1f} ms",
                "p99 ≤ 20 ms",
            ),
        ],
        notes=[
            "Per loan and day: decode the JSON state, accrue (exact fractions), age, classify, "
            "provision, build and validate the journal entries, encode the state; then one "
            "executemany update of the chunk's loans and two bulk inserts of its entries and "
            "postings. The Python per-loan step dominates; the database is not the bottleneck.",
            f"The extrapolation is linear in N (chunks are independent, each index lookup is "
            f"O(log N)); at {rate:,.0f} loans/s the 1-million goal "
            + ("is met." if projected <= GOAL_SECONDS else "is NOT met on this machine.")
            + " Because partitions are independent, adding cores or machines divides the time: "
            "the same `eod_partition` function runs under any process pool or Spark/Dask map.",
            "Repayment: TestClient against the ASGI app in process, on PostgreSQL; each post is "
            "one unit of work (idempotency check, loan read, waterfall, 1-2 journal entries, loan "
            "update with its revision check, repayment row, audit append).",
        ],
    )
    return section


if __name__ == "__main__":
    count = int(sys.argv[1]) if len(sys.argv) > 1 else EOD_LOANS
    print(run(count).markdown())
