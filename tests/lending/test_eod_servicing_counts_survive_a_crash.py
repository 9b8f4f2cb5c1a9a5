"""A date's summary counts the servicing jobs' work of every run of the date: each job's counts are
stored as it returns, so a run that crashes after a job (before the close, or in a later job) and
is rerun — when the job finds its work done and counts 0 — still reports what the job did, in
`eod_runs.summary` and in the `eod.completed` audit record, as an uninterrupted run does. On the
in-memory unit of work and on SQLite (`books`)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from fengkong.lending.eod import run_end_of_day
from fengkong.lending.eod_steps import DateStep
from lending.test_service_support import (
    Books,
    fresh_books,
    lending_services,
    new_clock,
    unit_of_work,
)

DAY = date(2026, 4, 20)


class Crash(RuntimeError):
    pass


class CrashAt:
    """A progress meter that raises as step `name` begins: the process dies there."""

    def __init__(self, name: str) -> None:
        self.name = name

    def begin_date(self, business_date: date, loans: int, dates_left: int) -> None:
        pass

    def begin_step(self, name: str, label: str) -> None:
        if name == self.name:
            raise Crash(f"killed as {name} begins")

    def advance(self, loans: int) -> None:
        pass


def _job(counts: Mapping[str, int], done: set[date]) -> DateStep:
    """A servicing job that does its work for a date once: a rerun finds it done and counts 0,
    as the real jobs do (their records carry unique keys)."""

    def run(day: date) -> Mapping[str, int]:
        if day in done:
            return dict.fromkeys(counts, 0)
        done.add(day)
        return counts

    return run


def _crashing_job(crashes: list[bool]) -> DateStep:
    """A job that crashes the first time it runs and counts nothing afterwards."""

    def run(day: date) -> Mapping[str, int]:
        if crashes.pop(0) if crashes else False:
            raise Crash("killed inside a job")
        return {"reminders_sent": 0}

    return run


def _closed(db: Books) -> tuple[dict[str, Any], dict[str, Any]]:
    """The date's stored summary and its `eod.completed` audit payload."""
    with unit_of_work(db)() as uow:
        run = uow.lending.eod_run(DAY)
        completed = [r for r in uow.audit.stream() if r.action == "eod.completed"]
    assert run is not None and run["status"] == "done" and len(completed) == 1
    return dict(run["summary"]), dict(completed[0].payload)


def _jobs() -> tuple[DateStep, ...]:
    done_a: set[date] = set()
    done_b: set[date] = set()
    return (
        _job({"cases_opened": 3, "lines_frozen": 1}, done_a),
        _job({"debits_attempted": 2, "debits_failed": 1}, done_b),
    )


@pytest.mark.parametrize("where", ["close", "job"])
def test_servicing_counts_survive_a_crash_after_the_job(
    books: Books, tmp_path: Path, where: str
) -> None:
    control, crashed = books, fresh_books(books, tmp_path, "crash")
    run_end_of_day(DAY, lending_services(control, new_clock(DAY)), steps=_jobs())
    want = _closed(control)
    assert want[0]["cases_opened"] == 3 and want[0]["debits_failed"] == 1
    assert want[0]["lines_frozen"] == 1  # named like a loan total, it adds to it (no loans)

    svc = lending_services(crashed, new_clock(DAY))
    steps = _jobs()
    with pytest.raises(Crash):
        if where == "close":
            run_end_of_day(DAY, svc, steps=steps, meter=CrashAt("close"))
        else:
            run_end_of_day(DAY, svc, steps=(*steps, _crashing_job([True])))
    with unit_of_work(crashed)() as uow:
        run = uow.lending.eod_run(DAY)
        assert run is not None and run["status"] == "running"
    report = run_end_of_day(DAY, svc, steps=(*steps, _crashing_job([])))
    assert report.ran == (DAY,)
    summary, payload = _closed(crashed)
    assert summary == {**want[0], "reminders_sent": 0}
    assert payload == {**want[1], "reminders_sent": 0}
    assert report.totals[DAY.isoformat()] == summary
