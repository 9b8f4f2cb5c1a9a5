"""On the small simulated book (three months, SQLite), the stress report of each month end: the
downturn projects a larger loss than the baseline, the severe scenario a larger one still, and
capital need follows; the collections the schedules expect in the months already past are set
against what the simulated borrowers paid."""

from __future__ import annotations

from datetime import date

from fengkong.monitoring.snapshots import portfolio_report
from fengkong.monitoring.stress_report import StressReport, stress_report
from fengkong.sim.plan import RunPlan
from fengkong.sim.run import RunOutcome
from sim.lifecycle_runs import run_context, sim_settings

ENDS = (date(2026, 1, 31), date(2026, 2, 28))


def _reports(
    small_run: RunOutcome, small_plan: RunPlan
) -> tuple[dict[tuple[str, date], StressReport], dict[date, int]]:
    """Each scenario's report at each month end, and the loans active in each one's snapshot."""
    home = small_run.folder.parent
    with run_context(sim_settings(home / "home"), small_plan, small_run.folder) as ctx:
        reports = {
            (name, on): stress_report(ctx.stress, on, name)
            for name in ("baseline", "downturn", "severe")
            for on in ENDS
        }
        active = {
            on: portfolio_report(ctx.monitoring, on, "all").rows[0][2].active_loans for on in ENDS
        }
    return reports, active


def test_the_downturn_loses_more_than_the_baseline(
    small_run: RunOutcome, small_plan: RunPlan
) -> None:
    reports, active = _reports(small_run, small_plan)
    for on in ENDS:
        base, down, severe = (reports[(n, on)] for n in ("baseline", "downturn", "severe"))
        # The loans whose schedules are read are those the month end's snapshot counted active,
        # though some have been settled or written off since.
        assert base.loans == active[on] > 10 and base.projection.ead_fen > 0
        assert base.projection.ead_fen == down.projection.ead_fen  # one book, three shocks
        assert 0 < base.projection.projected_loss_fen < down.projection.projected_loss_fen
        assert down.projection.projected_loss_fen < severe.projection.projected_loss_fen
        capital = [r.projection.months[-1].capital_need_fen for r in (base, down, severe)]
        assert capital[0] < capital[1] < capital[2]
        first = [r.projection.months[0].figures.defaults_fen for r in (base, down, severe)]
        assert first == sorted(first) and first[0] < first[2]

    # The January book: February and March are past by the run's last end of day, and the
    # borrowers paid in them; the schedules asked for something each month.
    january = reports[("baseline", date(2026, 1, 31))]
    feb, mar = january.collections[:2]
    assert feb.complete and feb.collected_fen is not None and feb.collected_fen > 0
    assert mar.collected_fen is not None and mar.collected_fen > 0
    assert feb.scheduled_fen > 0 and 0 < feb.expected_fen <= feb.scheduled_fen
    assert january.collections[3].collected_fen is None  # May: after the run
    assert reports[("baseline", date(2026, 2, 28))].roll_rate is not None
