"""The lifecycle simulator end to end (`fengkong.sim.run.simulate`): simulated applications and
days per second on SQLite and on PostgreSQL for a fixed plan, and the wall time of a 12-month
run at the demo's volume. `python -m bench.simulate` prints the section.

Each run is the whole of `simulate` as `fengkong simulate` calls it: a fresh database, a champion
scorecard trained on the simulated lender's history, then every simulated day (arrivals through
the channel, fraud signals and decision, step-up, the officer's review queue, offers taken and
paid out, line draws, repayments, end of day with its servicing jobs, month-end photographs),
then the books verified and the HTML report written. The rates count only the days: from the
`on_start` hook (the model trained, the run about to start its first day) to the last
`after_day` hook.

`python -m bench.simulate profile [N]` runs the 2-month plan once on SQLite under cProfile and
prints the top N (25 by default) entries by cumulative time and the cumulative seconds of the
run's parts (decision, booking, servicing, each step of end of day); it writes no report.
"""

from __future__ import annotations

import cProfile
import multiprocessing
import os
import pstats
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import sqlalchemy as sa

from bench.harness import Section, cpu_reference_note, machine
from fengkong.core.settings import Settings
from fengkong.demo.run import DEMO_APPLICANTS_PER_DAY, DEMO_MONTHS
from fengkong.logs import configure_logging
from fengkong.sim.book import RunState
from fengkong.sim.plan import RunPlan
from fengkong.sim.run import simulate
from fengkong.sim.scenarios import scenario

