"""Twelve months of one seeded population, in a calm economy and in a downturn (from month 3),
on SQLite: at the end the ledger balances and the audit chain verifies; the platform's
snapshots, vintages and rolls agree with a direct count of the loans at every month end, and
early warning opened its alerts well before the downturn's 90+ rate peaked; every credit line with
a draw 30 or more days past due is frozen or closed; fraud rings are declined more often than
honest applicants; and at the run's last month end the downturn's M3+ rate is above the
baseline's;
and once the risk team has promoted the behaviour model, its score moves real lines' limits,
each action audited and told to the borrower."""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from fengkong.lending.behaviour import FEATURES
from fengkong.lending.credit_lines import get_line
from fengkong.lending.line import LineStatus
from fengkong.lending.line_notices import line_notices
from fengkong.lending.rescoring import line_scores
from fengkong.monitoring.alert_rules import figure
from fengkong.monitoring.curves import ROLLS, roll_report, vintage_report
from fengkong.monitoring.early_warning import list_alerts
from fengkong.monitoring.figures import BUCKETS, rate
from fengkong.monitoring.snapshots import portfolio_report
from fengkong.sim.plan import RunPlan
from fengkong.sim.portfolio_curves import ACTIVE, DPD_30, DPD_90, WRITTEN_OFF, months_on_book
from fengkong.sim.report import monthly_figures, summary
from fengkong.sim.run import RunOutcome, simulate
from fengkong.sim.stats import LoanSnapshot, RunStats
from sim.lifecycle_runs import (
    draws_past_due,
    lifecycle_plan,
    run_context,
    sim_settings,
    total,
    verify,
)

SEED = 2
MONTHS = 12
PER_DAY = 3
DOWNTURN_MONTH = 3  # `scenarios.DOWNTURN.starts_month`
LAST_MONTH = f"2026-{MONTHS:02d}"  # the run starts on 2026-01-01
# A re-score's audited action, the change it makes on the line, and the notice it sends.
CHANGE_OF = {
    "line.reduce": "reduced",
    "line.raise": "raised",
    "line.freeze": "frozen",
    "line.close": "closed",
}
NOTICE_OF = {a: f"line_{c}" for a, c in CHANGE_OF.items()}


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
    assert rings >= 15 and honest >= 500  # enough rings for the rate to mean something
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


def test_the_downturn_m3_plus_rate_at_the_last_month_is_above_the_baseline(
    baseline: Run, downturn: Run
) -> None:
    b, d = baseline.stats, downturn.stats
    assert [m.month for m in b.months] == [m.month for m in d.months]
    assert b.months[-1].month == LAST_MONTH
    # The same people, decided the same way, until the downturn begins.
    for before in range(DOWNTURN_MONTH):
        assert b.months[before].as_dict() == d.months[before].as_dict()
    # The report's M3+ rate is the one at the run's last month end.
    assert summary(b)["m3_plus_rate"] == round(_m3_rate(b, LAST_MONTH), 6)
    assert _m3_rate(d, LAST_MONTH) > _m3_rate(b, LAST_MONTH) > 0
    # Not by the denominator alone: more principal stands at 90+ days past due.
    assert _principal_90(d, LAST_MONTH) > _principal_90(b, LAST_MONTH)


def test_the_loans_booked_before_the_downturn_go_bad_more_in_it(
    baseline: Run, downturn: Run
) -> None:
    """The cohorts booked before month 3 are the same loans in both runs; in the downturn more
    of their amount stands 90+ days past due (or was written off) at the last month's end."""

    def gone_bad(stats: RunStats) -> int:
        return sum(
            loan.amount
            for loan in stats.snapshots[LAST_MONTH]
            if months_on_book(loan.booked_month, LAST_MONTH) > MONTHS - 1 - DOWNTURN_MONTH
            and (loan.days_past_due >= DPD_90 or loan.status == "written_off")
        )

    assert gone_bad(downturn.stats) > gone_bad(baseline.stats) > 0


