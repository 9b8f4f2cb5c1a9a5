"""What the crash tests share: running `crash_driver.py` in a process of its own (to SIGKILL it),
a seeded portfolio of loans written straight into the tables, and a snapshot of every table of a
database that two databases given the same work must agree on."""

from __future__ import annotations

import hashlib
import os
import random
import re
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import replace
from datetime import date, timedelta
from decimal import Decimal
from itertools import count
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from fengkong.core.money import Fen
from fengkong.db.database import Database
from fengkong.db.uow import SqlUnitOfWork
from fengkong.lending.accrual import accrue
from fengkong.lending.config import LendingConfig
from fengkong.lending.loan import LoanState, LoanStatus, book_loan
from fengkong.lending.provisioning import provision_to_target, with_state
from fengkong.lending.quote import quote
from fengkong.lending.records import LoanRecord, stage_of
from fengkong.lending.restructure import extend_term
from fengkong.lending.schedule import InterestBasis, RepaymentMethod
from fengkong.lending.waterfall import apply_repayment
from lending.servicing_helpers import product
from lending.test_service_support import new_clock

TESTS = Path(__file__).resolve().parents[1]
DRIVER = Path(__file__).with_name("crash_driver.py")
KILLED = -signal.SIGKILL
# ULIDs (`core.ids.new_id`) are random: entry ids, case ids and the like differ between two runs
# of the same work, and nothing else should.
ULID = re.compile(r"\b([a-z]+)_[0-9A-HJKMNP-TV-Z]{26}\b")


def checkpoints_of(home: Path, url: str) -> Path:
    """Where `driver` has the database at `url` write its signed audit checkpoints: a folder of
    its own under `home`. Two databases given the same work close a date at the same seq and
    time, and a checkpoint file is never overwritten; each database keeps its own, as one
    installation does."""
    return home / "checkpoints" / hashlib.sha256(url.encode("utf-8")).hexdigest()[:16]


def driver(home: Path, url: str, *args: str, wait: bool = True) -> subprocess.Popen[str]:
    """`crash_driver.py ARGS` on the database at `url`, personal-data and signing keys under
    `home` (one key ring for every database), checkpoints in `checkpoints_of(home, url)`."""
    env = {
        **os.environ,
        "FENGKONG_HOME": str(home),
        "FENGKONG_AUDIT_CHECKPOINT_DIR": str(checkpoints_of(home, url)),
        "FENGKONG_DATABASE_URL": url,
        "FENGKONG_ENV": "development",
        "FENGKONG_LOG_LEVEL": "WARNING",
        "PYTHONPATH": os.pathsep.join([str(TESTS.parent / "src"), str(TESTS)]),
    }
    proc = subprocess.Popen(
        [sys.executable, str(DRIVER), *args],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    if wait:
        proc.wait(timeout=600)
    return proc


def finished(proc: subprocess.Popen[str]) -> str:
    """The output of a process that ran to the end; its stderr if it did not."""
    out, err = proc.communicate(timeout=600)
    assert proc.returncode == 0, err[-3000:]
    return out


def killed(proc: subprocess.Popen[str]) -> None:
    """Assert the process died of SIGKILL (and not of anything it did wrong before)."""
    _, err = proc.communicate(timeout=600)
    assert proc.returncode == KILLED, f"exit {proc.returncode}: {err[-3000:]}"


def kill_when(proc: subprocess.Popen[str], signal_file: Path) -> None:
    """SIGKILL `proc` from outside as soon as it touches `signal_file` (it is then working)."""
    deadline = time.monotonic() + 300
    while not signal_file.exists():
        assert proc.poll() is None, proc.communicate()[1][-3000:]
        assert time.monotonic() < deadline, "the process never signalled"
        time.sleep(0.01)
    proc.send_signal(signal.SIGKILL)
    killed(proc)


# --- a portfolio ---------------------------------------------------------------------------------

BEHAVIOURS = ("on_time",) * 6 + ("late", "late", "partial", "credit", "restructured")
CONFIG = LendingConfig()


def _history(state: LoanState, behaviour: str, until: date, rng: random.Random) -> LoanState:
    for due in [p.due for p in state.positions if p.due <= until]:
        if state.status is not LoanStatus.ACTIVE:
            return state
        if behaviour == "late" and rng.random() < 0.8:
            continue
        accrued = accrue(state, due).state
        owed = sum(p.outstanding.total for p in accrued.positions if p.due <= due)
        if owed <= 0:
            continue
        amount = max(1, owed // 2) if behaviour == "partial" else owed
        if behaviour == "credit":
            amount += rng.randint(1, 30_000)
        state = apply_repayment(state, amount, due, f"r_{state.loan_id}_{due}").state
    if (
        behaviour == "restructured"
        and state.status is LoanStatus.ACTIVE
        and state.accrued_through < until
    ):
        state = extend_term(state, until, 2, "hardship").state
    return state


def portfolio(n: int, first: date, seed: int = 7, kinds: int = 97) -> list[LoanRecord]:
    """`n` loans standing at the day before `first`: `kinds` loans of every repayment method and
    interest basis, booked up to 200 days before, paid on time, late, in part, over-paid or
    restructured, each copied under new ids until there are `n` (computing a history is slow).
    Most are quiet on a given day, the rest need the per-loan step (a due date, arrears,
    credit, a restructuring); some move bucket or class."""
    rng = random.Random(seed)
    ids = count()
    before = first - timedelta(days=1)
    originals = []
    for k in range(kinds):
        chosen = product(
            method=rng.choice(list(RepaymentMethod)),
            grace_days=rng.choice((0, 1, 3)),
            late_fee=rng.choice((0, 1_000)),
            basis=rng.choice(list(InterestBasis)),
        )
        booked = first + timedelta(days=rng.randint(-200, -1))
        offer = quote(
            chosen,
            Fen(rng.randint(50_000, 5_000_000)),
            rng.choice((3, 6, 12)),
            Decimal(rng.choice(("0.0365", "0.12", "0.18", "0.2399"))),
            booked,
        )
        loan_id = f"loan_{k:05d}"
        state = _history(
            book_loan(loan_id, chosen, offer, booked).state, rng.choice(BEHAVIOURS), before, rng
        )
        if state.status is LoanStatus.ACTIVE and state.accrued_through < before:
            state = accrue(state, before).state
        record = LoanRecord(
            loan_id=loan_id,
            state=state,
            stage=stage_of(state),
            booked_on=booked,
            amount=offer.amount,
            eod_date=before,
        )
        record = with_state(record, state, CONFIG)
        record = provision_to_target(
            record, before, f"seed:{loan_id}", lambda: f"je_seed_{next(ids)}", CONFIG
        ).record
        originals.append(record)
    records = []
    for k in range(n):
        loan_id = f"loan_{k:05d}"
        original = originals[k % kinds]
        records.append(
            replace(original, loan_id=loan_id, state=replace(original.state, loan_id=loan_id))
        )
    return records


def seed(db: Database, records: list[LoanRecord]) -> None:
    with SqlUnitOfWork(db) as uow:
        uow.lending.add_loans(records, new_clock(records[0].booked_on).now())
        uow.commit()


# --- comparing databases -------------------------------------------------------------------------


def _plain(value: Any) -> Any:
    if isinstance(value, str):
        return ULID.sub(lambda m: f"{m.group(1)}_*", value)
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in sorted(value.items())}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, memoryview):
        return bytes(value)
    return value


