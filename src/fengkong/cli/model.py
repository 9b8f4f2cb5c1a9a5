"""`fengkong model`: train and list credit models; promote one under maker-checker."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from fengkong.access.permissions import Permission
from fengkong.cli.common import JsonOpt, acting, cli_errors, context, emit_json, err, out

app = typer.Typer(
    help="Credit models: train, list, request and approve promotion.", no_args_is_help=True
)


KeepOpt = Annotated[
    list[str] | None,
    typer.Option("--keep", help="Train on this column whatever its profile verdict (repeatable)."),
]
ExcludeOpt = Annotated[
    list[str] | None,
    typer.Option("--exclude", help="Never train on this column (repeatable)."),
]
SepOpt = Annotated[
    str | None,
    typer.Option(
        "--sep",
        help="Separator of a text file (one character, or tab, comma, semicolon, pipe); "
        "default: by name, ',' for .csv, tab for .tsv (also .gz).",
    ),
]
OrdinalOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--ordinal",
        help="An ordered category, COL=LOWEST,…,HIGHEST (grade=A,B,C,D): binned (scorecard) or "
        "ranked (GBM) in this order; repeatable. Grades, sub-grades and ranges are recognised "
        "without it.",
    ),
]
DATA_HELP = "CSV, TSV, Parquet or gzip CSV/TSV file, one row per application."


def parse_ordinal(values: list[str] | None) -> dict[str, tuple[str, ...]]:
    """`--ordinal COL=A,B,C` options as column -> order; a malformed one is `Invalid`."""
    from fengkong.core.errors import FieldError, Invalid

    orders: dict[str, tuple[str, ...]] = {}
    for value in values or ():
        column, _, listed = value.partition("=")
        order = tuple(v.strip() for v in listed.split(",") if v.strip())
        if not column.strip() or len(order) < 2 or len(set(order)) != len(order):
            raise Invalid(
                (
                    FieldError(
                        ("ordinal",),
                        f"expected COL=A,B,C (two or more distinct values), got {value!r}",
                    ),
                )
            )
        orders[column.strip()] = order
    return orders


def _profile_table(profile: Any) -> Table:
    from fengkong.scoring.profile import profile_rows

    table = Table(title=f"data profile: {profile.rows:,} rows, bad rate {profile.bad_rate:.3f}")
    for head in ("column", "type", "missing", "distinct", "sentinels", "IV", "AUC", "verdict"):
        table.add_column(head, justify="left" if head in ("column", "type") else "right")
    table.add_column("reason")
    for r in profile_rows(profile):
        table.add_row(
            r["column"],
            r["type"],
            f"{r['missing']:.1%}",
            f"{r['distinct']:,}",
            r["sentinels"],
            "" if r["iv"] is None else f"{r['iv']:.3f}",
            "" if r["auc"] is None else f"{r['auc']:.3f}",
            r["verdict"],
            r["reason"],
            style=None if r["verdict"] in ("feature", "target") else "dim",
        )
    return table


@app.command("profile")
@cli_errors
def model_profile(
    data: Annotated[Path, typer.Argument(help=DATA_HELP)],
    target: Annotated[str, typer.Option(help="Target column: 1/bad = defaulted.")],
    time_col: Annotated[
        str | None, typer.Option(help="The time column a split would order by (not a feature).")
    ] = None,
    keep: KeepOpt = None,
    exclude: ExcludeOpt = None,
    sep: SepOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Profile DATA before training: per column its type, missing share, distinct values,
    sentinel candidates (96/98, 365243…), IV, single-column AUC and a verdict with its reason
    (feature, id or row index, constant, leakage suspect, excluded). `model train` trains on
    the `feature` columns only; --keep and --exclude override."""
    from fengkong.scoring.profile import profile_frame
    from fengkong.scoring.train import read_table

    acting(context(), Permission.MODELS_TRAIN)
    frame = read_table(data, sep=sep)
    profile = profile_frame(
        frame, target, exclude=exclude or (), keep=keep or (), time_col=time_col
    )
    if as_json:
        emit_json({**profile.as_dict(), "features": list(profile.features)})
        return
    out.print(_profile_table(profile))
    out.print(f"features: {len(profile.features)} of {len(profile.columns) - 1} columns")


