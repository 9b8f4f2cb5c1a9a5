"""`fengkong simulate`: a run from its folder to its report. A new run gets its own database
(SQLite in the folder, or the PostgreSQL given), a champion model trained on the chosen data,
and starts on day 0; a run whose folder holds a state resumes from the first day it did not
finish, provided it is asked the same thing; a finished run only writes its report again."""

from __future__ import annotations

import shutil
import signal
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from fengkong.bootstrap import Context
from fengkong.core.clock import FakeClock
from fengkong.core.errors import Conflict, FieldError, Invalid
from fengkong.core.settings import Settings
from fengkong.ledger.verify import verify_books
from fengkong.scoring.registry import ModelKind
from fengkong.sim.book import RunState
from fengkong.sim.business_desk import business_policy, train_business_champion
from fengkong.sim.engine import DayHook, Lifecycle
from fengkong.sim.plan import APPLICATIONS_AT, RunPlan, at
from fengkong.sim.population_sources import BUSINESS_KINDS, PopulationSources, run_providers
from fengkong.sim.population_sources import KINDS as PROVIDED
from fengkong.sim.setup import (
    business_policy_bundle,
    open_run,
    policy_bundle,
    run_settings,
    train_champion,
)
from fengkong.sim.stats import RunStats
from fengkong.sources.kinds import SourceKind

REPORT_FILE = "report.html"
MAX_MONTHS = 60
MAX_APPLICANTS_PER_DAY = 10_000
MAX_BUSINESSES_PER_DAY = 1_000


@dataclass(frozen=True, slots=True)
class RunOutcome:
    """A run that reached its end: its state, where its report and database are, whether its
    books verified (every journal entry balanced and tied, the audit chain whole)."""

    state: RunState
    folder: Path
    report: Path
    database: str
    model: str
    books_ok: bool
    audit_records: int
    journal_entries: int


class RunInterrupted(Conflict):
    """The run stopped before its end; its state holds every completed day."""

    def __init__(self, folder: Path, completed: int, total: int, stopped_on: date) -> None:
        super().__init__(
            f"the run stopped during simulated day {completed + 1} of {total} "
            f"({stopped_on.isoformat()}); {completed} days are complete and kept in "
            f"{folder}; run the same command again to resume from {stopped_on.isoformat()}"
        )
        self.completed = completed
        self.stopped_on = stopped_on


def check_plan(months: int, applicants_per_day: int, businesses_per_day: int = 0) -> None:
    errors: list[FieldError] = []
    if not 1 <= months <= MAX_MONTHS:
        errors.append(FieldError(("months",), f"must be between 1 and {MAX_MONTHS}"))
    if not 1 <= applicants_per_day <= MAX_APPLICANTS_PER_DAY:
        errors.append(
            FieldError(("applicants_per_day",), f"must be between 1 and {MAX_APPLICANTS_PER_DAY}")
        )
    if not 0 <= businesses_per_day <= MAX_BUSINESSES_PER_DAY:
        errors.append(
            FieldError(("businesses_per_day",), f"must be between 0 and {MAX_BUSINESSES_PER_DAY}")
        )
    if errors:
        raise Invalid(tuple(errors))


def simulate(
    settings: Settings,
    plan: RunPlan,
    folder: Path,
    *,
    database_url: str | None = None,
    fresh: bool = False,
    after_day: DayHook | None = None,
    on_start: Callable[[RunState], None] | None = None,
) -> RunOutcome:
    """Run (or resume, or re-report) `plan` in `folder`; `fresh` starts it over."""
    check_plan(plan.months, plan.applicants_per_day, plan.businesses_per_day)
    bundle = policy_bundle(plan.policy, settings.price_cap)
    business = (
        business_policy_bundle(plan.business_policy, settings.price_cap)
        if plan.businesses_per_day
        else None
    )
    if fresh and folder.exists():
        shutil.rmtree(folder)
    state = RunState.load(folder)
    if state is not None and state.params != plan.params():
        raise Conflict(
            f"{folder} holds a run of {state.params}, not of {plan.params()}; "
            "use --fresh to start this one over, or another --run name"
        )
    resumed_on = plan.start if state is None else plan.start_day(state.next_day)
    clock = FakeClock(at(resumed_on, APPLICATIONS_AT))
    ctx = open_run(run_settings(settings, folder, database_url), bundle, clock)
    try:
        if state is not None and state.database and state.database != ctx.db.describe():
            raise Conflict(
                f"the run in {folder} keeps its book in {state.database}, not in "
                f"{ctx.db.describe()}: give it the same --database-url, or use --fresh"
            )
        business_active = None if business is None else business_policy(ctx, business)
        if state is None:
            _check_empty(ctx, folder)
            model, _ = train_champion(ctx, plan.model, plan.seed, plan.start)
            model = _train_policy_model(ctx, plan.seed, plan.start) or model
            business_model = (
                None
                if business_active is None
                else train_business_champion(ctx, business_active.compiled, plan)
            )
            state = RunState(
                params=plan.params(),
                next_day=0,
                database=ctx.db.describe(),
                stats=RunStats(
                    seed=plan.seed,
                    scenario=plan.scenario.name,
                    policy=ctx.policy.version,
                    model=model,
                    start=plan.start.isoformat(),
                    business_policy=None if business_active is None else business_active.version,
                    business_model=business_model,
                ),
            )
        if on_start is not None:
            on_start(state)
        lifecycle = Lifecycle(
            ctx, clock, plan, state, folder, after_day=after_day, business_policy=business_active
        )
        try:
            with interruptible(), _external_data(ctx, lifecycle, plan.seed):
                state = lifecycle.run()
        except KeyboardInterrupt:
            done = lifecycle.state.next_day
            raise RunInterrupted(folder, done, plan.days, plan.start_day(done)) from None
        return _finish(ctx, state, folder)
    finally:
        ctx.close()