def snapshot(
    url: str, leave_out: Callable[[str, str], bool] = lambda t, c: False
) -> dict[str, Any]:
    """Every row of every table (but the migration bookkeeping), random ids blanked, as a sorted
    list per table; `leave_out(table, column)` drops columns the caller knows to differ."""
    engine = sa.create_engine(url)
    try:
        meta = sa.MetaData()
        meta.reflect(engine)
        tables: dict[str, Any] = {}
        with engine.connect() as conn:
            for table in meta.sorted_tables:
                if table.name.startswith("alembic"):
                    continue
                columns = [c for c in table.columns if not leave_out(table.name, c.name)]
                rows = conn.execute(sa.select(*columns)).all()
                tables[table.name] = sorted(
                    (tuple(_plain(v) for v in row) for row in rows), key=repr
                )
        return tables
    finally:
        engine.dispose()


def audit_trail(db: Database) -> list[tuple[Any, ...]]:
    """The audit records in chain order, random ids blanked: what was recorded, by whom, when."""
    with SqlUnitOfWork(db) as uow:
        return [
            (r.seq, r.at, r.actor, r.action, r.subject_type, _plain(r.subject_id),
             _plain(dict(r.payload)))
            for r in uow.audit.stream()
        ]  # fmt: skip


def books_verify(db: Database) -> tuple[int, int]:
    """Run `fengkong audit verify`'s checks (chain, head, every entry balanced); (records,
    entries) when nothing is found."""
    from fengkong.ledger.verify import verify_books

    with SqlUnitOfWork(db) as uow:
        report = verify_books(uow.audit.stream(), uow.audit.head(), uow.journal.entries())
    assert report.ok, report.findings[:5]
    return report.records, report.entries


@contextmanager
def another_database(url: str, tmp_path: Path, name: str) -> Iterator[str]:
    """A second empty database of the same kind as `url`'s: a SQLite file beside it, or a
    PostgreSQL schema beside `url`'s (the `postgres_url` fixture's) or inside its database (the
    `database_url` fixture's), dropped afterwards."""
    if url.startswith("sqlite"):
        yield f"sqlite:///{tmp_path / f'{name}.db'}"
        return
    base, found, schema = url.partition("options=-csearch_path%3D")
    if not found:  # a database of its own (the `database_url` fixture's): a schema in it
        base = url + ("&" if "?" in url else "?")
    other = f"{schema}_{name}" if schema else name
    admin = sa.create_engine(base.rstrip("?&"))
    with admin.begin() as conn:
        conn.execute(sa.text(f'create schema "{other}"'))
    try:
        yield f"{base}options=-csearch_path%3D{other}"
    finally:
        with admin.begin() as conn:
            conn.execute(sa.text(f'drop schema "{other}" cascade'))
        admin.dispose()
