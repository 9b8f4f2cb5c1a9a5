"""Small seeded runs of the lifecycle simulator (`sim.run.simulate`) for the lifecycle tests, and
what those tests read back from a run's own database, through the platform's finders as an
officer or a risk manager reads it (never its tables)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, replace
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from fengkong.bootstrap import Context, bootstrap
from fengkong.core.clock import FakeClock
from fengkong.core.filters import IntRange
from fengkong.core.paging import MAX_LIMIT, PageRequest
from fengkong.core.settings import Settings
from fengkong.decision.search import NEWEST_APPLICATIONS, ApplicationRow, application_filter
from fengkong.ledger.verify import VerifyReport, verify_books
from fengkong.lending.search import NEWEST_LOANS, LoanFilter, LoanRow
from fengkong.sim.plan import END_OF_DAY_AT, RunPlan, at
from fengkong.sim.report import monthly_figures, summary
from fengkong.sim.scenarios import scenario
from fengkong.sim.setup import policy_bundle, run_settings
from fengkong.sim.stats import RunStats

# A calendar-aligned start: the run's months are whole calendar months, month 0 is January.
START = date(2026, 1, 1)


def lifecycle_plan(
    *,
    months: int,
    per_day: int,
    seed: int = 1,
    scenario_name: str = "baseline",
    policy: str = "retail-v3",
    model: str = "german",
) -> RunPlan:
    """A run of `months` from `START`. The champion is trained on the shipped German data by
    default: quicker than the lender's simulated history, and a stricter book (fewer, safer
    loans), which keeps the runs small."""
    return RunPlan(
        seed=seed,
        months=months,
        applicants_per_day=per_day,
        scenario=scenario(scenario_name),
        start=START,
        policy=policy,
        model=model,
    )


def sim_settings(home: Path) -> Settings:
    """Settings as the tests' fixtures build them; each run keeps its own home (`run_settings`)."""
    return Settings(env="test", home=home)


@contextmanager
def run_context(
    settings: Settings, plan: RunPlan, folder: Path, database_url: str | None = None
) -> Iterator[Context]:
    """The platform wired on a finished run's database, its clock at the run's last end of day."""
    last_day = plan.end - timedelta(days=1)
    ctx = bootstrap(
        run_settings(settings, folder, database_url),
        clock=FakeClock(at(last_day, END_OF_DAY_AT)),
        policy=policy_bundle(plan.policy, settings.price_cap),
    )
    try:
        yield ctx
    finally:
        ctx.close()


def verify(ctx: Context) -> VerifyReport:
    """The ledger and audit chain checked as `fengkong audit verify` checks them."""
    with ctx.uow() as uow:
        return verify_books(
            uow.audit.stream(), uow.audit.head(), uow.journal.entries(), ties=uow.journal.ties()
        )


def loans(ctx: Context, f: LoanFilter | None = None) -> list[LoanRow]:
    """Every loan and draw the loan search finds under `f` (all of them), page after page."""
    f = f or LoanFilter()
    rows: list[LoanRow] = []
    page = PageRequest(NEWEST_LOANS, limit=MAX_LIMIT)
    while True:
        found = ctx.finders.loans.loans(replace(f, page=page))
        rows.extend(found.items)
        if found.next is None:
            return rows
        page = PageRequest(NEWEST_LOANS, limit=MAX_LIMIT, after=found.next)


def draws_past_due(ctx: Context, days: int) -> list[LoanRow]:
    """The draws on credit lines standing at `days` or more days past due."""
    return [row for row in loans(ctx, LoanFilter(dpd=IntRange(low=days))) if row.line_id]


def applications(ctx: Context) -> list[ApplicationRow]:
    """Every application the run's database holds, page after page."""
    f = application_filter(vault=ctx.vault, as_of=ctx.clock.business_date(), limit=MAX_LIMIT)
    rows: list[ApplicationRow] = []
    while True:
        found = ctx.finders.applications.applications(f)
        rows.extend(found.items)
        if found.next is None:
            return rows
        f = replace(f, page=PageRequest(NEWEST_APPLICATIONS, limit=MAX_LIMIT, after=found.next))


def total(stats: RunStats, name: str) -> int:
    """A monthly count summed over the run's months."""
    return sum(int(getattr(m, name)) for m in stats.months)


def without_ids(stats: RunStats) -> dict[str, Any]:
    """Everything a run's report says, minus what names a row of its database (loan ids differ
    from one database to another): the summary, the monthly figures and the month-end
    portfolio, each loan by its booking month, status, days past due, bucket and amounts."""
    return {
        "summary": summary(stats),
        "months": [asdict(f) for f in monthly_figures(stats)],
        "portfolio": {
            month: sorted(tuple(snapshot.as_row()[1:]) for snapshot in snapshots)
            for month, snapshots in stats.snapshots.items()
        },
    }


__all__ = [
    "START",
    "applications",
    "draws_past_due",
    "lifecycle_plan",
    "loans",
    "run_context",
    "sim_settings",
    "total",
    "verify",
    "without_ids",
]
