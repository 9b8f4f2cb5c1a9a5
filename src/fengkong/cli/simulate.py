"""`fengkong simulate`: a lender's months played out day by day on a run's own database, and
`fengkong simulate compare`: two policies or two models on the same seeded population.

A run lives in `$FENGKONG_HOME/sim/<run>/` (state, SQLite database, report); running the same
command again after an interruption resumes it, after its end writes its report again."""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from fengkong.cli.common import JsonOpt, cli_errors, emit_json, err, out
from fengkong.core.errors import FieldError, Invalid

if TYPE_CHECKING:
    from fengkong.core.settings import Settings
    from fengkong.sim.plan import RunPlan
    from fengkong.sim.run import RunOutcome

app = typer.Typer(
    help="Simulate a lender's months day by day; compare two policies or models.",
    invoke_without_command=True,
    no_args_is_help=False,
)

DEFAULT_POLICY = "retail-v3"
DEFAULT_START = "2026-01-05"
DEFAULT_BUSINESS_POLICY = "business-v1"

Months = Annotated[int, typer.Option("--months", help="Simulated months, 1 to 60.")]
PerDay = Annotated[
    int,
    typer.Option("--applicants-per-day", help="Applicants on a weekday (70 % at weekends)."),
]
BusinessesPerDay = Annotated[
    int,
    typer.Option(
        "--businesses-per-day",
        help="Small businesses applying on a weekday (70 % at weekends), under --business-policy; 0: none.",
    ),
]
BusinessPolicy = Annotated[
    str,
    typer.Option(
        "--business-policy",
        help="The small-business policy (business-v1) or a file; with --businesses-per-day.",
    ),
]
ScenarioOpt = Annotated[
    str, typer.Option("--scenario", help="baseline, or downturn (from month 3).")
]
Seed = Annotated[int, typer.Option("--seed", help="Same seed, same population, same report.")]
Start = Annotated[str, typer.Option("--start", help="The first simulated date, YYYY-MM-DD.")]
RunName = Annotated[
    str | None,
    typer.Option(
        "--run", help="The run's folder under $FENGKONG_HOME/sim (default: from the options)."
    ),
]
DatabaseUrl = Annotated[
    str | None,
    typer.Option(
        "--database-url",
        help="An empty database to run on (e.g. postgresql+psycopg://…); default: SQLite in the run's folder.",
    ),
]
Fresh = Annotated[bool, typer.Option("--fresh", help="Start the run over, forgetting its state.")]
Language = Annotated[str, typer.Option("--language", help="en or zh: the report's language.")]


def _start(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise Invalid((FieldError(("start",), "a date, YYYY-MM-DD"),)) from None


def _language(text: str) -> str:
    if text not in ("en", "zh"):
        raise Invalid((FieldError(("language",), "en or zh", "unknown_language", ("en", "zh")),))
    return text


def _settings(language: str) -> Settings:
    """The configured settings, logs quiet but for warnings, once `language` is known good."""
    from fengkong.core.settings import load_settings
    from fengkong.logs import configure_logging

    _language(language)
    settings = load_settings()
    configure_logging(settings.log_format, "WARNING")
    return settings


def _plan(
    months: int,
    per_day: int,
    scenario: str,
    seed: int,
    start: str,
    policy: str,
    model: str,
    businesses_per_day: int = 0,
    business_policy: str = DEFAULT_BUSINESS_POLICY,
) -> RunPlan:
    from fengkong.sim.plan import RunPlan
    from fengkong.sim.run import check_plan
    from fengkong.sim.scenarios import scenario as named_scenario
    from fengkong.sim.setup import check_model_source

    check_plan(months, per_day, businesses_per_day)
    return RunPlan(
        seed=seed,
        months=months,
        applicants_per_day=per_day,
        scenario=named_scenario(scenario),
        start=_start(start),
        policy=policy,
        model=check_model_source(model),
        businesses_per_day=businesses_per_day,
        business_policy=business_policy,
    )


def default_run_name(plan: RunPlan) -> str:
    policy = Path(plan.policy).name.removesuffix(".yaml")
    name = (
        f"{plan.scenario.name}-{policy}-{plan.model}-s{plan.seed}"
        f"-{plan.months}m-{plan.applicants_per_day}pd"
    )
    if plan.businesses_per_day:
        business = Path(plan.business_policy).name.removesuffix(".yaml")
        name += f"-{business}-{plan.businesses_per_day}bpd"
    return name


class DayProgress:
    """A progress bar on stderr for simulated days: how many are done, and days per second."""

    def __init__(self, progress: Any, label: str, total: int) -> None:
        self.progress = progress
        self.task = progress.add_task(label, total=total, rate="-", date="")
        self.started = time.monotonic()
        self.first = 0

    def on_start(self, state: Any) -> None:
        self.first = int(state.next_day)
        self.started = time.monotonic()
        self.progress.update(self.task, completed=self.first)

    def after_day(self, day: int, on: date) -> None:
        rate = (day + 1 - self.first) / max(time.monotonic() - self.started, 1e-9)
        self.progress.update(self.task, completed=day + 1, rate=f"{rate:.1f}", date=str(on))


@contextmanager
def day_progress(label: str, total: int) -> Iterator[DayProgress]:
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeElapsedColumn,
    )

    with Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("days · {task.fields[rate]} days/s · {task.fields[date]}"),
        TimeElapsedColumn(),
        console=err,
        transient=True,
    ) as progress:
        yield DayProgress(progress, label, total)


