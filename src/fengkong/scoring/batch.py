"""Batch scoring of a file (CSV or Parquet) with a registered model, chunk by chunk, vectorized.

The output holds every input column plus `score`, `pd` and `reason_1`…`reason_4` (the adverse
reason codes, most points lost first; empty where fewer factors cost points). The scores are
exactly those of the online path (`LoadedModel.score`, one row at a time).

Bad input, as documented for the online path: a missing value (empty cell, NaN) takes the
missing bin, and so does a category never seen in training; an infinite number or a text in a
numeric feature is refused (`Invalid`, naming the column); a feature column absent from the
file is refused before any row is scored.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pandas as pd

from fengkong.core.errors import FieldError, Invalid, NotFound
from fengkong.scoring.registry import MAX_REASONS, LoadedModel

REASON_COLUMNS: tuple[str, ...] = tuple(f"reason_{i + 1}" for i in range(MAX_REASONS))
OUTPUT_COLUMNS: tuple[str, ...] = ("score", "pd", *REASON_COLUMNS)
CHUNK_ROWS = 200_000


def _kind(path: Path, loc: str) -> str:
    suffix = path.suffix.lower()
    if suffix == ".parquet":
        return "parquet"
    if suffix in (".csv", ".txt"):
        return "csv"
    raise Invalid((FieldError((loc,), f"unsupported file type {suffix!r}: use CSV or Parquet"),))


def columns_of(path: Path) -> tuple[str, ...]:
    if not path.exists():
        raise NotFound(f"no data file at {path}")
    if _kind(path, "data") == "parquet":
        import pyarrow.parquet as pq

        return tuple(pq.read_schema(path).names)
    return tuple(str(c) for c in pd.read_csv(path, nrows=0).columns)


def count_rows(path: Path) -> int:
    """Rows in the file (for progress): Parquet metadata, or newlines of a CSV minus header."""
    if _kind(path, "data") == "parquet":
        import pyarrow.parquet as pq

        return int(pq.ParquetFile(path).metadata.num_rows)
    with path.open("rb") as fh:
        lines = sum(block.count(b"\n") for block in iter(lambda: fh.read(1 << 20), b""))
    return max(lines - 1, 0)


def check_columns(available: tuple[str, ...] | list[str], model: LoadedModel) -> None:
    missing = [f for f in model.features if f not in set(available)]
    if missing:
        raise Invalid(
            (FieldError(("data",), f"missing columns the model needs: {', '.join(missing)}"),)
        )


def chunks(path: Path, chunk_rows: int = CHUNK_ROWS) -> Iterator[pd.DataFrame]:
    if _kind(path, "data") == "parquet":
        import pyarrow.parquet as pq

        for batch in pq.ParquetFile(path).iter_batches(batch_size=chunk_rows):
            yield batch.to_pandas()
        return
    yield from pd.read_csv(path, chunksize=chunk_rows)


def score_frame(model: LoadedModel, frame: pd.DataFrame) -> pd.DataFrame:
    """`frame` with the output columns added."""
    check_columns(list(frame.columns), model)
    scores = model.score_frame(frame)
    out = frame.copy()
    out["score"] = scores.score
    out["pd"] = scores.pd
    for column, codes in zip(REASON_COLUMNS, scores.reasons, strict=True):
        out[column] = codes
    return out


def score_file(
    model: LoadedModel,
    data: Path,
    out: Path,
    *,
    chunk_rows: int = CHUNK_ROWS,
    on_chunk: Callable[[int], None] | None = None,
) -> int:
    """Score `data` into `out` (CSV or Parquet, by suffix); returns the number of rows.
    `on_chunk(rows)` is called after each chunk, for a progress bar."""
    out_kind = _kind(out, "out")
    check_columns(columns_of(data), model)
    clashing = [c for c in OUTPUT_COLUMNS if c in columns_of(data)]
    if clashing:
        raise Invalid((FieldError(("data",), f"columns would be overwritten: {clashing}"),))
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(out.name + ".partial")
    total = 0
    writer = None
    schema = None
    try:
        for i, chunk in enumerate(chunks(data, chunk_rows)):
            scored = score_frame(model, chunk)
            if out_kind == "csv":
                scored.to_csv(tmp, mode="w" if i == 0 else "a", header=i == 0, index=False)
            else:
                import pyarrow as pa
                import pyarrow.parquet as pq

                if writer is None:
                    schema = pa.Schema.from_pandas(scored, preserve_index=False)
                    writer = pq.ParquetWriter(tmp, schema)
                writer.write_table(
                    pa.Table.from_pandas(scored, schema=schema, preserve_index=False)
                )
            total += len(scored)
            if on_chunk is not None:
                on_chunk(len(scored))
        if writer is not None:
            writer.close()
            writer = None
        if total == 0:
            raise Invalid((FieldError(("data",), "the file has no rows"),))
        tmp.replace(out)
    finally:
        if writer is not None:
            writer.close()
        tmp.unlink(missing_ok=True)
    return total
