"""`fengkong serve` and `fengkong demo`."""

from __future__ import annotations

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
    from fengkong.bootstrap import bootstrap

    bootstrap(settings).close()  # migrate once, before any worker starts
    uvicorn.run(
        "fengkong.api.main:build",
        host=host,
        port=port,
        workers=workers,
        log_config=None,
        access_log=False,  # the app logs each request itself, with its route template
        factory=True,
    )


@cli_errors
def demo(
    rows_out: Annotated[int, typer.Option("--holdout", help="Rows held back.", min=50)] = 300,
    seed: int = 0,
    as_json: JsonOpt = False,
) -> None:
    """Train on part of the shipped German credit data, decide the rest through the live service,
    and report what the model and policy did."""
    from fengkong.core.settings import load_settings
    from fengkong.logs import configure_logging

    settings = load_settings()
    configure_logging(settings.log_format, "WARNING")
    with err.status("starting: loading pandas and scikit-learn…"):
        from fengkong.demo import render, run_demo
    report = run_demo(settings, holdout=rows_out, seed=seed, console=err)
    if as_json:
        emit_json(report.as_dict())
    else:
        render(report, out)
