"""`fengkong model`: train, list and promote credit models."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from fengkong.cli.common import JsonOpt, actor_of_cli, cli_errors, context, emit_json, err, out

app = typer.Typer(help="Credit models: train, list, promote.", no_args_is_help=True)


@app.command("train")
@cli_errors
def model_train(
    data: Annotated[Path, typer.Option(help="CSV or Parquet file, one row per application.")],
    target: Annotated[str, typer.Option(help="Target column: 1/bad = defaulted.")],
    kind: Annotated[
        str | None, typer.Option(help="scorecard or gbm (default: the config's, else scorecard).")
    ] = None,
    time_col: Annotated[
        str | None,
        typer.Option(help="Split out of time on this column: oldest train, newest test."),
    ] = None,
    config: Annotated[
        Path | None, typer.Option(help="YAML file of model, split and calibration parameters.")
    ] = None,
    rejects: Annotated[
        Path | None,
        typer.Option(help="Declined applications without outcome, for reject inference."),
    ] = None,
    name: Annotated[
        str, typer.Option(help="Registry name the model serves under.")
    ] = "application",
    promote: Annotated[bool, typer.Option(help="Make the new model the champion.")] = True,
    seed: Annotated[int | None, typer.Option(help="Split seed (overrides the config).")] = None,
    as_json: JsonOpt = False,
) -> None:
    """Split, fit, calibrate, evaluate and register a scorecard or a GBM; writes the points
    table, SQL and an HTML report beside the artifact."""
    import dataclasses

    from fengkong.scoring.lab import register_result, train_model
    from fengkong.scoring.lab_config import load_config
    from fengkong.scoring.model_admin import register_audited_model
    from fengkong.scoring.train import read_table

    settings = load_config(config) if config is not None else None
    if settings is not None and seed is not None:
        settings = dataclasses.replace(settings, seed=seed)
    elif seed is not None:
        from fengkong.scoring.lab_config import TrainingConfig

        settings = TrainingConfig(seed=seed)
    if kind is not None and kind not in ("scorecard", "gbm"):
        from fengkong.core.errors import FieldError, Invalid

        raise Invalid((FieldError(("kind",), f"must be scorecard or gbm, got {kind!r}"),))
    frame = read_table(data)
    declined = read_table(rejects, "rejects") if rejects is not None else None
    ctx = context()
    with err.status(f"training on {len(frame):,} rows…"):
        result = train_model(
            frame,
            target,
            kind=kind,  # type: ignore[arg-type]
            time_col=time_col,
            config=settings,
            rejects=declined,
        )
    model = register_audited_model(
        ctx.uow(),
        lambda models: register_result(
            result, models, ctx.artifacts_dir, name=name, clock=ctx.clock
        ),
        promote=promote,
        actor=actor_of_cli(),
        clock=ctx.clock,
    )
    artifact = ctx.artifacts_dir / model.path
    doc = {
        "version": model.version,
        "kind": model.kind,
        "sha256": model.sha256,
        "status": "champion" if promote else model.status.value,
        "features": list(model.features),
        "metrics": model.metrics,
        "artifact": str(artifact),
        "report": str(artifact.with_name(f"{model.version}.report.html")),
    }
    if as_json:
        emit_json(doc)
        return
    table = Table(title=f"model {model.version} ({model.kind})")
    table.add_column("split")
    for metric in ("n", "bad_rate", "auc", "gini", "ks", "brier"):
        table.add_column(metric, justify="right")
    for split in ("train", "validation", "test"):
        m = model.metrics[split]
        table.add_row(
            split,
            f"{m['n']:.0f}",
            f"{m['bad_rate']:.3f}",
            f"{m['auc']:.3f}",
            f"{m['gini']:.3f}",
            f"{m['ks']:.3f}",
            f"{m['brier']:.3f}",
        )
    out.print(table)
    out.print(f"PSI train→test: {model.metrics['stability']['psi_train_test']:.4f}")
    if "reject_inference" in model.metrics:
        ri = model.metrics["reject_inference"]
        out.print(
            f"reject inference ({ri['method']}): test AUC {ri['auc_before']:.3f} → "
            f"{ri['auc_after']:.3f}, approval {ri['approval_rate_before']:.1%} → "
            f"{ri['approval_rate_after']:.1%}"
        )
    out.print(f"status: {doc['status']}; artifact: {doc['artifact']}; report: {doc['report']}")


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
def model_promote(
    version: str,
    challenger: Annotated[
        bool,
        typer.Option(
            "--challenger",
            help="Make VERSION the challenger instead (traffic share and mode from settings).",
        ),
    ] = False,
    as_json: JsonOpt = False,
) -> None:
    """Make VERSION the champion that scores new applications (audited)."""
    from fengkong.scoring.model_admin import promote_model

    ctx = context()
    model, previous = promote_model(
        ctx.uow(), version, challenger=challenger, actor=actor_of_cli(), clock=ctx.clock
    )
    role = "challenger" if challenger else "champion"
    doc = {role: model.version, "previous": previous.version if previous else None}
    if as_json:
        emit_json(doc)
    else:
        then = "returned to candidate" if challenger else "retired"
        out.print(
            f"{model.version} is the {role}" + (f"; {previous.version} {then}" if previous else "")
        )
