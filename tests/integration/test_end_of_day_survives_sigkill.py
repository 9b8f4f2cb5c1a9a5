"""End of day survives SIGKILL: a process running it is killed — in the middle of a quiet batch,
in the middle of the per-loan step, as the servicing jobs begin, as the date is being closed,
from outside at an arbitrary moment, and in the middle of a catch-up of missed dates — and the
next run finishes the work. The database then holds exactly what a database given the same
portfolio and an uninterrupted run holds: every row of every table (balances, journal entries
and their lines, loans with their delinquency buckets, classes and allowances, end-of-day runs
and progress with each date's full summary, servicing records, audit records), random ids aside;
and the audit chain and the journal verify, and signed checkpoints pin the same places of the
chain. On SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from fengkong.db.database import Database
from fengkong.db.lending_tables import eod_runs
from fengkong.db.migrate import upgrade
from fengkong.lending.records import LoanRecord
from integration.crash_support import (
    another_database,
    audit_trail,
    books_verify,
    checkpoints_of,
    driver,
    finished,
    kill_when,
    killed,
    portfolio,
    seed,
    snapshot,
)

pytestmark = pytest.mark.slow

LOANS = 600
FIRST = date(2026, 1, 20)
LAST = FIRST + timedelta(days=2)  # run after FIRST: catches up the day between
SIZES = ("--chunk", "25", "--quiet-chunk", "100")


# The audit records' hashes chain over their payloads, and an end-of-day chunk's record names the
# journal entries it posted, whose ids are random (`core.ids.new_id`): two uninterrupted runs of
# the same work already differ there, from the first chunk on. So the hashes (and the head's) are
# left out of the row-by-row comparison; everything they cover is compared as content, random
# ids blanked (`audit_trail`: seq, time, actor, action, subject, payload), and the verifier
# recomputes every hash of each chain.
def _hashes(table: str, column: str) -> bool:
    return (table, column) in {
        ("audit_log", "prev_hash"),
        ("audit_log", "hash"),
        ("audit_head", "hash"),
    }


def _runs(db: Database) -> list[tuple[Any, ...]]:
    with db.engine.connect() as conn:
        rows = conn.execute(sa.select(eod_runs).order_by(eod_runs.c.business_date)).all()
    return [(r.business_date, r.status, r.summary) for r in rows]


def _prepare(url: str, loans: list[LoanRecord]) -> Database:
    db = Database(url)
    upgrade(db)
    seed(db, loans)
    return db


def test_end_of_day_killed_at_every_stage_resumes_to_the_same_books(
    database_url: str, tmp_path: Path
) -> None:
    home = tmp_path / "home"  # one key ring for both databases
    with another_database(database_url, tmp_path, "control") as control_url:
        loans = portfolio(LOANS, FIRST)
        crash, control = _prepare(database_url, loans), _prepare(control_url, loans)
        try:
            # The control: each date once, uninterrupted.
            finished(driver(home, control_url, "eod", FIRST.isoformat(), *SIZES))
            finished(driver(home, control_url, "eod", LAST.isoformat(), *SIZES))

            first = ("eod", FIRST.isoformat(), *SIZES)
            for where in ("quiet:2", "loans:2", "step:servicing", "step:close"):
                killed(driver(home, database_url, *first, "--kill", where))
            finished(driver(home, database_url, *first))

            last = ("eod", LAST.isoformat(), *SIZES)
            signal = tmp_path / "working"
            kill_when(
                driver(home, database_url, *last, "--signal", str(signal), "--pace", "0.02",
                       wait=False),
                signal,
            )  # fmt: skip
            # The second date of the catch-up, part-way through its quiet batches.
            killed(driver(home, database_url, *last, "--kill", f"{LAST.isoformat()}/quiet:2"))
            out = finished(driver(home, database_url, *last))
            assert f"'{LAST.isoformat()}'" in out

            assert books_verify(crash) == books_verify(control)
            assert audit_trail(crash) == audit_trail(control)
            want = snapshot(control_url, _hashes)
            assert sum(map(len, want.values())) > 10 * LOANS
            got = snapshot(database_url, _hashes)
            assert got.keys() == want.keys()
            for table in want:
                assert got[table] == want[table], table
            # Each date's whole summary, the servicing jobs' counts with the loans' work: the
            # crash as the servicing step began and the one as the close began lose none.
            runs = _runs(control)
            assert [status for _, status, _ in runs] == ["done"] * 3
            assert runs[0][2]["cases_opened"] > 0
            assert _runs(crash) == runs
            # A date closed, a checkpoint written: at the same seqs (and times) in both.
            pinned = [sorted(p.name for p in checkpoints_of(home, u).iterdir())
                      for u in (database_url, control_url)]  # fmt: skip
            assert len(pinned[1]) == 3 and pinned[0] == pinned[1]

            # Done is done: running the last date again changes nothing.
            assert "already_done=True" in finished(driver(home, database_url, *last))
            assert snapshot(database_url, _hashes) == got
        finally:
            crash.dispose()
            control.dispose()


def test_servicing_counts_survive_a_crash_before_the_close(tmp_path: Path) -> None:
    home = tmp_path / "home"
    urls = [f"sqlite:///{tmp_path / name}.db" for name in ("control", "crash")]
    loans = portfolio(150, FIRST)
    for url in urls:
        _prepare(url, loans).dispose()
    day = ("eod", FIRST.isoformat(), *SIZES)
    finished(driver(home, urls[0], *day))
    killed(driver(home, urls[1], *day, "--kill", "step:close"))
    finished(driver(home, urls[1], *day))
    control, crash = (Database(url) for url in urls)
    try:
        with control.engine.connect() as a, crash.engine.connect() as b:
            want, got = (c.execute(sa.select(eod_runs.c.summary)).scalar_one() for c in (a, b))
        assert want["cases_opened"] > 0
        assert got == want
    finally:
        control.dispose()
        crash.dispose()
