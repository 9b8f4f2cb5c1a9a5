"""Shared by the tests of batch work over partitions (`tests/distributed/`; no tests here): the same
runner, with what each left behind, for the three batch jobs: scoring a file, a back-test over
stored decisions, and end of day over a small book."""

from __future__ import annotations

import shutil
from dataclasses import dataclass, replace
from datetime import timedelta
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from decision.test_backtest_support import LOOSER, NEW_SEGMENT, STRICTER, decide, demo_with
from fengkong.bootstrap import Context
from fengkong.core.partitions import IN_PROCESS, PartitionRunner
from fengkong.db.database import Database
from fengkong.db.uow import SqlUnitOfWork
from fengkong.decision.backtest import BacktestRow, backtest, rerun, stored_rows
from fengkong.decision.backtest_report import BacktestReport
from fengkong.decision.bundle import PolicyBundle, read_shipped_bundle
from fengkong.lending.eod import run_end_of_day
from fengkong.scoring.batch import score_file
from fengkong.scoring.registry import LoadedScorecard
from lending.test_eod_quiet_path_matches_close_loan_day import CONFIG, FIRST, _portfolio
from lending.test_service_support import lending_services, new_clock

EOD_DAYS = 4


# ------------------------------------------------------------------------------ scoring


def scoring_input(german: pd.DataFrame, folder: Path, suffix: str) -> Path:
    """The German credit rows with missing values and a refused code, as CSV or Parquet."""
    rows = german.drop(columns="creditability").copy()
    rows.loc[::9, "purpose"] = None  # missing: the missing bin
    rows.loc[::11, "duration_in_month"] = np.nan
    rows.loc[5, "housing"] = "castle"  # outside the allowed set: refused, listed in the report
    data = folder / f"in{suffix}"
    if suffix == ".csv":
        rows.to_csv(data, index=False)
    else:
        rows.to_parquet(data, index=False)
    return data


def scored_bytes(
    model: LoadedScorecard,
    data: Path,
    folder: Path,
    runner: PartitionRunner = IN_PROCESS,
    partitions: int | None = None,
) -> tuple[bytes, bytes, int]:
    """The output file and error report `score_file` writes, byte for byte, and the rows scored."""
    folder.mkdir(parents=True, exist_ok=True)
    out = folder / f"out{data.suffix}"
    done = score_file(model, data, out, chunk_rows=300, runner=runner, partitions=partitions)
    assert done.errors is not None
    return out.read_bytes(), done.errors.read_bytes(), done.scored


# ------------------------------------------------------------------------------ back-test


def demo_policy(text: str) -> PolicyBundle:
    shipped = read_shipped_bundle("demo-german.yaml")
    return PolicyBundle("demo-german.yaml", text, dict(shipped.tables), dict(shipped.cap))


def stored_decisions(ctx: Context, german: pd.DataFrame, n: int) -> list[BacktestRow]:
    """`n` applications decided through the real service, as the back-test reads them."""
    decide(ctx, german, n)
    with ctx.uow() as uow:
        since = ctx.clock.business_date()
        return list(stored_rows(uow.decisions.since(since), uow.lending))


def backtest_reports(
    rows: list[BacktestRow], runner: PartitionRunner = IN_PROCESS, partitions: int | None = None
) -> tuple[BacktestReport, BacktestReport]:
    """A stricter candidate against the stored outcomes, and a looser one against the stricter
    re-run as the champion."""
    stricter = demo_policy(demo_with(NEW_SEGMENT, STRICTER)).compile()
    looser = demo_policy(demo_with(NEW_SEGMENT, LOOSER, version=4)).compile()
    against_stored = backtest(stricter, rows, runner=runner, partitions=partitions)
    champion = rerun(stricter, rows, runner=runner, partitions=partitions)
    return against_stored, backtest(looser, champion, runner=runner, partitions=partitions)


# ------------------------------------------------------------------------------ end of day


@dataclass(frozen=True, slots=True)
class Books:
    """What end of day left: every loan, the journal without its entry ids (drawn from the
    clock), and each date's totals."""

    loans: dict[str, Any]
    journal: list[tuple[Any, ...]]
    totals: dict[str, dict[str, int]]


def eod_books(
    template: Path,
    folder: Path,
    runner: PartitionRunner = IN_PROCESS,
    *,
    seed: int = 5,
    chunk: int = 6,
    quiet_chunk: int = CONFIG.eod_quiet_chunk,
) -> Books:
    """A seeded book of every kind of loan (on time, late, part-paid, over-paid, restructured,
    on a line) closed for `EOD_DAYS` dates, two loan partitions, in chunks of `chunk` loans
    (quiet batches of `quiet_chunk`)."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "books.db"
    shutil.copyfile(template, path)
    db = Database(f"sqlite:///{path}")
    records = _portfolio(seed, n=40)
    try:
        with SqlUnitOfWork(db) as uow:
            uow.lending.add_loans(records, new_clock(FIRST).now())
            uow.commit()
        totals: dict[str, dict[str, int]] = {}
        for d in range(EOD_DAYS):
            day = FIRST + timedelta(days=d)
            config = replace(CONFIG, eod_quiet_chunk=quiet_chunk)
            svc = lending_services(db, new_clock(day), config=config)
            report = run_end_of_day(day, svc, partitions=2, chunk=chunk, runner=runner)
            totals.update({k: dict(v) for k, v in report.totals.items()})
        with SqlUnitOfWork(db) as uow:
            loans = {r.loan_id: uow.lending.get_loan(r.loan_id) for r in records}
            journal = sorted(
                (
                    e.idempotency_key,
                    e.business_date,
                    e.kind.value,
                    e.memo,
                    tuple(
                        (p.account.code, p.side.value, int(p.amount), p.loan_id) for p in e.postings
                    ),
                )
                for e in uow.journal.entries()
            )
    finally:
        db.dispose()
    return Books(loans, journal, totals)
