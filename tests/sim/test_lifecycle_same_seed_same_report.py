"""The same seed gives the same run: two runs of one plan on SQLite report exactly the same
summary, monthly figures and month-end portfolio, and so does a run of it on PostgreSQL, whose
books balance and whose audit chain verifies as on SQLite. Only the rows' ids differ from one
database to another, so what is compared names none."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from fengkong.lending.credit_lines import get_line
from fengkong.lending.line import LineStatus
from fengkong.sim.plan import RunPlan
from fengkong.sim.run import RunOutcome, simulate
from sim.lifecycle_runs import (
    draws_past_due,
    run_context,
    sim_settings,
    total,
    verify,
    without_ids,
)


@pytest.fixture(scope="module")
def second_run(tmp_path_factory: pytest.TempPathFactory, small_plan: RunPlan) -> RunOutcome:
    home = tmp_path_factory.mktemp("second-run")
    return simulate(sim_settings(home / "home"), small_plan, home / "run")


@pytest.fixture(scope="module")
def postgres_run(
    tmp_path_factory: pytest.TempPathFactory,
    small_plan: RunPlan,
    postgres_schemas: Callable[[], str],
) -> tuple[RunOutcome, Path, str]:
    """The plan run on a fresh PostgreSQL schema: its outcome, home and database URL."""
    home, url = tmp_path_factory.mktemp("postgres-run"), postgres_schemas()
    return (
        simulate(sim_settings(home / "home"), small_plan, home / "run", database_url=url),
        home,
        url,
    )


def test_the_plan_is_not_empty(small_run: RunOutcome) -> None:
    stats = small_run.state.stats
    assert total(stats, "applications") > 300
    assert total(stats, "loans_booked") > 10 and total(stats, "draws") > 5
    assert total(stats, "missed") > 0 and stats.snapshots


def test_two_sqlite_runs_report_the_same(small_run: RunOutcome, second_run: RunOutcome) -> None:
    assert second_run.folder != small_run.folder
    assert without_ids(second_run.state.stats) == without_ids(small_run.state.stats)
    assert [m.as_dict() for m in second_run.state.stats.months] == [
        m.as_dict() for m in small_run.state.stats.months
    ]
    assert second_run.journal_entries == small_run.journal_entries
    assert second_run.audit_records == small_run.audit_records


@pytest.mark.postgres
def test_postgresql_reports_as_sqlite(
    small_run: RunOutcome, postgres_run: tuple[RunOutcome, Path, str]
) -> None:
    outcome = postgres_run[0]
    assert outcome.database.startswith("postgresql")
    assert small_run.database.startswith("sqlite")
    assert without_ids(outcome.state.stats) == without_ids(small_run.state.stats)
    assert [m.as_dict() for m in outcome.state.stats.months] == [
        m.as_dict() for m in small_run.state.stats.months
    ]
    assert outcome.journal_entries == small_run.journal_entries


@pytest.mark.postgres
def test_postgresql_books_balance_and_the_chain_verifies(
    small_plan: RunPlan, postgres_run: tuple[RunOutcome, Path, str]
) -> None:
    outcome, home, url = postgres_run
    assert outcome.books_ok and outcome.journal_entries > 0
    with run_context(sim_settings(home / "home"), small_plan, home / "run", url) as ctx:
        report = verify(ctx)
    assert report.ok, report
    assert (report.records, report.entries) == (outcome.audit_records, outcome.journal_entries)


@pytest.mark.postgres
def test_postgresql_freezes_the_lines_of_draws_30_days_past_due(
    small_plan: RunPlan, postgres_run: tuple[RunOutcome, Path, str]
) -> None:
    _, home, url = postgres_run
    with run_context(sim_settings(home / "home"), small_plan, home / "run", url) as ctx:
        lines = {row.line_id for row in draws_past_due(ctx, 30) if row.line_id}
        statuses = [get_line(line_id, ctx.lending).status for line_id in lines]
    assert lines, "the run must hold a line with a draw 30+ days past due"
    assert set(statuses) <= {LineStatus.FROZEN, LineStatus.CLOSED}


def test_sqlite_books_balance_and_the_chain_verifies(
    small_plan: RunPlan, small_run: RunOutcome
) -> None:
    assert small_run.books_ok and small_run.journal_entries > 0
    home = small_run.folder.parent
    with run_context(sim_settings(home / "home"), small_plan, small_run.folder) as ctx:
        report = verify(ctx)
    assert report.ok, report
    assert (report.records, report.entries) == (small_run.audit_records, small_run.journal_entries)
