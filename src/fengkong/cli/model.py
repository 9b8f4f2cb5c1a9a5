"""`fengkong model`: train, list and promote credit models."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from fengkong.cli.common import JsonOpt, cli_errors, context, emit_json, err, out

app = typer.Typer(help="Credit models: train, list, promote.", no_args_is_help=True)


@app.command("train")
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

    ctx = context()
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


@app.command("list")
@cli_errors
def model_list(as_json: JsonOpt = False) -> None:
    """Every registered model version with its status and test AUC."""
    ctx = context()
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


@app.command("promote")
@cli_errors
def model_promote(version: str, as_json: JsonOpt = False) -> None:
    """Make VERSION the champion that scores new applications."""
    from fengkong.scoring.registry import promote

    ctx = context()
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