def _train_policy_model(ctx: Context, seed: int, start: date) -> str | None:
    """A policy scored by the consumer bureau model (`model: retail-bureau-scorecard`) needs its
    champion too: trained on the simulated past book with its documents (whatever `--model`
    says: the German rows have no documents) and promoted maker-checker. Its version, which
    then scores the run's applications; None for a policy scored by the consumer champion."""
    from fengkong.sim.bureau_model import names_bureau_model

    if not names_bureau_model(ctx.policy.compiled.model):
        return None
    from fengkong.sim.bureau_model import BUREAU_GBM, promote_bureau_model, train_bureau_model

    kind: ModelKind = "gbm" if ctx.policy.compiled.model == BUREAU_GBM else "scorecard"
    return promote_bureau_model(ctx, train_bureau_model(seed, as_of=start, kind=kind)).version


@contextmanager
def _external_data(ctx: Context, lifecycle: Lifecycle, seed: int) -> Iterator[None]:
    """For a policy that asks for external data (the consumer policy, the business policy),
    the run's simulated provider served for the run, the `sources` settings pointed at it for
    the kinds it answers."""
    policies = [ctx.policy.compiled]
    if lifecycle.business is not None:
        policies.append(lifecycle.business.policy)
    answered = (*PROVIDED, *(BUSINESS_KINDS if lifecycle.business is not None else ()))
    asked = tuple(
        dict.fromkeys(
            ask.kind
            for policy in policies
            for ask in policy.sources
            if SourceKind(ask.kind) in answered
        )
    )
    if not asked:
        yield
        return
    answers = PopulationSources(seed)
    with run_providers(answers, asked) as configured:
        ctx.settings = ctx.settings.model_copy(
            update={"sources": {**ctx.settings.sources, **configured}}
        )
        ctx.__dict__.pop("sources", None)  # wired afresh from these settings
        lifecycle.window.sources = answers
        yield


@contextmanager
def interruptible() -> Iterator[None]:
    """Ctrl-C stops the run between two statements (`RunInterrupted`), whatever handler the
    process was left with: training a scorecard runs OR-Tools' CP-SAT (under optbinning), which
    installs a SIGINT handler of its own that swallows the signal. Only the main thread may
    set handlers; elsewhere the run keeps the one it has."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)


def _check_empty(ctx: Context, folder: Path) -> None:
    """A new run needs a database of its own: never one holding another book."""
    with ctx.uow() as uow:
        last = uow.lending.last_completed_eod()
    if last is not None:
        raise Conflict(
            f"the database {ctx.db.describe()} already holds a book (end of day ran for "
            f"{last.isoformat()}) but {folder} holds no run: give the run an empty database"
        )


def _finish(ctx: Context, state: RunState, folder: Path) -> RunOutcome:
    from fengkong.sim.report import write_html

    with ctx.uow() as uow:
        books = verify_books(
            uow.audit.stream(), uow.audit.head(), uow.journal.entries(), ties=uow.journal.ties()
        )
    report = write_html(state.stats, folder / REPORT_FILE)
    return RunOutcome(
        state=state,
        folder=folder,
        report=report,
        database=ctx.db.describe(),
        model=state.stats.model or "",
        books_ok=books.ok,
        audit_records=books.records,
        journal_entries=books.entries,
    )


__all__ = ["REPORT_FILE", "RunInterrupted", "RunOutcome", "check_plan", "simulate"]
