"""A process for the crash tests to SIGKILL: runs end of day, or a black-list import, as the
CLI wires them (`bootstrap` on `FENGKONG_HOME` / `FENGKONG_DATABASE_URL`), on a fixed clock so
that two databases given the same work end with the same rows.

    python crash_driver.py eod DATE [--chunk N] [--quiet-chunk N] [--kill WHERE] [--pace S]
        [--signal FILE]
    python crash_driver.py import CSV [--kill WHERE]

`--kill` names where the process SIGKILLs itself — no clean-up, no rollback, as a power cut or
the OOM killer would stop it:

- `quiet:N` / `loans:N`: in the N-th chunk this process closes in that step, after the chunk's
  writes and before its commit (the end-of-day chunk hook);
- `step:NAME`: as step NAME of `EOD_STEPS` begins (e.g. `servicing`, `close`);
- either prefixed with `DATE/` to count (and kill) within that business date only;
- for `import`: `parsed` (file read, nothing written), `written` (rows and audit records
  written, not committed), `committed` (committed, report not yet printed).

`--signal FILE` touches FILE once the first chunk is about to commit, and `--pace S` then sleeps S
seconds before each later commit, so that a test can kill the process from outside while it is
certainly still working.
"""

from __future__ import annotations

import argparse
import os
import signal
import sys
import time
from dataclasses import replace
from datetime import UTC, date, datetime
from pathlib import Path

from fengkong.core.clock import FakeClock

# Every run of every database reads this clock, so timestamps (and audit hashes) agree.
NOW = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)


def die() -> None:
    sys.stdout.flush()
    os.kill(os.getpid(), signal.SIGKILL)


class Meter:
    """Counts chunks per step and kills at the chosen one (`--kill`)."""

    def __init__(self, kill: str | None, pace: float, signal_file: Path | None) -> None:
        self.kill = kill
        self.pace = pace
        self.signal_file = signal_file
        self.day = ""
        self.step = ""
        self.chunks: dict[str, int] = {}
        self.committed = 0

    def begin_date(self, business_date: date, loans: int, dates_left: int) -> None:
        self.day = business_date.isoformat()

    def begin_step(self, name: str, label: str) -> None:
        self.step = name
        if self.kill in (f"step:{name}", f"{self.day}/step:{name}"):
            die()

    def advance(self, loans: int) -> None:
        pass

    def before_commit(self, on: date, partition: int, chunk: int) -> None:
        n = self.chunks[self.step] = self.chunks.get(self.step, 0) + 1
        mine = self.chunks[f"{self.day}/{self.step}"] = (
            self.chunks.get(f"{self.day}/{self.step}", 0) + 1
        )
        if self.kill in (f"{self.step}:{n}", f"{self.day}/{self.step}:{mine}"):
            die()
        if self.signal_file is not None:
            if self.committed == 0:
                self.signal_file.touch()
            elif self.pace:
                time.sleep(self.pace)
        self.committed += 1


def run_eod(args: argparse.Namespace) -> None:
    from fengkong.bootstrap import bootstrap
    from fengkong.lending.eod import run_end_of_day
    from fengkong.lending.servicing_steps import servicing_steps
    from fengkong.logs import configure_logging

    configure_logging("console", "WARNING")
    ctx = bootstrap(clock=FakeClock(NOW))
    lending = ctx.lending
    if args.quiet_chunk:
        lending = replace(lending, config=replace(lending.config, eod_quiet_chunk=args.quiet_chunk))
    servicing = replace(ctx.servicing, lending=lending)
    meter = Meter(args.kill, args.pace, Path(args.signal) if args.signal else None)
    report = run_end_of_day(
        date.fromisoformat(args.date),
        lending,
        chunk=args.chunk,
        steps=servicing_steps(servicing),
        simulate=True,
        before_commit=meter.before_commit,
        meter=meter,
    )
    print(f"ran {[d.isoformat() for d in report.ran]} already_done={report.already_done}")
    ctx.close()


def run_import(args: argparse.Namespace) -> None:
    from fengkong.bootstrap import bootstrap
    from fengkong.db.uow import SqlUnitOfWork
    from fengkong.fraud import list_admin
    from fengkong.fraud.list_admin import ListAdmin, import_entries

    ctx = bootstrap(clock=FakeClock(NOW))
    if args.kill == "parsed":
        parse = list_admin.parse_list_csv

        def parse_then_die(*a: object, **k: object) -> object:
            parse(*a, **k)  # type: ignore[arg-type]
            die()

        list_admin.parse_list_csv = parse_then_die  # type: ignore[assignment]
    if args.kill == "written":
        commit = SqlUnitOfWork.commit

        def die_before_commit(self: SqlUnitOfWork) -> None:
            die()
            commit(self)

        SqlUnitOfWork.commit = die_before_commit  # type: ignore[method-assign]
    admin = ListAdmin(uow=ctx.uow, hasher=ctx.vault.blind_index, clock=ctx.clock)
    report = import_entries(Path(args.csv).read_text(encoding="utf-8"), "user:ops", admin)
    if args.kill == "committed":
        die()
    print(f"accepted={len(report.accepted)} rejected={len(report.rejected)}", flush=True)
    ctx.close()


def main() -> None:
    parser = argparse.ArgumentParser()
    sub = parser.add_subparsers(dest="what", required=True)
    eod = sub.add_parser("eod")
    eod.add_argument("date")
    eod.add_argument("--chunk", type=int)
    eod.add_argument("--quiet-chunk", type=int)
    eod.add_argument("--kill")
    eod.add_argument("--pace", type=float, default=0.0)
    eod.add_argument("--signal")
    imp = sub.add_parser("import")
    imp.add_argument("csv")
    imp.add_argument("--kill")
    args = parser.parse_args()
    run_eod(args) if args.what == "eod" else run_import(args)


if __name__ == "__main__":
    main()
