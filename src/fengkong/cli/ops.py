"""`fengkong serve` and `fengkong demo`."""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import Annotated

import typer

from fengkong.cli.common import JsonOpt, cli_errors, emit_json, err, out


@cli_errors
def serve(
    host: str = "127.0.0.1",
    port: int = 8000,
    workers: Annotated[int, typer.Option(min=1)] = 1,
) -> None:
    """Run the HTTP API (OpenAPI page at /docs, health at /healthz, metrics at /metrics)."""
    import uvicorn

    from fengkong.core.settings import load_settings
    from fengkong.logs import configure_logging

    settings = load_settings()
    configure_logging("json", settings.log_level)
    if workers > 1:
        # Before anything imports prometheus_client: the workers inherit the variable, and each
        # writes its metrics there, so a scrape of any worker shows the whole server.
        os.environ[MULTIPROC_ENV] = str(metrics_dir(settings.home))
    from fengkong.bootstrap import bootstrap

    started = bootstrap(settings)  # migrate once, before any worker starts
    try:
        if settings.read_database_url is not None:
            started.reads.db.ping()  # an unreachable replica refuses the start, not a report
    finally:
        started.close()
    uvicorn.run(
        "fengkong.web.main:build",
        host=host,
        port=port,
        workers=workers,
        log_config=None,
        access_log=False,  # the app logs each request itself, with its route template
        factory=True,
    )


MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"


def metrics_dir(home: Path) -> Path:
    """An empty directory for the workers' metric files: the one `PROMETHEUS_MULTIPROC_DIR`
    names, else `$FENGKONG_HOME/run/metrics`. Emptied at every start, or a previous run's
    counters would be added to this one's."""
    named = os.environ.get(MULTIPROC_ENV)
    where = Path(named) if named else home / "run" / "metrics"
    shutil.rmtree(where, ignore_errors=True)
    where.mkdir(parents=True)
    return where.resolve()


@cli_errors
def demo(
    rows_out: Annotated[int, typer.Option("--holdout", help="Rows held back.", min=50)] = 300,
    seed: int = 0,
    months: Annotated[
        int, typer.Option("--months", help="Months of the lender's simulated year.", min=1, max=60)
    ] = 12,
    applicants_per_day: Annotated[
        int, typer.Option("--applicants-per-day", help="The lender's weekday volume.", min=1)
    ] = 2,
    database_url: Annotated[
        str | None,
        typer.Option(
            "--database-url", help="An empty database for the lender's book (default: SQLite)."
        ),
    ] = None,
    as_json: JsonOpt = False,
) -> None:
    """The whole platform at work: a scorecard trained on the shipped German credit data decides
    the held-back rows under every shipped policy; then a lender's last twelve months are
    simulated day by day (a scorecard trained on its simulated history, decisions, reviews,
    loans and lines, repayments, end of day, collections, write-offs), with an HTML report; then
    the demo's people and a channel key are made to browse it."""
    from fengkong.core.settings import load_settings
    from fengkong.logs import configure_logging

    settings = load_settings()
    configure_logging(settings.log_format, "WARNING")
    with err.status("starting: loading pandas and scikit-learn…"):
        from fengkong.cli.simulate import day_progress
        from fengkong.demo import render, run_demo
    report = run_demo(
        settings,
        holdout=rows_out,
        seed=seed,
        months=months,
        applicants_per_day=applicants_per_day,
        database_url=database_url,
        console=err,
        progress=day_progress,
    )
    if as_json:
        emit_json(report.as_dict())
    else:
        render(report, out)
