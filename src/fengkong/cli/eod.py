"""`fengkong eod` (and `fengkong servicing eod`): parse the date, run end of day with a progress
bar on stderr (naming the step of `lending.eod_steps.EOD_STEPS` it is in), and print what it
did: a summary table, or one JSON document with `--json`. `fengkong eod-steps` lists the steps."""

from __future__ import annotations

import threading
from datetime import date
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    ProgressColumn,
    Task,
    TextColumn,
    TimeRemainingColumn,
)
from rich.table import Table
from rich.text import Text

from fengkong.cli.common import JsonOpt, cli_errors, emit_json, err, out
from fengkong.core.errors import FieldError, Invalid
from fengkong.core.money import format_fen

DateOpt = Annotated[
    str | None,
    typer.Option("--date", help="Business date YYYY-MM-DD (default: today's business date)."),
]
SimulateOpt = Annotated[
    bool,
    typer.Option(
        "--simulate",
        help="SIMULATION: allow a date after today's business date. The books really move to "
        "that date (interest accrued, loans aged, written off); without it such a date is "
        "refused.",
    ),
]
# What each headline figure is called on screen (`lending.eod_dates.SUMMARY`).
SUMMARY_LABELS = {
    "loans": "loans accrued",
    "bucket_moves": "bucket moves",
    "lines_frozen": "lines frozen",
    "lines_closed": "lines closed",
    "written_off": "written off",
    "entries": "journal entries",
    "postings": "postings",
}
SHOW_AFTER_SECONDS = 1.0
MONEY_ROWS = 7  # dates shown one by one; a longer catch-up is shown as one total
AMOUNTS = ("interest_fen", "penalty_fen", "fee_fen", "provision_change_fen")


def business_date(text: str | None, today: date) -> date:
    if text is None:
        return today
    try:
        return date.fromisoformat(text)
    except ValueError as exc:
        raise Invalid((FieldError(("date",), f"not a date: {text!r}"),)) from exc


class _Rate(ProgressColumn):
    def render(self, task: Task) -> Text:
        speed = task.finished_speed or task.speed
        return Text("" if speed is None else f"{speed:,.0f} loans/s", style="progress.data.speed")


class BarMeter:
    """`EodMeter` drawn as a Rich progress bar on stderr (loans/s, ETA), shown only once a run
    has taken longer than a second, and gone when it ends."""

    def __init__(self, console: Console) -> None:
        self.progress = Progress(
            TextColumn("end of day {task.fields[day]} {task.fields[step]}"),
            BarColumn(),
            MofNCompleteColumn(),
            _Rate(),
            TimeRemainingColumn(),
            console=console,
            transient=True,
        )
        self.task = self.progress.add_task("eod", total=None, day="", step="")
        self.done = 0
        self._timer = threading.Timer(SHOW_AFTER_SECONDS, self.progress.start)
        self._timer.daemon = True

    def __enter__(self) -> BarMeter:
        self._timer.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._timer.cancel()
        self.progress.stop()

    def begin_date(self, business_date: date, loans: int, dates_left: int) -> None:
        # Later dates are guessed to hold as many loans as this one: enough for an ETA.
        left = f" (+{dates_left - 1} more)" if dates_left > 1 else ""
        self.progress.update(
            self.task,
            total=self.done + loans * dates_left,
            day=f"{business_date.isoformat()}{left}",
        )

    def begin_step(self, name: str, label: str) -> None:
        self.progress.update(self.task, step=f"· {label}")

    def advance(self, loans: int) -> None:
        self.done += loans
        self.progress.advance(self.task, loans)


def run_eod(
    svc: Any,
    text: str | None,
    *,
    steps: Any = (),
    simulate: bool = False,
    as_json: bool = False,
    partitions: int = 1,
    chunk: int | None = None,
    started_by: str,
    engine: str = "local",
    dask_address: str | None = None,
    spark_master: str | None = None,
) -> None:
    """Run end of day for the date in `text`, started by `started_by` (an audit name), its
    loans' arithmetic on `engine` (`cli.engine_options`), and print the report."""
    from fengkong.cli.engine_options import engine_runner
    from fengkong.lending.eod import run_end_of_day
    from fengkong.lending.eod_dates import EodDateInFuture

    day = business_date(text, svc.clock.business_date())
    try:
        with engine_runner(engine, dask_address, spark_master) as runner, BarMeter(err) as meter:
            report = run_end_of_day(
                day,
                svc,
                partitions=partitions,
                chunk=chunk,
                steps=steps,
                simulate=simulate,
                meter=meter,
                started_by=started_by,
                runner=runner,
            )
    except EodDateInFuture as exc:
        raise Invalid(
            (
                FieldError(
                    ("date",),
                    f"{exc.requested} is after today's business date {exc.today}; "
                    "pass --simulate to run a future date on purpose",
                    "date_in_future",
                ),
            )
        ) from exc
    doc = report.as_dict()
    if as_json:
        emit_json(doc)
        return
    if report.already_done:
        out.print(f"end of day {day} was already done; nothing to do", highlight=False)
        return
    if report.simulated:
        out.print(
            f"[bold yellow]SIMULATION[/]: {day} is after today's business date "
            f"{report.today}; the books now stand at {day}",
            highlight=False,
        )
    render(doc)


def render(doc: dict[str, Any]) -> None:
    ran = doc["ran"]
    span = ran[0] if len(ran) == 1 else f"{ran[0]} to {ran[-1]} ({len(ran)} dates)"
    summary = Table("", "count", title=f"end of day {span}")
    for name, label in SUMMARY_LABELS.items():
        summary.add_row(label, f"{doc['summary'][name]:,}")
    out.print(summary)
    money = Table("date", "interest", "penalty", "fees", "provision Δ", title="amounts booked")
    rows = list(doc["totals"].items())
    if len(rows) > MONEY_ROWS:  # a long catch-up: one line for all its dates
        rows = [(span, {k: sum(t[k] for _, t in rows) for k in AMOUNTS})]
    for d, t in rows:
        money.add_row(d, *(format_fen(t[k]) for k in AMOUNTS))
    out.print(money)
    unstamped = [d for d, t in doc["totals"].items() if t.get("checkpoint_untimestamped")]
    if unstamped:
        err.print(
            f"[bold yellow]warning[/]: the checkpoint of {', '.join(unstamped)} has no timestamp"
            " token (the timestamping authority failed; see the log and the audit record"
            " `eod.checkpoint_untimestamped`); `fengkong audit head` writes a timestamped one.",
            highlight=False,
        )


@cli_errors
def steps(as_json: JsonOpt = False) -> None:
    """The steps of end of day, in the order they run (日终步骤): name, labels and scope (once per
    date or per loan partition); with --json also what each does and what a rerun after a
    crash resumes from."""
    from fengkong.lending.eod_steps import steps_as_dicts

    listed = steps_as_dicts()
    if as_json:
        emit_json({"steps": listed})
        return
    table = Table("#", "step", "中文", "English", "scope", title="end of day, in order")
    for item in listed:
        table.add_row(str(item["number"]), item["name"], item["zh"], item["en"], item["scope"])
    out.print(table)