def run_with_progress(
    settings: Settings,
    plan: RunPlan,
    folder: Path,
    *,
    database_url: str | None,
    fresh: bool,
    label: str = "simulating",
) -> RunOutcome:
    """Run `plan` with a progress bar on stderr: simulated days done, and days per second."""
    from fengkong.sim.run import simulate

    with day_progress(label, plan.days) as bar:
        return simulate(
            settings,
            plan,
            folder,
            database_url=database_url,
            fresh=fresh,
            after_day=bar.after_day,
            on_start=bar.on_start,
        )


def outcome_document(outcome: RunOutcome) -> dict[str, Any]:
    from fengkong.sim.report import summary

    return {
        "folder": str(outcome.folder),
        "report": str(outcome.report),
        "database": outcome.database,
        "model": outcome.model,
        "params": outcome.state.params,
        "books_verified": outcome.books_ok,
        "audit_records": outcome.audit_records,
        "journal_entries": outcome.journal_entries,
        "summary": summary(outcome.state.stats),
    }


def print_outcome(outcome: RunOutcome, language: str) -> None:
    from fengkong.sim.report import render

    render(outcome.state.stats, out, language=language)
    verdict = "verified" if outcome.books_ok else "FAILED verification"
    out.print(
        f"ledger and audit chain: {verdict} ({outcome.audit_records:,} audit records, "
        f"{outcome.journal_entries:,} journal entries)"
    )
    out.print(f"database: {outcome.database}", highlight=False, soft_wrap=True)
    out.print(f"report:   {outcome.report}", highlight=False, soft_wrap=True)


@app.callback()
@cli_errors
def simulate(
    ctx: typer.Context,
    months: Months = 12,
    applicants_per_day: PerDay = 10,
    scenario: ScenarioOpt = "baseline",
    policy: Annotated[
        str, typer.Option("--policy", help="A shipped policy (retail-v3, demo-german) or a file.")
    ] = DEFAULT_POLICY,
    model: Annotated[
        str, typer.Option("--model", help="history (the lender's simulated past) or german.")
    ] = "history",
    businesses_per_day: BusinessesPerDay = 0,
    business_policy: BusinessPolicy = DEFAULT_BUSINESS_POLICY,
    seed: Seed = 0,
    start: Start = DEFAULT_START,
    run: RunName = None,
    database_url: DatabaseUrl = None,
    fresh: Fresh = False,
    language: Language = "en",
    as_json: JsonOpt = False,
) -> None:
    """Simulate a lender's months: arrivals, onboarding, fraud signals, decisions, the officer's
    review, offers, payouts, repayments and misses, end of day, collections, freezes and
    write-offs, through the platform's own use cases; with --businesses-per-day, small
    businesses too, decided under their own policy on documents the run's provider serves.
    Prints a monthly table and writes an HTML report; resumable."""
    if ctx.invoked_subcommand is not None:
        return
    settings = _settings(language)
    plan = _plan(
        months,
        applicants_per_day,
        scenario,
        seed,
        start,
        policy,
        model,
        businesses_per_day,
        business_policy,
    )
    folder = settings.home / "sim" / (run or default_run_name(plan))
    outcome = run_with_progress(settings, plan, folder, database_url=database_url, fresh=fresh)
    if as_json:
        emit_json(outcome_document(outcome))
    else:
        print_outcome(outcome, language)


@app.command("compare")
@cli_errors
def compare(
    policy: Annotated[
        list[str] | None,
        typer.Option("--policy", help="Twice to compare two policies; once for both runs."),
    ] = None,
    model: Annotated[
        list[str] | None,
        typer.Option("--model", help="Twice to compare two models (history, german)."),
    ] = None,
    months: Months = 12,
    applicants_per_day: PerDay = 10,
    scenario: ScenarioOpt = "baseline",
    seed: Seed = 0,
    start: Start = DEFAULT_START,
    run: RunName = None,
    fresh: Fresh = False,
    language: Language = "en",
    as_json: JsonOpt = False,
) -> None:
    """Run the same seeded population under two policies (`--policy A --policy B`) or two
    models (`--model history --model german`) and show the difference in approvals, losses and
    profit; writes a comparison report beside the two runs."""
    from fengkong.sim.report import compare_summary, compare_table, write_compare_html

    settings = _settings(language)
    policies, models = list(policy or [DEFAULT_POLICY]), list(model or ["history"])
    if len(policies) + len(models) != 3 or len(policies) > 2 or len(models) > 2:
        raise Invalid(
            (
                FieldError(
                    ("policy",),
                    "give two policies (--policy A --policy B) or two models "
                    "(--model history --model german), and at most one of the other",
                ),
            )
        )
    pairs = [(p, m) for p in policies for m in models]
    plans = [_plan(months, applicants_per_day, scenario, seed, start, p, m) for p, m in pairs]
    labels = tuple(
        Path(p).name.removesuffix(".yaml") if len(policies) == 2 else m for p, m in pairs
    )
    name = run or f"compare-{labels[0]}-vs-{labels[1]}-s{seed}-{months}m"
    outcomes = [
        run_with_progress(
            settings,
            plan,
            settings.home / "sim" / name / label,
            database_url=None,
            fresh=fresh,
            label=f"simulating {label}",
        )
        for plan, label in zip(plans, labels, strict=True)
    ]
    a, b = outcomes[0].state.stats, outcomes[1].state.stats
    pair = (labels[0], labels[1])
    report = write_compare_html(
        a, b, pair, settings.home / "sim" / name / "compare.html", language=language
    )
    if as_json:
        doc = compare_summary(a, b, pair)
        emit_json({"report": str(report), "runs": [outcome_document(o) for o in outcomes], **doc})
        return
    out.print(compare_table(a, b, pair, language=language))
    out.print(f"report: {report}", highlight=False, soft_wrap=True)
