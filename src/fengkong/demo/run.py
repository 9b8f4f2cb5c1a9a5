"""`fengkong demo`: the whole platform at work, from a fresh start.

1. The decision slice on public data: a scorecard trained on the German credit data decides the
   held-back rows under every shipped policy, in a database of its own (`<home>/demo/german`).
2. A lender's year: a champion scorecard trained on the lender's simulated history, then twelve
   months of applications, decisions, reviews, loans and lines, repayments and misses, ends of
   day, collections, freezes and write-offs, simulated day by day through the platform's own
   use cases up to yesterday (`sim`), in the demo's database (`<home>/demo`), with the run's
   HTML report beside it.
3. One person per role and a channel key in that database, so `fengkong serve` and the command
   line browse the simulated book as its staff would."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any, Protocol

from rich.console import Console

from fengkong.bootstrap import bootstrap
from fengkong.core.clock import Clock, SystemClock
from fengkong.core.settings import Settings
from fengkong.demo.access import DemoAccess, demo_access, render_access
from fengkong.demo.german import GermanReport, render_german, run_german
from fengkong.lending.schedule import add_months
from fengkong.sim.book import RunState
from fengkong.sim.plan import RunPlan
from fengkong.sim.run import RunOutcome, simulate
from fengkong.sim.scenarios import scenario
from fengkong.sim.setup import policy_bundle, run_settings

DEMO_MONTHS = 12
# A small lender's daily volume: enough for every part of a year to show (vintages, roll rates,
# write-offs, frozen lines), small enough for the whole demo to take under three minutes here.
DEMO_APPLICANTS_PER_DAY = 2
DEMO_LENDER_POLICY = "retail-v3"  # the shipped default: `fengkong serve` decides under it too


@dataclass(frozen=True, slots=True)
class DemoReport:
    home: str
    german: GermanReport
    year: RunOutcome
    access: DemoAccess

    def as_dict(self) -> dict[str, Any]:
        from fengkong.sim.report import summary

        return {
            "home": self.home,
            "german": self.german.as_dict(),
            "year": {
                "database": self.year.database,
                "report": str(self.year.report),
                "model": self.year.model,
                "params": self.year.state.params,
                "books_verified": self.year.books_ok,
                "audit_records": self.year.audit_records,
                "journal_entries": self.year.journal_entries,
                "summary": summary(self.year.state.stats),
            },
            "access": self.access.as_dict(),
        }


class DayBar(Protocol):
    """A progress display for the simulated days (`cli.simulate.DayProgress`)."""

    def on_start(self, state: RunState) -> None: ...
    def after_day(self, day: int, on: date) -> None: ...


ProgressFactory = Callable[[str, int], AbstractContextManager[DayBar]]


def run_demo(
    settings: Settings,
    *,
    holdout: int = 300,
    seed: int = 0,
    months: int = DEMO_MONTHS,
    applicants_per_day: int = DEMO_APPLICANTS_PER_DAY,
    database_url: str | None = None,
    console: Console | None = None,
    clock: Clock | None = None,
    progress: ProgressFactory | None = None,
) -> DemoReport:
    """The demo from a fresh start under `settings.home / "demo"`; `database_url` puts the
    simulated lender's book in that (empty) database instead of SQLite."""
    console = console or Console(stderr=True)
    clock = clock or SystemClock()
    home = settings.home / "demo"
    if home.exists():
        shutil.rmtree(home)
    german = run_german(
        settings.model_copy(update={"home": home / "german"}),
        holdout=holdout,
        seed=seed,
        console=console,
        clock=clock,
    )
    today = clock.business_date()
    plan = RunPlan(
        seed=seed,
        months=months,
        applicants_per_day=applicants_per_day,
        scenario=scenario("baseline"),
        start=add_months(today, -months),  # the year ends yesterday: today is the next day
        policy=DEMO_LENDER_POLICY,
        model="history",
    )
    if progress is None:
        year = simulate(settings, plan, home, database_url=database_url)
    else:
        with progress("a lender's year", plan.days) as bar:
            year = simulate(
                settings,
                plan,
                home,
                database_url=database_url,
                after_day=bar.after_day,
                on_start=bar.on_start,
            )
    lender = run_settings(settings, home, database_url)
    with console.status("creating the demo's users and channel key…"):
        ctx = bootstrap(
            lender, clock=clock, policy=policy_bundle(DEMO_LENDER_POLICY, lender.price_cap)
        )
        try:
            access = demo_access(ctx)
        finally:
            ctx.close()
    return DemoReport(str(Path(home).resolve()), german, year, access)


def render(report: DemoReport, console: Console, language: str = "en") -> None:
    from fengkong.sim.report import render as render_year

    render_german(report.german, console)
    console.print()
    render_year(report.year.state.stats, console, language=language)
    verdict = "verified" if report.year.books_ok else "FAILED verification"
    console.print(
        f"ledger and audit chain: {verdict} ({report.year.audit_records:,} audit records, "
        f"{report.year.journal_entries:,} journal entries)"
    )
    console.print(f"lender's database: {report.year.database}", highlight=False, soft_wrap=True)
    console.print(
        f"the year's report (open it in a browser): {report.year.report}",
        highlight=False,
        soft_wrap=True,
    )
    render_access(report.access, report.home, console)


__all__ = [
    "DEMO_APPLICANTS_PER_DAY",
    "DEMO_LENDER_POLICY",
    "DEMO_MONTHS",
    "DemoReport",
    "render",
    "run_demo",
]
