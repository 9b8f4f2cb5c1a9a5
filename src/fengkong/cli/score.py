"""`fengkong score`: score a file with a registered model, in chunks, with progress on stderr."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from fengkong.cli.common import JsonOpt, cli_errors, context, emit_json, err, out
from fengkong.core.errors import NotFound


@cli_errors
def score(
    model: Annotated[str, typer.Option("--model", help="Registered model version to score with.")],
    data: Annotated[Path, typer.Option(help="CSV or Parquet file of applications.")],
    out_path: Annotated[
        Path, typer.Option("--out", help="Output file (CSV or Parquet, by suffix).")
    ],
    chunk_rows: Annotated[int, typer.Option(min=1, help="Rows per chunk.")] = 200_000,
    as_json: JsonOpt = False,
) -> None:
    """Add score, PD and adverse reason codes to every row of DATA and write them to OUT."""
    from fengkong.scoring.batch import count_rows, score_file
    from fengkong.scoring.registry import load_model

    ctx = context()
    with ctx.uow() as uow:
        registered = uow.models.get(model)
    if registered is None:
        raise NotFound(f"no model version {model!r}: see `fengkong model list`")
    loaded = load_model(registered, ctx.artifacts_dir)
    total = count_rows(data) if data.exists() else None
    with Progress(
        TextColumn("scoring"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=err,
        transient=True,
    ) as progress:
        task = progress.add_task("scoring", total=total)
        rows = score_file(
            loaded,
            data,
            out_path,
            chunk_rows=chunk_rows,
            on_chunk=lambda n: progress.advance(task, n),
        )
    doc = {"model": loaded.version, "kind": loaded.kind, "rows": rows, "out": str(out_path)}
    if as_json:
        emit_json(doc)
    else:
        out.print(f"scored {rows:,} rows with {loaded.version} into {out_path}")
