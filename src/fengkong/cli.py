"""`fengkong`: the command line. Each command parses, calls a service, and prints — a table for
people, or one JSON document on stdout with `--json`. Progress and logs go to stderr."""

from __future__ import annotations

import functools
import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any, ParamSpec, TypeVar

import typer
from pydantic import ValidationError
from rich.console import Console
from rich.table import Table

from fengkong.core.errors import FengkongError, FieldError, Invalid
from fengkong.core.settings import load_settings
from fengkong.logs import configure_logging

P = ParamSpec("P")
R = TypeVar("R")

app = typer.Typer(
    name="fengkong",
    help="Fengkong (风控): risk control for online lenders.",
    no_args_is_help=True,
    add_completion=False,
)
db_app = typer.Typer(help="Database schema.", no_args_is_help=True)
model_app = typer.Typer(help="Credit models: train, list, promote.", no_args_is_help=True)
app.add_typer(db_app, name="db")
app.add_typer(model_app, name="model")

out = Console()
err = Console(stderr=True)
JsonOpt = Annotated[bool, typer.Option("--json", help="Print one JSON document on stdout.")]

EXIT_INVALID = 2
EXIT_FAILED = 1


def cli_errors(fn: Callable[P, R]) -> Callable[P, R]:
    """Domain errors become a message on stderr and a non-zero exit: 2 for bad input, 1 else."""

    @functools.wraps(fn)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return fn(*args, **kwargs)
        except ValidationError as exc:
            _report(invalid_from_pydantic(exc))
            raise typer.Exit(EXIT_INVALID) from None
        except FengkongError as exc:
            _report(exc)
            raise typer.Exit(EXIT_INVALID if isinstance(exc, Invalid) else EXIT_FAILED) from None

    return wrapper


def invalid_from_pydantic(exc: ValidationError) -> Invalid:
    return Invalid(tuple(FieldError(tuple(e["loc"]), e["msg"], e["type"]) for e in exc.errors()))


def _report(exc: FengkongError) -> None:
    err.print(f"[bold red]error[/]: {exc.title.lower()}", highlight=False)
    if isinstance(exc, Invalid):
        for e in exc.errors:
            where = ".".join(map(str, e.loc)) or "(input)"
            err.print(f"  {where}: {e.msg}", highlight=False, markup=False)
    else:
        err.print(f"  {exc.detail}", highlight=False, markup=False)


def emit_json(document: Any) -> None:
    sys.stdout.write(json.dumps(document, ensure_ascii=False, indent=2, default=str) + "\n")


def _context() -> Any:
    from fengkong.bootstrap import bootstrap

    settings = load_settings()
    configure_logging(settings.log_format, settings.log_level)
    return bootstrap(settings)


@db_app.command("upgrade")
@cli_errors
def db_upgrade(as_json: JsonOpt = False) -> None:
    """Apply every migration the database lacks."""
    from fengkong.db.database import Database
    from fengkong.db.migrate import current_revision, upgrade

    settings = load_settings()
    db = Database(settings.resolved_database_url)
    db.ping()
    upgrade(db)
    revision = current_revision(db)
    if as_json:
        emit_json({"database": db.describe(), "revision": revision})
    else:
        out.print(f"database {db.describe()} is at revision {revision}")


@model_app.command("train")
@cli_errors
def model_train(
    data: Annotated[Path, typer.Option(help="CSV or Parquet file, one row per application.")],
    target: Annotated[str, typer.Option(help="Target column: 1/bad = defaulted.")],
    name: Annotated[
        str, typer.Option(help="Registry name the model serves under.")
    ] = "application",
    promote: Annotated[bool, typer.Option(help="Make the new model the champion.")] = True,
    test_size: Annotated[float, typer.Option(min=0.05, max=0.5)] = 0.3,
    seed: int = 0,
    as_json: JsonOpt = False,
) -> None:
    """Train a WOE scorecard, evaluate it on a held-out split, and register it."""
    from fengkong.scoring.registry import promote as promote_model
    from fengkong.scoring.registry import register_scorecard
    from fengkong.scoring.train import read_table, train_scorecard

    ctx = _context()
    frame = read_table(data)
    with err.status(f"training a scorecard on {len(frame):,} rows…"):
        trained = train_scorecard(frame, target, test_size=test_size, seed=seed)
    with ctx.uow() as uow:
        model = register_scorecard(
            uow.models,
            ctx.artifacts_dir,
            name=name,
            scorecard=trained.model.scorecard_,
            data_fingerprint=trained.data_fingerprint,
            params=trained.params,
            metrics=trained.metrics,
            clock=ctx.clock,
        )
        if promote:
            promote_model(uow.models, model.version)
        uow.commit()
    result = {
        "version": model.version,
        "sha256": model.sha256,
        "status": "champion" if promote else model.status.value,
        "features": list(model.features),
        "metrics": trained.metrics,
        "artifact": str(ctx.artifacts_dir / model.path),
    }
    if as_json:
        emit_json(result)
        return
    table = Table(title=f"model {model.version}")
    table.add_column("split")
    for metric in ("n", "bad_rate", "auc", "gini", "ks"):
        table.add_column(metric, justify="right")
    for split, m in trained.metrics.items():
        table.add_row(
            split,
            f"{m['n']:.0f}",
            f"{m['bad_rate']:.3f}",
            f"{m['auc']:.3f}",
            f"{m['gini']:.3f}",
            f"{m['ks']:.3f}",
        )
    out.print(table)
    out.print(f"status: {result['status']}; artifact: {result['artifact']}")


