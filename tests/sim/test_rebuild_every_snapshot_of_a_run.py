"""A simulated book (the small seeded run: three months, five applicants a weekday, its
customers paying on time, late, partly or not at all, settling early, drawing on lines) rebuilt
afterwards, every date it has a snapshot of, on a copy of its database: each date's rows, all
dimensions and segments and the largest borrowers, are what its end of day stored."""

from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path
from typing import Any

from fengkong.monitoring.figures import DIMENSIONS, TOP_KEPT
from fengkong.monitoring.snapshots import PortfolioStore, rebuild
from fengkong.sim.plan import RunPlan
from fengkong.sim.run import RunOutcome
from sim.lifecycle_runs import run_context, sim_settings


def _stored(store: PortfolioStore, days: list[date]) -> dict[date, tuple[Any, Any]]:
    return {
        day: (store.snapshot_rows(day, DIMENSIONS), store.top_borrowers(day, TOP_KEPT))
        for day in days
    }


def test_every_snapshot_of_a_run_rebuilds_as_end_of_day_wrote(
    small_run: RunOutcome, small_plan: RunPlan, tmp_path: Path
) -> None:
    source = Path(small_run.database.removeprefix("sqlite:///"))
    copy = tmp_path / "copy.db"  # the run's own database is shared with other tests
    shutil.copy(source, copy)
    with run_context(
        sim_settings(tmp_path / "home"), small_plan, small_run.folder, f"sqlite:///{copy}"
    ) as ctx:
        with ctx.uow() as uow:
            last = uow.portfolio.last_completed_eod()
            assert last is not None
            days = uow.portfolio.snapshot_dates(last)
            stored = _stored(uow.portfolio, days)
        assert len(days) > 80
        done = rebuild(days[0], days[-1], ctx.monitoring, "user:test")
        with ctx.uow() as uow:
            rebuilt = _stored(uow.portfolio, days)
    assert done.fresh == () and done.changed == ()
    for day in days:
        assert rebuilt[day] == stored[day], day
