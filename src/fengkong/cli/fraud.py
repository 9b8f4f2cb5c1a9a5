"""`fengkong fraud`: evaluate the default fraud rules on synthetic traffic; train the anomaly
model."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from fengkong.access.permissions import Permission
from fengkong.cli.common import JsonOpt, acting, cli_errors, context, emit_json, err, out

app = typer.Typer(help="Fraud signals: evaluation, anomaly model.", no_args_is_help=True)


@app.command("evaluate")
@cli_errors
def fraud_evaluate(
    n: Annotated[int, typer.Option(help="Applications in the synthetic stream.", min=1)] = 20_000,
    seed: Annotated[int, typer.Option(help="Seed of the stream.")] = 0,
    as_json: JsonOpt = False,
) -> None:
    """Precision and recall of the default fraud rules on seeded synthetic traffic with known
    fraud, through the real velocity store, lists and identity links (temporary SQLite); no
    login needed, since nothing stored is read."""
    from fengkong.sim.fraud_evaluation import run_evaluation

    started = time.perf_counter()
    with err.status(f"replaying {n:,} applications…") as status:
        report = run_evaluation(
            n, seed, progress=lambda done: status.update(f"replayed {done:,} of {n:,}…")
        )
    seconds = time.perf_counter() - started
    if as_json:
        emit_json({**report.as_dict(), "seconds": round(seconds, 1)})
        return
    d = report.as_dict()
    out.print(
        f"{d['n']:,} applications (seed {seed}), {d['fraud']:,} fraudulent; flagged "
        f"{d['flagged']:,}: precision {d['precision']:.3f}, recall {d['recall']:.3f} "
        f"({seconds:.0f} s)"
    )
    kinds = Table("fraud kind", "applications", "flagged", "recall", "precision vs honest")
    for kind, k in d["kinds"].items():
        kinds.add_row(
            kind,
            str(k["applications"]),
            str(k["flagged"]),
            f"{k['recall']:.3f}",
            f"{k['precision_vs_honest']:.3f}",
        )
    out.print(kinds)
    rules = Table("rule", "fired", "on fraud", "precision")
    for rule, r in d["rules"].items():
        rules.add_row(rule, str(r["fired"]), str(r["on_fraud"]), f"{r['precision']:.3f}")
    out.print(rules)


@app.command("train-anomaly")
@cli_errors
def fraud_train_anomaly(
    data: Annotated[Path, typer.Option(help="CSV or Parquet, one row per application.")],
    threshold: Annotated[
        float, typer.Option(help="Anomaly score from which an application is an outlier.")
    ] = 0.62,
    n_estimators: Annotated[int, typer.Option(help="Trees in the forest.")] = 100,
    seed: Annotated[int, typer.Option(help="Random state.")] = 0,
    as_json: JsonOpt = False,
) -> None:
    """Fit an isolation forest on the feature columns present in DATA and register it under
    `anomaly` as a candidate (audited); `fengkong model request-promotion` asks for it to
    become the champion, which another person approves."""
    from fengkong.core.errors import FieldError, Invalid
    from fengkong.fraud.anomaly import ANOMALY_FEATURES, AnomalyModel
    from fengkong.fraud.anomaly_admin import register_anomaly_model
    from fengkong.scoring.train import read_table

    ctx = context()
    actor = acting(ctx, Permission.MODELS_TRAIN).audit_name
    frame = read_table(data)
    features = tuple(f for f in ANOMALY_FEATURES if f in frame.columns)
    if not features:
        raise Invalid(
            (FieldError(("data",), f"has none of the columns {', '.join(ANOMALY_FEATURES)}"),)
        )
    model = AnomalyModel(features=features, n_estimators=n_estimators, random_state=seed)
    with err.status(f"fitting on {len(frame):,} rows…"):
        model.fit(frame)
    mv = register_anomaly_model(
        ctx.uow(),
        ctx.artifacts_dir,
        model,
        data=frame,
        threshold=threshold,
        actor=actor,
        clock=ctx.clock,
    )
    doc = {
        "version": mv.version,
        "kind": mv.kind,
        "sha256": mv.sha256,
        "status": mv.status.value,
        "features": list(mv.features),
        "metrics": mv.metrics,
        "artifact": str(ctx.artifacts_dir / mv.path),
    }
    if as_json:
        emit_json(doc)
        return
    out.print(
        f"{mv.version} ({mv.kind}, {len(features)} features, {mv.metrics['n']:,} rows): "
        f"{mv.metrics['flagged_share']:.2%} at or above {threshold}; status {doc['status']}"
    )
