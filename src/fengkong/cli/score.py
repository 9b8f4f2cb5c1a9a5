"""`fengkong score`: score a file with a registered model, in chunks, with progress on stderr."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from fengkong.cli.common import (
    EXIT_INVALID,
    JsonOpt,
    acting,
    cli_errors,
    context,
    emit_json,
    err,
    failure,
    out,
)
from fengkong.cli.engine_options import (
    DaskAddressOpt,
    EngineOpt,
    PartitionsOpt,
    SparkMasterOpt,
    check_engine,
    engine_runner,
)
from fengkong.core.errors import NotFound


@cli_errors
def score(
    model: Annotated[str, typer.Option("--model", help="Registered model version to score with.")],
    data: Annotated[
        Path, typer.Option(help="CSV, TSV, Parquet or gzip CSV/TSV file of applications.")
    ],
    out_path: Annotated[
        Path, typer.Option("--out", help="Output file (CSV or Parquet, by suffix).")
    ],
    errors: Annotated[
        Path | None,
        typer.Option(
            help="Error report (CSV: row, column, value, message) of the rows refused for a "
            "value outside its allowed set; default: beside OUT, as OUT-STEM.errors.csv."
        ),
    ] = None,
    chunk_rows: Annotated[int, typer.Option(min=1, help="Rows per chunk.")] = 200_000,
    sep: Annotated[
        str | None,
        typer.Option(
            help="Separator of a text file (one character, or tab, comma, semicolon, pipe); "
            "default: by name, ',' for .csv, tab for .tsv (also .gz)."
        ),
    ] = None,
    no_reasons: Annotated[
        bool,
        typer.Option(
            "--no-reasons",
            help="Add score and PD only: no reason codes (a GBM then skips its per-feature "
            "SHAP contributions and scores many times faster).",
        ),
    ] = False,
    engine: EngineOpt = "local",
    dask_address: DaskAddressOpt = None,
    spark_master: SparkMasterOpt = None,
    partitions: PartitionsOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Add score, PD and adverse reason codes to every row of DATA and write them to OUT
    (score and PD only with --no-reasons).

    A row with a value outside its field's allowed set (housing "castle") is not scored: it is
    listed in the error report, the other rows are scored, and the exit code is 2. Exit 0 when
    every row was scored. With --engine dask or spark each chunk's rows are scored on the
    cluster, PARTITIONS slices at a time; the file is read and written here."""
    from fengkong.access.permissions import Permission
    from fengkong.scoring.batch import count_rows, score_file
    from fengkong.scoring.registry import load_model

    check_engine(engine, dask_address, spark_master)
    ctx = context()
    acting(ctx, Permission.MODELS_TRAIN)
    with ctx.uow() as uow:
        registered = uow.models.get(model)
    if registered is None:
        raise NotFound(f"no model version {model!r}: see `fengkong model list`")
    loaded = load_model(registered, ctx.artifacts_dir)
    total = count_rows(data, sep) if data.is_file() else None
    with (
        engine_runner(engine, dask_address, spark_master) as runner,
        Progress(
            TextColumn("scoring"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=err,
            transient=True,
        ) as progress,
    ):
        task = progress.add_task("scoring", total=total)
        result = score_file(
            loaded,
            data,
            out_path,
            errors=errors,
            chunk_rows=chunk_rows,
            on_chunk=lambda n: progress.advance(task, n),
            sep=sep,
            reasons=not no_reasons,
            runner=runner,
            partitions=partitions,
        )
    doc: dict[str, Any] = {
        "model": loaded.version,
        "kind": loaded.kind,
        "rows": result.scored,
        "reasons": not no_reasons,
        "engine": engine,
        "rejected": result.rejected,
        "out": str(out_path),
        "errors_file": None if result.errors is None else str(result.errors),
    }
    if result.rejected:
        doc |= failure(
            "rows_rejected",
            "Rows refused",
            f"{result.rejected} row(s) refused for values outside their allowed sets, listed in "
            f"{result.errors}; the other {result.scored} scored into {out_path}",
            EXIT_INVALID,
            category="invalid",
        )
        doc["errors"] = [e.as_field_error().as_dict() for e in result.first_errors]
    if as_json:
        emit_json(doc)
    else:
        out.print(f"scored {result.scored:,} rows with {loaded.version} into {out_path}")
        if result.rejected:
            err.print(
                f"[bold red]refused[/] {result.rejected:,} rows: see {result.errors}",
                highlight=False,
                soft_wrap=True,
            )
            for e in result.first_errors[:5]:
                err.print(f"  row {e.row}, {e.column}: {e.message}", markup=False, soft_wrap=True)
    if result.rejected:
        raise typer.Exit(EXIT_INVALID)
