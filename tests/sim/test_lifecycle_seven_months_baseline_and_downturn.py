"""Seven months of one seeded population, in a calm economy and in a downturn (from month 3),
on SQLite: at the end the ledger balances and the audit chain verifies; every credit line with
a draw 30 or more days past due is frozen or closed; fraud rings are declined more often than
honest applicants; and by month 6 (the run's seventh and last month, when misses from the
downturn's first month have reached 90 days) the downturn's M3+ rate is above the baseline's."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest

from fengkong.lending.credit_lines import get_line
from fengkong.lending.line import LineStatus
from fengkong.sim.plan import RunPlan
from fengkong.sim.portfolio_curves import DPD_90, months_on_book
from fengkong.sim.report import monthly_figures, summary
from fengkong.sim.run import RunOutcome, simulate
from fengkong.sim.stats import RunStats
from sim.lifecycle_runs import (
    draws_past_due,
    lifecycle_plan,
    run_context,
    sim_settings,
    total,
    verify,
)

SEED = 2
MONTHS = 7
PER_DAY = 6
DOWNTURN_MONTH = 3  # `scenarios.DOWNTURN.starts_month`
MONTH_6 = "2026-07"  # month 6 counted from 0, the run starting on 2026-01-01


@dataclass(frozen=True)
class Run:
    plan: RunPlan
    outcome: RunOutcome
    home: Path

    @property
    def stats(self) -> RunStats:
        return self.outcome.state.stats


def _run(tmp_path_factory: pytest.TempPathFactory, scenario_name: str) -> Run:
    plan = lifecycle_plan(months=MONTHS, per_day=PER_DAY, seed=SEED, scenario_name=scenario_name)
    home = tmp_path_factory.mktemp(scenario_name)
    return Run(plan, simulate(sim_settings(home / "home"), plan, home / "run"), home)


@pytest.fixture(scope="module")
def baseline(tmp_path_factory: pytest.TempPathFactory) -> Run:
    return _run(tmp_path_factory, "baseline")


@pytest.fixture(scope="module")
def downturn(tmp_path_factory: pytest.TempPathFactory) -> Run:
    return _run(tmp_path_factory, "downturn")


@pytest.mark.parametrize("name", ["baseline", "downturn"])
def test_the_books_balance_and_the_chain_verifies(
    name: str, request: pytest.FixtureRequest
) -> None:
    run: Run = request.getfixturevalue(name)
    assert run.outcome.books_ok
    assert run.outcome.journal_entries > 1000 and run.outcome.audit_records > 1000
    with run_context(sim_settings(run.home / "home"), run.plan, run.outcome.folder) as ctx:
        report = verify(ctx)
    assert report.ok, report.failures
    assert (report.records, report.entries) == (
        run.outcome.audit_records,
        run.outcome.journal_entries,
    )


@pytest.mark.parametrize("name", ["baseline", "downturn"])
def test_a_line_with_a_draw_30_days_past_due_is_frozen_or_closed(
    name: str, request: pytest.FixtureRequest
) -> None:
    run: Run = request.getfixturevalue(name)
    with run_context(sim_settings(run.home / "home"), run.plan, run.outcome.folder) as ctx:
        late = draws_past_due(ctx, 30)
        lines = {row.line_id for row in late if row.line_id}
        statuses = {line_id: get_line(line_id, ctx.lending).status for line_id in lines}
    assert all(row.days_past_due >= 30 for row in late)
    assert len(lines) >= 2, "the run must hold lines with a draw 30+ days past due"
    active = [line_id for line_id, status in statuses.items() if status is LineStatus.ACTIVE]
    assert not active, f"lines still open to draws with a draw 30+ days past due: {active}"
    assert set(statuses.values()) <= {LineStatus.FROZEN, LineStatus.CLOSED}
    assert total(run.stats, "lines_frozen") + total(run.stats, "lines_closed") >= len(lines)


def test_rings_are_declined_more_often_than_honest_applicants(baseline: Run) -> None:
    stats = baseline.stats
    rings, honest = total(stats, "ring_applications"), total(stats, "honest_applications")
    assert rings >= 20 and honest >= 500  # enough rings for the rate to mean something
    ring_rate = total(stats, "ring_declined") / rings
    honest_rate = total(stats, "honest_declined") / honest
    assert ring_rate > honest_rate


def _principal_90(stats: RunStats, month: str) -> int:
    (figures,) = [f for f in monthly_figures(stats) if f.month == month]
    return figures.principal_90


def _m3_rate(stats: RunStats, month: str) -> float:
    (figures,) = [f for f in monthly_figures(stats) if f.month == month]
    assert figures.bad_rate_90 is not None
    return figures.bad_rate_90


def test_the_downturn_m3_plus_rate_at_month_6_is_above_the_baseline(
    baseline: Run, downturn: Run
) -> None:
    b, d = baseline.stats, downturn.stats
    assert [m.month for m in b.months] == [m.month for m in d.months]
    assert b.months[-1].month == MONTH_6 and MONTHS - 1 == 6
    # The same people, decided the same way, until the downturn begins.
    for before in range(DOWNTURN_MONTH):
        assert b.months[before].as_dict() == d.months[before].as_dict()
    # The report's M3+ rate is the one at the run's last month end: month 6.
    assert summary(b)["m3_plus_rate"] == round(_m3_rate(b, MONTH_6), 6)
    assert _m3_rate(d, MONTH_6) > _m3_rate(b, MONTH_6) > 0
    # Not by the denominator alone: more principal stands at 90+ days past due.
    assert _principal_90(d, MONTH_6) > _principal_90(b, MONTH_6)


def test_the_loans_booked_before_the_downturn_go_bad_more_in_it(
    baseline: Run, downturn: Run
) -> None:
    """The cohorts booked before month 3 are the same loans in both runs; in the downturn more
    of their amount stands 90+ days past due (or was written off) at month 6's end."""

    def gone_bad(stats: RunStats) -> int:
        return sum(
            loan.amount
            for loan in stats.snapshots[MONTH_6]
            if months_on_book(loan.booked_month, MONTH_6) > MONTHS - 1 - DOWNTURN_MONTH
            and (loan.days_past_due >= DPD_90 or loan.status == "written_off")
        )

    assert gone_bad(downturn.stats) > gone_bad(baseline.stats) > 0