@app.command("train")
@cli_errors
def model_train(
    data: Annotated[Path, typer.Option(help=DATA_HELP)],
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
    seed: Annotated[int | None, typer.Option(help="Split seed (overrides the config).")] = None,
    keep: KeepOpt = None,
    exclude: ExcludeOpt = None,
    ordinal: OrdinalOpt = None,
    sep: SepOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Profile the data (as `model profile` does, printed first), then split, choose the
    settings by cross-validation of the training part, refit on train + validation, calibrate,
    evaluate once on test and register a scorecard or a GBM as a candidate, trained on the columns the
    profile judges features (--keep/--exclude override; the profile's leakage screen looks at
    the training part only); ordered categories are recognised or declared with --ordinal;
    writes the points table, SQL and an HTML report beside the artifact. `request-promotion` asks for it to become the champion,
    which another person approves."""
    import dataclasses

    from fengkong.scoring.lab import train_model
    from fengkong.scoring.lab_config import TrainingConfig, load_config
    from fengkong.scoring.train import read_table

    settings = load_config(config) if config is not None else TrainingConfig()
    settings = dataclasses.replace(
        settings,
        seed=settings.seed if seed is None else seed,
        keep=(*settings.keep, *(keep or ())),
        exclude=(*settings.exclude, *(exclude or ())),
        ordinal={**settings.ordinal, **parse_ordinal(ordinal)},
    )
    if kind is not None and kind not in ("scorecard", "gbm"):
        from fengkong.core.errors import FieldError, Invalid

        raise Invalid((FieldError(("kind",), f"must be scorecard or gbm, got {kind!r}"),))
    ctx = context()
    actor = acting(ctx, Permission.MODELS_TRAIN)
    frame = read_table(data, sep=sep)
    declined = read_table(rejects, "rejects", sep=sep) if rejects is not None else None
    with err.status(f"training on {len(frame):,} rows…"):
        result = train_model(
            frame,
            target,
            kind=kind,  # type: ignore[arg-type]
            time_col=time_col,
            config=settings,
            rejects=declined,
        )
    # The profile the model was trained on: its IV, AUC and leakage verdicts are measured on the
    # training part of the split.
    profile = result.profile
    assert profile is not None  # `train_model` always profiles
    if not as_json:
        out.print(_profile_table(profile))
    extra = {"profile": profile.as_dict()} if as_json else None
    _register_and_show(ctx, actor.audit_name, result, name, as_json, extra)


def _register_and_show(
    ctx: Any, actor: str, result: Any, name: str, as_json: bool, extra: dict[str, Any] | None = None
) -> None:
    """Register a trained model as a candidate (audited) and show its metrics."""
    from fengkong.scoring.lab import register_result
    from fengkong.scoring.model_admin import register_audited_model

    model = register_audited_model(
        ctx.uow(),
        lambda models: register_result(
            result, models, ctx.artifacts_dir, name=name, clock=ctx.clock
        ),
        actor=actor,
        clock=ctx.clock,
    )
    artifact = ctx.artifacts_dir / model.path
    doc = {
        "version": model.version,
        "kind": model.kind,
        "sha256": model.sha256,
        "status": model.status.value,
        "features": list(model.features),
        "metrics": model.metrics,
        "artifact": str(artifact),
        "report": str(artifact.with_name(f"{model.version}.report.html")),
        **(extra or {}),
    }
    if as_json:
        emit_json(doc)
        return
    table = Table(title=f"model {model.version} ({model.kind})")
    table.add_column("split")
    for metric in ("n", "bad_rate", "auc", "auc 95% CI", "gini", "ks", "brier", "ece"):
        table.add_column(metric, justify="right")
    for split in ("train", "validation", "test"):
        m = model.metrics[split]
        ci = m.get("auc_ci")
        table.add_row(
            split,
            f"{m['n']:.0f}",
            f"{m['bad_rate']:.3f}",
            f"{m['auc']:.3f}",
            f"{ci['low']:.3f}–{ci['high']:.3f}" if ci else "",
            f"{m['gini']:.3f}",
            f"{m['ks']:.3f}",
            f"{m['brier']:.3f}",
            f"{m['ece']:.3f}" if "ece" in m else "",
        )
    out.print(table)
    gap = model.metrics.get("gap")
    if gap:
        out.print(
            f"AUC gap train−validation {gap['train_validation_auc']:.3f}, "
            f"train−test {gap['train_test_auc']:.3f} / 训练集与测试集 AUC 差 "
            f"{gap['train_test_auc']:.3f}"
        )
    out.print(f"PSI train→test: {model.metrics['stability']['psi_train_test']:.4f}")
    if "reject_inference" in model.metrics:
        ri = model.metrics["reject_inference"]
        out.print(
            f"reject inference ({ri['method']}): test AUC {ri['auc_before']:.3f} → "
            f"{ri['auc_after']:.3f}, approval {ri['approval_rate_before']:.1%} → "
            f"{ri['approval_rate_after']:.1%}"
        )
    out.print(f"status: {doc['status']}; artifact: {doc['artifact']}; report: {doc['report']}")


@app.command("train-behaviour")
@cli_errors
def model_train_behaviour(
    as_of: Annotated[
        str | None,
        typer.Option(
            "--as-of",
            help="Cut the books at this date YYYY-MM-DD (default: today's business date).",
        ),
    ] = None,
    window_months: Annotated[
        int, typer.Option(help="Months after each month end in which the outcome is watched.")
    ] = 6,
    bad_dpd: Annotated[int, typer.Option(help="Days past due that make a borrower bad.")] = 30,
    kind: Annotated[str, typer.Option(help="scorecard or gbm.")] = "scorecard",
    seed: Annotated[int, typer.Option(help="Split seed.")] = 0,
    table_out: Annotated[
        Path | None, typer.Option("--table-out", help="Also write the training table (CSV) here.")
    ] = None,
    as_json: JsonOpt = False,
) -> None:
    """Train the behaviour model (贷后行为评分) from the books: one row per borrower active at
    each month end whose outcome window has closed, with the behaviour features as of that
    day and whether the borrower went BAD_DPD days past due within WINDOW_MONTHS; split out of
    time, registered as a candidate under the name `behaviour`. Once promoted (`model
    request-promotion`, then an approver's `model approve`), end of day re-scores every active
    borrower with it and the line rules act on the score (docs/post-loan.md)."""
    from fengkong.lending.behaviour import BEHAVIOUR_MODEL
    from fengkong.lending.behaviour_model import fit_behaviour_model
    from fengkong.lending.rescoring import TARGET, training_table

    ctx = context()
    actor = acting(ctx, Permission.MODELS_TRAIN)
    day = as_of if as_of is not None else ctx.clock.business_date()
    with err.status("reading the books…"):
        rows = training_table(day, ctx.rescoring, window_months, bad_dpd)
    bads = sum(int(r[TARGET]) for r in rows)
    if table_out is not None:
        import pandas as pd

        pd.DataFrame(rows).to_csv(table_out, index=False)
    with err.status(f"training on {len(rows):,} borrower-months ({bads:,} bad)…"):
        result = fit_behaviour_model(rows, kind=kind, seed=seed)
    extra = {"rows": len(rows), "bad": bads, "window_months": window_months, "bad_dpd": bad_dpd}
    _register_and_show(ctx, actor.audit_name, result, BEHAVIOUR_MODEL, as_json, extra)


@app.command("list")
@cli_errors
def model_list(as_json: JsonOpt = False) -> None:
    """Every registered model version with its status and test AUC."""
    ctx = context()
    acting(ctx, Permission.MODELS_READ)
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


@app.command("request-promotion")
@cli_errors
def model_request_promotion(
    version: str,
    challenger: Annotated[
        bool,
        typer.Option(
            "--challenger",
            help="Ask for VERSION to be the challenger instead (share and mode from settings).",
        ),
    ] = False,
    reason: Annotated[str | None, typer.Option(help="Why, for the approver.")] = None,
    as_json: JsonOpt = False,
) -> None:
    """Ask, as the logged-in risk manager, for VERSION to become the champion that scores new
    applications; an approver other than you approves it (`model approve REQUEST_ID`)."""
    from fengkong.scoring.model_admin import request_model_promotion

    ctx = context()
    maker = acting(ctx, Permission.MODELS_TRAIN)
    request = request_model_promotion(
        ctx.uow(),
        version,
        challenger=challenger,
        maker=maker,
        clock=ctx.clock,
        reason=reason,
    )
    role = request.payload["role"]
    doc = {"request_id": request.id, "version": version, "role": role, "maker": request.maker}
    if as_json:
        emit_json(doc)
    else:
        out.print(f"{request.id}: {version} as {role} awaits an approver")


@app.command("approve")
@cli_errors
def model_approve(request_id: str, as_json: JsonOpt = False) -> None:
    """Approve a pending promotion as the logged-in approver (not who asked): the model becomes
    the champion (or the challenger), audited with both names."""
    from fengkong.scoring.model_admin import approve_model_promotion

    ctx = context()
    checker = acting(ctx, Permission.APPROVALS_DECIDE)
    model, previous = approve_model_promotion(
        ctx.uow(), request_id, checker=checker, clock=ctx.clock
    )
    role = model.status.value
    doc = {role: model.version, "previous": previous.version if previous else None}
    if as_json:
        emit_json(doc)
    else:
        then = "returned to candidate" if role == "challenger" else "retired"
        out.print(
            f"{model.version} is the {role}" + (f"; {previous.version} {then}" if previous else "")
        )


@app.command("reject")
@cli_errors
def model_reject(
    request_id: str,
    reason: Annotated[str, typer.Option(help="Why, for who asked.")],
    as_json: JsonOpt = False,
) -> None:
    """Refuse a pending promotion as the logged-in approver; the registry does not change."""
    from fengkong.scoring.model_admin import reject_model_promotion

    ctx = context()
    checker = acting(ctx, Permission.APPROVALS_DECIDE)
    request = reject_model_promotion(
        ctx.uow(), request_id, checker=checker, reason=reason, clock=ctx.clock
    )
    if as_json:
        emit_json({"request_id": request.id, "status": request.status.value})
    else:
        out.print(f"{request.id} rejected: {request.subject} is not promoted")