# ---- the platform's monitoring on the simulated book ------------------------------------------


def _month_end(month: str) -> date:
    year, mon = (int(part) for part in month.split("-"))
    first_after = date(year + mon // 12, mon % 12 + 1, 1)
    return first_after - timedelta(days=1)


def _direct(loans: list[LoanSnapshot]) -> dict[str, Any]:
    """The figures counted straight from the loans as the loan search read them at a month end."""
    active = [loan for loan in loans if loan.status == ACTIVE]
    buckets: Counter[str] = Counter()
    for loan in active:
        buckets[loan.bucket] += loan.principal_outstanding
    return {
        "active_loans": len(active),
        "outstanding_fen": sum(loan.principal_outstanding for loan in active),
        "overdue_loans": sum(1 for loan in active if loan.days_past_due >= 1),
        "overdue_fen": sum(
            loan.principal_outstanding for loan in active if loan.days_past_due >= 1
        ),
        "m1_plus_fen": sum(
            loan.principal_outstanding for loan in active if loan.days_past_due > DPD_30
        ),
        "m3_plus_fen": sum(
            loan.principal_outstanding for loan in active if loan.days_past_due > DPD_90
        ),
        "written_off_loans": sum(1 for loan in loans if loan.status == WRITTEN_OFF),
        "originated_fen": sum(loan.amount for loan in loans),
        "bucket_fen": {name: buckets[name] for name in BUCKETS},
    }


@pytest.mark.parametrize("name", ["baseline", "downturn"])
def test_vintages_rolls_and_the_overdue_rate_agree_with_a_direct_count(
    name: str, request: pytest.FixtureRequest
) -> None:
    """At every month end, the snapshot end of day wrote holds what a direct count of the loans
    (the run's month-end photographs, read through the loan search) gives; the vintage report's
    points and the roll report's balances are those counts per booking month and bucket."""
    run: Run = request.getfixturevalue(name)
    months = sorted(run.stats.snapshots)
    assert len(months) == MONTHS
    with run_context(sim_settings(run.home / "home"), run.plan, run.outcome.folder) as ctx:
        last = _month_end(months[-1])
        vintages = {
            (p.vintage, p.month_end): p for p in vintage_report(ctx.monitoring, last).vintages
        }
        rolls = {
            (p.month_end, p.from_bucket, p.to_bucket): p
            for p in roll_report(ctx.monitoring, last).rolls
        }
        for month in months:
            day, loans = _month_end(month), run.stats.snapshots[month]
            direct = _direct(loans)
            ((_, _, stored),) = portfolio_report(ctx.monitoring, day, "all").rows
            assert {k: getattr(stored, k) for k in direct} == direct, month
            assert stored.overdue_rate_count == (
                rate(direct["overdue_loans"], direct["active_loans"])
            )
            by_vintage: dict[str, list[LoanSnapshot]] = defaultdict(list)
            for loan in loans:
                by_vintage[loan.booked_month].append(loan)
            for vintage, cohort in by_vintage.items():
                point = vintages[(vintage, day)]
                counted = _direct(cohort)
                assert point.originated_fen == counted["originated_fen"]
                assert point.m1_plus_fen - point.written_off_fen == counted["m1_plus_fen"]
                assert point.m3_plus_fen - point.written_off_fen == counted["m3_plus_fen"]
            if month != months[0]:
                before = _direct(run.stats.snapshots[months[months.index(month) - 1]])
                for low, high in ROLLS:
                    roll = rolls[(day, low, high)]
                    assert (roll.from_fen, roll.to_fen) == (
                        before["bucket_fen"][low],
                        direct["bucket_fen"][high],
                    )
    assert any(p.m1_plus_fen > 0 for p in vintages.values())
    assert any(r.to_fen for (_, low, _), r in rolls.items() if low != "M0")


def test_the_downturn_raises_alerts_before_its_m3_plus_rate_peaks(downturn: Run) -> None:
    """End of day evaluated the shipped early-warning rules on every date's snapshot: the rules
    on the leading figures (30+ days past due, the overdue share) opened alerts at least a month
    before the 90+ rate reached its highest, each alert stored once however often it was seen."""
    with run_context(
        sim_settings(downturn.home / "home"), downturn.plan, downturn.outcome.folder
    ) as ctx:
        alerts = list_alerts(ctx.early_warning)
        with ctx.uow() as uow:
            store = uow.portfolio
            days = store.snapshot_dates(downturn.plan.end)
            rows = {
                dimension: store.dimension_rows(days, dimension)
                for dimension in {"all", *(a.dimension for a in alerts)}
            }
    m3 = {day: figures.m3_plus_rate for day, _, figures in rows["all"]}
    peak_rate = max(r for r in m3.values() if r is not None)
    peak = min(day for day, r in m3.items() if r == peak_rate)
    assert peak >= _month_end("2026-03"), "the 90+ rate peaks once the downturn has begun"
    leading = [a for a in alerts if a.metric in ("m1_plus_rate", "overdue_rate_count")]
    assert leading and min(a.opened_on for a in leading) <= peak - timedelta(days=30)
    assert len({(a.rule_id, a.dimension, a.segment) for a in alerts}) == len(alerts)
    assert any(a.times_seen > 30 for a in leading)
    for alert in leading:  # an alert's figure is the snapshot's of the day it was last seen
        ((_, _, figures),) = [
            r for r in rows[alert.dimension] if r[:2] == (alert.last_seen_on, alert.segment)
        ]
        assert figure(figures, alert.metric) == alert.value


@pytest.mark.parametrize("name", ["baseline", "downturn"])
def test_the_behaviour_score_moves_the_limits_of_real_lines(
    name: str, request: pytest.FixtureRequest
) -> None:
    """Once the risk team has promoted the behaviour model the books trained, end of day
    re-scores every active borrower, and lines whose holder scores below the floor have their
    limit cut: the line's history says why, an audit record by the re-score carries the score,
    the model version and the facts, the score is kept where the line's page reads it, and the
    borrower is sent a notice of the action that night."""
    run: Run = request.getfixturevalue(name)
    version = run.stats.behaviour_model
    assert version is not None and version.startswith("behaviour-")
    assert total(run.stats, "borrowers_rescored") > 0
    moved = total(run.stats, "lines_reduced") + total(run.stats, "lines_raised")
    assert moved > 0
    with run_context(sim_settings(run.home / "home"), run.plan, run.outcome.folder) as ctx:
        with ctx.db.engine.connect() as conn:
            rows = conn.execute(
                sa.text(
                    "select subject_id, action, payload from audit_log where actor = "
                    "'system:rescore' order by seq"
                )
            ).all()
        assert len(rows) >= moved
        for subject_id, action, payload in rows:
            doc = json.loads(payload) if isinstance(payload, str) else payload
            score = doc["behaviour_score"]
            assert score["model_version"] == version and set(score["facts"]) == set(FEATURES)
            line = get_line(subject_id, ctx.lending)
            change = next(
                h
                for h in line.history
                if h.on.isoformat() == doc["business_date"] and h.reason.startswith(doc["reason"])
            )
            assert change.kind.value == CHANGE_OF[action]
            kept = {
                s.business_date.isoformat(): s.score
                for s in line_scores(subject_id, 366, ctx.rescoring)
            }
            assert kept[doc["business_date"]] == score["score"]
            # the borrower was told, that night, in a notice of the action's kind
            told = {
                (n.kind, n.business_date.isoformat())
                for n in line_notices(subject_id, ctx.servicing)
            }
            assert (NOTICE_OF[action], doc["business_date"]) in told, (action, told)
