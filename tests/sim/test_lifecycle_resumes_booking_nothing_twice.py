"""A run stopped (Ctrl-C) and run again resumes where it stopped and ends as if it had never
stopped: the same summary, monthly figures and month-end portfolio as the uninterrupted run of
the same plan, and in its database exactly the applications and loans its statistics count,
none twice. It is stopped once between two days and then in the middle of days, at each step
of the day where a step was done and not yet saved in the run's state: an application decided,
an offer taken and not yet paid out, a line drawn on, an officer's approval booked."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from fengkong.bootstrap import Context
from fengkong.sim import window
from fengkong.sim.plan import RunPlan
from fengkong.sim.run import RunInterrupted, RunOutcome, simulate
from fengkong.sim.window import Window
from sim.lifecycle_runs import applications, loans, run_context, sim_settings, total, without_ids

AFTER_DAY = 20  # the run stops once this day is done, before the next begins


@dataclass
class Stop:
    """Where the run was stopped: its `RunInterrupted`, and the date it stopped on (in the
    middle of that day) or None (between days)."""

    interrupted: RunInterrupted
    during: date | None


@dataclass
class Resumed:
    outcome: RunOutcome
    home: Path
    stops: list[Stop] = field(default_factory=list)


def _once_from(first_day: date, step: Callable[..., Any], *, before: bool = False) -> Any:
    """`step` as it was, except that its first call on or after `first_day` is stopped by a
    Ctrl-C: before it does anything (`before`), or once it is done. The day it stopped on is
    kept in the wrapper's `stopped_on`."""

    def stopping(*args: Any, **kwargs: Any) -> Any:
        today = _today(args)
        if stopping.stopped_on is None and today >= first_day:  # type: ignore[attr-defined]
            stopping.stopped_on = today  # type: ignore[attr-defined]
            if before:
                raise KeyboardInterrupt
            step(*args, **kwargs)
            raise KeyboardInterrupt
        return step(*args, **kwargs)

    stopping.stopped_on = None  # type: ignore[attr-defined]
    return stopping


def _today(args: tuple[Any, ...]) -> date:
    for arg in args:
        if isinstance(arg, Window):
            return arg.ctx.clock.business_date()
        ctx = getattr(arg, "clock", None)
        if ctx is not None:
            return ctx.business_date()  # type: ignore[no-any-return]
    raise AssertionError("no clock among the step's arguments")


@pytest.fixture(scope="module")
def resumed(tmp_path_factory: pytest.TempPathFactory, small_plan: RunPlan) -> Resumed:
    """The plan run with a Ctrl-C after day `AFTER_DAY`, then at each step of a day in turn,
    run again after each stop, and at last to its end."""
    home = tmp_path_factory.mktemp("resumed-run")
    settings, folder = sim_settings(home / "home"), home / "run"
    stops: list[Stop] = []

    def stop_after(day: int, on: date) -> None:
        if day == AFTER_DAY:
            raise KeyboardInterrupt

    with pytest.raises(RunInterrupted) as first:
        simulate(settings, small_plan, folder, after_day=stop_after)
    stops.append(Stop(first.value, None))

    day = small_plan.start_day
    steps: list[tuple[object, str, Callable[..., Any]]] = [
        # An applicant's application decided and acted on (booked, or refused).
        (Window, "apply", _once_from(day(30), Window.apply)),
        # An offer taken up (the loan booked), its payout not begun.
        (window, "disburse", _once_from(day(35), window.disburse, before=True)),
        # A credit line drawn on and the draw paid out.
        (window, "draw", _once_from(day(40), window.draw)),
        # A referral approved by the officer and the loan booked and paid out.
        (Window, "_officer_approved", _once_from(day(50), Window._officer_approved)),
    ]
    for owner, name, stopping in steps:
        with pytest.MonkeyPatch.context() as patch:
            patch.setattr(owner, name, stopping)
            try:
                simulate(settings, small_plan, folder)
            except RunInterrupted as stopped:
                stops.append(Stop(stopped, stopping.stopped_on))  # type: ignore[attr-defined]
            else:
                pytest.fail(f"the run never came to {name} to be stopped there")
    return Resumed(simulate(settings, small_plan, folder), home, stops)


def test_a_stop_between_days_names_the_next_day(small_plan: RunPlan, resumed: Resumed) -> None:
    stop = resumed.stops[0].interrupted
    next_day = small_plan.start_day(AFTER_DAY + 1)
    assert stop.completed == AFTER_DAY + 1 and stop.stopped_on == next_day
    assert next_day.isoformat() in str(stop) and "resume" in str(stop)


def test_a_stop_during_a_day_names_that_day(small_plan: RunPlan, resumed: Resumed) -> None:
    for stop in resumed.stops[1:]:
        assert stop.during is not None
        assert stop.interrupted.stopped_on == stop.during
        assert stop.interrupted.completed == (stop.during - small_plan.start).days
        assert stop.during.isoformat() in str(stop.interrupted)


def test_each_step_was_stopped_on_a_day_of_its_own(resumed: Resumed) -> None:
    days = [stop.interrupted.stopped_on for stop in resumed.stops]
    assert days == sorted(days) and len(set(days)) == len(days)


def test_the_resumed_run_reports_as_the_uninterrupted_one(
    small_run: RunOutcome, resumed: Resumed
) -> None:
    assert resumed.outcome.books_ok
    assert resumed.outcome.state.finished
    assert without_ids(resumed.outcome.state.stats) == without_ids(small_run.state.stats)
    assert [m.as_dict() for m in resumed.outcome.state.stats.months] == [
        m.as_dict() for m in small_run.state.stats.months
    ]
    assert resumed.outcome.journal_entries == small_run.journal_entries


def _database(small_plan: RunPlan, resumed: Resumed) -> Callable[[Callable[[Context], Any]], Any]:
    def read(what: Callable[[Context], Any]) -> Any:
        home = resumed.home
        with run_context(sim_settings(home / "home"), small_plan, resumed.outcome.folder) as ctx:
            return what(ctx)

    return read


def test_the_database_holds_each_application_once(small_plan: RunPlan, resumed: Resumed) -> None:
    rows = _database(small_plan, resumed)(applications)
    stats = resumed.outcome.state.stats
    assert len(rows) == total(stats, "applications")
    # One application per applicant and day: the same person on the same day is a duplicate.
    by_person_and_day = Counter(
        (row.received_at.date(), row.tokens.id_number_bidx) for row in rows if row.tokens
    )
    assert len(by_person_and_day) == len(rows)
    assert max(by_person_and_day.values()) == 1


def test_the_database_holds_each_loan_once(small_plan: RunPlan, resumed: Resumed) -> None:
    rows = _database(small_plan, resumed)(loans)
    stats = resumed.outcome.state.stats
    assert len(rows) == total(stats, "loans_booked") + total(stats, "draws")
    assert len({row.application_id for row in rows if row.line_id is None}) == total(
        stats, "loans_booked"
    )
    draws_a_day = Counter((row.line_id, row.booked_on) for row in rows if row.line_id)
    assert len(draws_a_day) == total(stats, "draws")
    # Every loan the simulated borrowers hold is one the database holds.
    assert set(resumed.outcome.state.loans) <= {row.loan_id for row in rows}