@model_app.command("list")
@cli_errors
def model_list(as_json: JsonOpt = False) -> None:
    """Every registered model version with its status and test AUC."""
    ctx = _context()
    with ctx.uow() as uow:
        models = uow.models.list()
    rows = [
        {
            "version": m.version,
            "status": m.status.value,
            "created_at": m.created_at.isoformat(),
            "sha256": m.sha256,
            "test_auc": m.metrics.get("test", {}).get("auc"),
        }
        for m in models
    ]
    if as_json:
        emit_json(rows)
        return
    table = Table("version", "status", "created", "test AUC", "sha256")
    for r in rows:
        auc = f"{r['test_auc']:.3f}" if r["test_auc"] is not None else "-"
        table.add_row(r["version"], r["status"], r["created_at"][:19], auc, r["sha256"][:12])
    out.print(table)


@model_app.command("promote")
@cli_errors
def model_promote(version: str, as_json: JsonOpt = False) -> None:
    """Make VERSION the champion that scores new applications."""
    from fengkong.scoring.registry import promote

    ctx = _context()
    with ctx.uow() as uow:
        model, previous = promote(uow.models, version)
        uow.commit()
    doc = {"champion": model.version, "retired": previous.version if previous else None}
    if as_json:
        emit_json(doc)
    else:
        out.print(
            f"{model.version} is the champion"
            + (f"; {previous.version} retired" if previous else "")
        )


@app.command("apply")
@cli_errors
def apply(
    file: Annotated[Path, typer.Argument(help="Application JSON, as POST /v1/applications takes.")],
    as_json: JsonOpt = False,
) -> None:
    """Submit one application from a JSON file and print the decision."""
    from fengkong.api.schemas import ApplicationIn, DecisionOut
    from fengkong.decision.service import submit_application

    try:
        body = ApplicationIn.model_validate_json(file.read_bytes())
    except FileNotFoundError:
        raise Invalid((FieldError(("file",), f"no such file: {file}"),)) from None
    ctx = _context()
    request = body.to_request(ctx.clock.business_date())
    decision = submit_application(request, ctx.decisions)
    result = DecisionOut.of(decision, request.amount)
    if as_json:
        emit_json(result.model_dump(mode="json"))
        return
    out.print(f"application {result.application_id}: [bold]{result.outcome}[/]")
    out.print(f"score {result.score}, probability of default {result.probability_of_default}")
    if result.approved_amount:
        out.print(f"approved amount ¥{result.approved_amount}")
    for r in result.reasons:
        out.print(f"  {r.code}: {r.text_en} / {r.text_zh}", markup=False)


@app.command("serve")
@cli_errors
def serve(
    host: str = "127.0.0.1",
    port: int = 8000,
    workers: Annotated[int, typer.Option(min=1)] = 1,
) -> None:
    """Run the HTTP API (OpenAPI page at /docs, health at /healthz, metrics at /metrics)."""
    import uvicorn

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
        factory=True,
    )


@app.command("demo")
@cli_errors
def demo(
    rows_out: Annotated[int, typer.Option("--holdout", help="Rows held back.", min=50)] = 300,
    seed: int = 0,
    as_json: JsonOpt = False,
) -> None:
    """Train on part of the shipped German credit data, decide the rest through the live service,
    and report what the model and policy did."""
    from fengkong.demo import render, run_demo

    settings = load_settings()
    configure_logging(settings.log_format, "WARNING")
    report = run_demo(settings, holdout=rows_out, seed=seed, console=err)
    if as_json:
        emit_json(report.as_dict())
    else:
        render(report, out)


if __name__ == "__main__":
    app()