PG_URL = os.environ.get(
    "FENGKONG_BENCH_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
START = date(2026, 1, 5)
# A run longer than this is measured once: three would take the shared machine for minutes.
SINGLE_RUN_SECONDS = 60.0
REPEATS = 3


def _plan(months: int, applicants_per_day: int) -> RunPlan:
    return RunPlan(
        seed=0,
        months=months,
        applicants_per_day=applicants_per_day,
        scenario=scenario("baseline"),
        start=START,
        policy="retail-v3",
        model="history",
    )


RATE_PLAN = _plan(months=2, applicants_per_day=20)
DEMO_PLAN = _plan(months=DEMO_MONTHS, applicants_per_day=DEMO_APPLICANTS_PER_DAY)  # the demo's plan


@dataclass(frozen=True, slots=True)
class SimRun:
    """One measured run: what it did and how long its parts took, in seconds."""

    applications: int
    loans_booked: int
    lines_opened: int
    days: int
    total_s: float  # the whole `simulate` call
    setup_s: float  # database, migrations and the champion's training, up to `on_start`
    days_s: float  # `on_start` to the last `after_day`
    books_ok: bool

    @property
    def finish_s(self) -> float:
        """Verifying the books and writing the report, after the last day."""
        return self.total_s - self.setup_s - self.days_s

    @property
    def applications_per_s(self) -> float:
        return self.applications / self.days_s

    @property
    def days_per_s(self) -> float:
        return self.days / self.days_s


def run_once(plan: RunPlan, home: Path, database_url: str | None = None) -> SimRun:
    """`simulate(plan)` in a new folder under `home`, on `database_url` (default: SQLite in the
    run's folder), timed through its hooks."""
    settings = Settings(env="test", home=home)
    configure_logging(settings.log_format, "WARNING")  # as `fengkong simulate` runs
    marks: dict[str, float] = {}

    def on_start(state: RunState) -> None:
        marks["start"] = time.perf_counter()

    def after_day(day: int, on: date) -> None:
        marks["end"] = time.perf_counter()

    began = time.perf_counter()
    outcome = simulate(
        settings,
        plan,
        home / f"run-{uuid.uuid4().hex[:8]}",
        database_url=database_url,
        fresh=True,
        on_start=on_start,
        after_day=after_day,
    )
    total = time.perf_counter() - began
    months = outcome.state.stats.months
    return SimRun(
        applications=sum(m.applications for m in months),
        loans_booked=sum(m.loans_booked for m in months),
        lines_opened=sum(m.lines_opened for m in months),
        days=plan.days,
        total_s=total,
        setup_s=marks["start"] - began,
        days_s=marks["end"] - marks["start"],
        books_ok=outcome.books_ok,
    )


@contextmanager
def postgres_schema() -> Iterator[str]:
    """The URL of a fresh schema in the PostgreSQL database, dropped afterwards."""
    schema = f"bench_sim_{uuid.uuid4().hex[:8]}"
    admin = sa.create_engine(PG_URL)
    with admin.begin() as conn:
        conn.execute(sa.text(f'create schema "{schema}"'))
    sep = "&" if "?" in PG_URL else "?"
    try:
        yield f"{PG_URL}{sep}options=-csearch_path%3D{schema}"
    finally:
        with admin.begin() as conn:
            conn.execute(sa.text(f'drop schema if exists "{schema}" cascade'))
        admin.dispose()


def _on_postgres(plan: RunPlan, home: Path) -> SimRun:
    with postgres_schema() as url:
        return run_once(plan, home, url)


def _on_sqlite(plan: RunPlan, home: Path) -> SimRun:
    return run_once(plan, home)


def _in_a_new_process(plan: RunPlan, home: Path) -> SimRun:
    """`run_once` on SQLite in a new interpreter, as a user's `fengkong simulate` starts: what
    the run loads on first use (training, the report's libraries) is loaded inside the timing,
    not left warm by the runs before it."""
    with multiprocessing.get_context("spawn").Pool(1) as pool:
        return pool.apply(run_once, (plan, home))


def whole_demo() -> tuple[float, bool]:
    """`fengkong demo` from a new process in a fresh home: its wall-clock seconds, and whether it
    exited 0."""
    with tempfile.TemporaryDirectory() as tmp:
        env = {**os.environ, "FENGKONG_HOME": tmp}
        command = [sys.executable, "-c", "from fengkong.cli import app; app()", "demo", "--json"]
        started = time.perf_counter()
        done = subprocess.run(command, env=env, capture_output=True, check=False)
        return time.perf_counter() - started, done.returncode == 0


def measured(runner: Callable[[RunPlan, Path], SimRun], plan: RunPlan, home: Path) -> list[SimRun]:
    """One run, and two more when the first took under `SINGLE_RUN_SECONDS` in all."""
    runs = [runner(plan, home)]
    if runs[0].total_s < SINGLE_RUN_SECONDS:
        runs += [runner(plan, home) for _ in range(REPEATS - 1)]
    return runs


def _median(runs: list[SimRun]) -> SimRun:
    return sorted(runs, key=lambda r: r.days_s)[len(runs) // 2]


def _how_many(runs: list[SimRun]) -> str:
    if len(runs) == 1:
        return "1 run (over a minute)"
    return f"median of {len(runs)}: " + " / ".join(f"{r.days_s:.1f}" for r in runs) + " s"


def _plan_words(plan: RunPlan) -> str:
    return (
        f"{plan.months} months from {plan.start.isoformat()} ({plan.days} days), "
        f"{plan.applicants_per_day} applicants a weekday"
    )


def _rate_row(label: str, runs: list[SimRun]) -> tuple[str, ...]:
    middle = _median(runs)
    return (
        label,
        f"{middle.applications_per_s:,.1f}",
        f"{middle.days_per_s:,.2f}",
        f"{middle.applications:,}",
        f"{middle.loans_booked:,} (+ {middle.lines_opened:,} lines)",
        f"{middle.days_s:,.1f}",
        _how_many(runs),
    )


def run() -> Section:
    section = Section(
        title="The lifecycle simulator, end to end",
        command="python -m bench simulate",
        lines=[
            "`fengkong.sim.run.simulate` as `fengkong simulate` calls it, seed 0, baseline "
            "economy, policy `retail-v3`, a champion scorecard trained on the simulated lender's "
            'history (`model="history"`), each run on a fresh database (SQLite file in the '
            "run's folder; PostgreSQL in a fresh schema of the local server, dropped after). "
            "Every simulated day goes through the platform's use cases: arrivals applying "
            "through the channel (onboarding, fraud signals, decision, step-up), the officer's "
            "review queue, offers taken and paid out, line draws, repayments, and end of day "
            "with its servicing jobs, the portfolio snapshot and early warning; month ends are "
            "photographed for the report. "
            f"Rates: {_plan_words(RATE_PLAN)}, counting only the days, from the `on_start` "
            "hook (database migrated, model trained) to the last `after_day` hook; the one-off "
            "training before and the books' verification and HTML report after are left out. "
            f"Demo volume: {_plan_words(DEMO_PLAN)}, on SQLite, the whole `simulate` call "
            "including training and report, in a new interpreter of its own. A measurement "
            "whose first run took over a minute in all is that one run; a shorter one is the "
            f"median of {REPEATS} runs by the days' seconds.",
        ],
        table_header=(
            "run",
            "applications/s",
            "simulated days/s",
            "applications",
            "loans booked",
            "seconds (days only)",
            "runs",
        ),
    )
    load_before = os.getloadavg()[0]
    with tempfile.TemporaryDirectory() as tmp:
        home = Path(tmp)
        sqlite = measured(_on_sqlite, RATE_PLAN, home)
        section.rows.append(_rate_row("2 months × 20 a day, SQLite (file, WAL)", sqlite))
        try:
            postgres = measured(_on_postgres, RATE_PLAN, home)
            section.rows.append(_rate_row("2 months × 20 a day, PostgreSQL (local, TCP)", postgres))
        except sa.exc.OperationalError as exc:
            postgres = []
            section.notes.append(f"PostgreSQL not measured: {exc.orig}")
        demo = measured(_in_a_new_process, DEMO_PLAN, home)
    whole = _median(demo)
    label = (
        f"{DEMO_PLAN.months} months × {DEMO_PLAN.applicants_per_day} a day (the demo's plan), "
        f"SQLite: {whole.total_s:,.1f} s whole run"
    )
    section.rows.append(_rate_row(label, demo))
    section.notes.append(
        f"The demo's plan, whole run on SQLite, {_how_many(demo)}: {whole.total_s:,.1f} s in "
        f"all: {whole.setup_s:,.1f} s opening the database and training the model (the "
        f"libraries' first imports included), {whole.days_s:,.1f} s for "
        f"{whole.days} simulated days, {whole.finish_s:,.1f} s verifying the books and "
        "writing the report."
    )
    demo_s, demo_ok = whole_demo()
    section.notes.append(
        f"`fengkong demo` as a user runs it (the German slice, the lender's year on SQLite, "
        f"its report, the logins), in a process of its own, 1 run: {demo_s:,.1f} s"
        + ("" if demo_ok else " — it FAILED")
        + "."
    )
    for label, runs in (("SQLite", sqlite), ("PostgreSQL", postgres)):
        if runs:
            middle = _median(runs)
            section.notes.append(
                f"{label}, 2-month plan: {middle.setup_s:,.1f} s database and training before "
                f"the days and {middle.finish_s:,.1f} s after them (not in the rates)."
            )
    if not all(r.books_ok for r in sqlite + postgres + demo):
        section.notes.append("A run's books did NOT verify: its figures are suspect.")
    section.notes.append(
        "Loans booked are instalment loans paid out; credit lines opened are counted beside "
        "them (their draws are not). The runs are seeded, so every run of a plan makes the "
        "same applications and bookings."
    )
    section.notes += [
        f"Machine: {machine()}. 1-minute load average {load_before:.1f} before the runs and "
        f"{os.getloadavg()[0]:.1f} after: other work on the machine is in these figures.",
        cpu_reference_note(),
    ]
    return section


# ---- profile ------------------------------------------------------------------------------------

PARTS = (
    ("decision: Window.apply (booking included)", "sim/window.py", "apply"),
    ("  submit_application", "decision/service.py", "submit_application"),
    ("  booking: Window._take_loan", "sim/window.py", "_take_loan"),
    ("  booking: Window._open_line", "sim/window.py", "_open_line"),
    ("review queue", "sim/window.py", "work_review_queue"),
    ("line draws", "sim/engine.py", "_draws"),
    ("repayments", "sim/engine.py", "_payments"),
    ("end of day", "sim/engine.py", "_end_of_day"),
    ("  open", "lending/eod_steps.py", "open_date"),
    ("  quiet loans", "lending/eod_steps.py", "close_quiet_loans"),
    ("  other loans", "lending/eod_steps.py", "close_other_loans"),
    ("  servicing", "lending/eod_steps.py", "run_servicing"),
    ("    black list", "lending/blacklist_trigger.py", "blacklist_step"),
    ("    auto-debit", "lending/autodebit.py", "autodebit_step"),
    ("    guarantee", "lending/guarantee.py", "guarantee_step"),
    ("    collateral", "lending/collateral_service.py", "collateral_step"),
    ("    collections", "lending/collections.py", "collections_step"),
    ("    reminders", "lending/reminders.py", "reminder_step"),
    ("  close (and audit checkpoint)", "lending/eod_steps.py", "close_date"),
    ("month-end photograph", "sim/portfolio.py", "photograph"),
    ("state saved each day", "sim/book.py", "save"),
)


def _cumulative(stats: pstats.Stats, path_end: str, name: str) -> float:
    table = stats.stats  # type: ignore[attr-defined]  # pstats keeps its table untyped
    return float(
        sum(
            row[3]
            for (path, _, function), row in table.items()
            if function == name and path.endswith(path_end)
        )
    )


def profile(top: int = 25) -> str:
    """The 2-month plan once on SQLite under cProfile: the top entries by cumulative time and
    the cumulative seconds of the run's parts."""
    profiler = cProfile.Profile()
    with tempfile.TemporaryDirectory() as tmp:
        profiler.enable()
        sim = run_once(RATE_PLAN, Path(tmp))
        profiler.disable()
    stats = pstats.Stats(profiler).sort_stats("cumulative")
    lines = [
        f"{_plan_words(RATE_PLAN)} on SQLite under cProfile: {sim.total_s:,.1f} s in all, "
        f"{sim.days_s:,.1f} s of days, {sim.applications:,} applications, "
        f"{sim.loans_booked:,} loans booked",
        "",
        "cumulative seconds of the run's parts:",
    ]
    lines += [f"  {label:<44} {_cumulative(stats, p, n):8.1f}" for label, p, n in PARTS]
    lines += ["", f"top {top} by cumulative time:"]
    print("\n".join(lines), flush=True)
    stats.print_stats(top)
    return "\n".join(lines)


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "profile":
        profile(int(sys.argv[2]) if len(sys.argv) > 2 else 25)
    else:
        print(run().markdown())
    sys.exit(0)
