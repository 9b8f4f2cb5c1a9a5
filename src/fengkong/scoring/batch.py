"""Batch scoring of a file (CSV, TSV, Parquet or gzip CSV/TSV: `scoring.tables`) with a registered model, chunk by chunk, vectorized.

The output holds every input column plus `score`, `pd` and `reason_1`…`reason_4` (the adverse
reason codes, most points lost first; empty where fewer factors cost points). The scores are
exactly those of the online path (`LoadedModel.score`, one row at a time). Without reasons
(`reasons=False`, the CLI's `--no-reasons`) only `score` and `pd` are added, and a GBM skips
its TreeSHAP contributions, the bulk of its scoring time.

Bad input, as documented for the online path: a missing value (empty cell, NaN) takes the
missing bin; a value outside an enumerated field's allowed set (`features.codebook`, the same
sets the application schema checks) refuses its row: the row is left out of OUT and listed in
the error report (`row`, 1 = the first data row; `column`; `value`; `message`), and the other
rows are scored. An infinite number or a text in a numeric feature is refused (`Invalid`,
naming the column); a feature column absent from the file is refused before any row is scored.

Each chunk can be cut into partitions scored by a `core.partitions.PartitionRunner` (in this
process by default; on Dask or Spark through `fengkong.distributed`): every partition goes
through the same `score_frame`, and the driver reads, checks codes and writes, so the output is
the same file whichever runs it.
"""

from __future__ import annotations

import csv
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import partial
from pathlib import Path

import pandas as pd

from fengkong.core.errors import FieldError, Invalid
from fengkong.core.partitions import (
    IN_PROCESS,
    FrameRunner,
    PartitionRunner,
    bounds,
    partition_count,
)
from fengkong.features.codebook import ALLOWED_VALUES, check_value
from fengkong.scoring.registry import MAX_REASONS, LoadedModel
from fengkong.scoring.tables import table_chunks, table_columns, table_rows

REASON_COLUMNS: tuple[str, ...] = tuple(f"reason_{i + 1}" for i in range(MAX_REASONS))
OUTPUT_COLUMNS: tuple[str, ...] = ("score", "pd", *REASON_COLUMNS)
CHUNK_ROWS = 200_000
ERROR_COLUMNS: tuple[str, ...] = ("row", "column", "value", "message")
FIRST_ERRORS = 20  # row errors kept in the result, for a summary; the report has them all


@dataclass(frozen=True, slots=True)
class RowError:
    """One refused value of one row of a scoring file; `row` 1 is the first data row."""

    row: int
    column: str
    value: str
    message: str

    def as_field_error(self) -> FieldError:
        error = check_value(self.column, self.value, ("data", self.row, self.column))
        return error or FieldError(("data", self.row, self.column), self.message)


@dataclass(frozen=True, slots=True)
class BatchScored:
    """What `score_file` did: rows scored into OUT, rows refused (listed in `errors`)."""

    scored: int
    rejected: int
    errors: Path | None  # the error report, written only when rows were refused
    first_errors: tuple[RowError, ...] = ()


def errors_path_for(out: Path) -> Path:
    """Where the error report goes by default: beside OUT, `scored.parquet` → `scored.errors.csv`."""
    return out.with_name(f"{out.stem}.errors.csv")


def _kind(path: Path, loc: str) -> str:
    suffix = path.suffix.lower()
    if suffix == ".parquet":
        return "parquet"
    if suffix in (".csv", ".txt"):
        return "csv"
    raise Invalid((FieldError((loc,), f"unsupported file type {suffix!r}: use CSV or Parquet"),))


def columns_of(path: Path, sep: str | None = None) -> tuple[str, ...]:
    return table_columns(path, "data", sep=sep)


def count_rows(path: Path, sep: str | None = None) -> int:
    """Rows in the file (for progress): Parquet metadata, or newlines of a text file minus its
    header."""
    return table_rows(path, "data", sep=sep)


def check_columns(available: tuple[str, ...] | list[str], model: LoadedModel) -> None:
    missing = [f for f in model.features if f not in set(available)]
    if missing:
        raise Invalid(
            (FieldError(("data",), f"missing columns the model needs: {', '.join(missing)}"),)
        )


def chunks(
    path: Path, chunk_rows: int = CHUNK_ROWS, sep: str | None = None
) -> Iterator[pd.DataFrame]:
    yield from table_chunks(path, chunk_rows, "data", sep=sep)


def output_columns(reasons: bool = True) -> tuple[str, ...]:
    """The columns scoring adds: score and PD, and the reason codes unless `reasons` is False."""
    return OUTPUT_COLUMNS if reasons else OUTPUT_COLUMNS[:2]


def score_frame(model: LoadedModel, frame: pd.DataFrame, *, reasons: bool = True) -> pd.DataFrame:
    """`frame` with the output columns added (a copy; `frame` is left as it was)."""
    return _add_scores(model, frame.copy(), reasons)


def _add_scores(model: LoadedModel, frame: pd.DataFrame, reasons: bool) -> pd.DataFrame:
    """`frame` itself with the output columns added: the batch path's chunks are its own, so
    they are not copied."""
    check_columns(list(frame.columns), model)
    scores = model.score_frame(frame, reasons=reasons)
    frame["score"] = scores.score
    frame["pd"] = scores.pd
    for column, codes in zip(REASON_COLUMNS, scores.reasons, strict=False):
        frame[column] = codes
    return frame


def score_partitions(
    model: LoadedModel,
    frame: pd.DataFrame,
    *,
    reasons: bool = True,
    runner: PartitionRunner = IN_PROCESS,
    partitions: int = 1,
) -> pd.DataFrame:
    """`frame` scored as `partitions` contiguous slices of rows, each through `score_frame` on
    `runner`, put back together in order; one partition scores `frame` itself, in place. A
    runner with its own way over a table (`FrameRunner`: Spark's `mapInPandas`) is given the
    feature columns whole, and the scores are set on `frame`."""
    cuts = bounds(len(frame), partitions)
    if len(cuts) <= 1 and runner is IN_PROCESS:
        return _add_scores(model, frame, reasons)
    if isinstance(runner, FrameRunner):
        # Only the features travel (and come back typed by the engine); the other columns stay
        # here as they were read, and the scores are set beside them.
        scored = runner.map_frame(
            partial(score_frame, model, reasons=reasons), frame[list(model.features)], len(cuts)
        )
        for column in output_columns(reasons):
            frame[column] = scored[column]
        return frame
    scored = runner.map(
        partial(score_frame, model, reasons=reasons),
        [frame.iloc[start:stop] for start, stop in cuts],
    )
    return pd.concat(scored) if len(scored) > 1 else scored[0]


def coded_columns(model: LoadedModel) -> tuple[str, ...]:
    """The model's features that are enumerated fields, checked row by row."""
    return tuple(f for f in model.features if f in ALLOWED_VALUES)


def unknown_codes(
    frame: pd.DataFrame, columns: tuple[str, ...], first_row: int = 1
) -> tuple[pd.Series, list[RowError]]:
    """Which rows of `frame` hold a value outside its column's allowed set (a boolean mask), and
    one `RowError` per refused value; `first_row` numbers the frame's first row."""
    refused = pd.Series(False, index=frame.index)
    errors: list[RowError] = []
    for column in columns:
        values = frame[column]
        bad = values.notna() & ~values.isin(list(ALLOWED_VALUES[column]))
        if not bad.any():
            continue
        refused |= bad
        positions = bad.to_numpy().nonzero()[0]
        for position, value in zip(positions, values[bad], strict=True):
            error = check_value(column, str(value), (column,))
            assert error is not None
            errors.append(RowError(first_row + int(position), column, str(value), error.msg))
    errors.sort(key=lambda e: (e.row, columns.index(e.column)))
    return refused, errors


def score_file(
    model: LoadedModel,
    data: Path,
    out: Path,
    *,
    errors: Path | None = None,
    chunk_rows: int = CHUNK_ROWS,
    on_chunk: Callable[[int], None] | None = None,
    sep: str | None = None,
    reasons: bool = True,
    runner: PartitionRunner = IN_PROCESS,
    partitions: int | None = None,
) -> BatchScored:
    """Score `data` (CSV, TSV, Parquet, gzip CSV/TSV; `sep` overrides a text file's separator)
    into `out` (CSV or Parquet, by suffix); rows with a value outside its allowed
    set are left out and listed in the error report `errors` (CSV; by default beside `out`).
    `on_chunk(rows)` is called after each chunk, for a progress bar. With `reasons=False` the
    reason columns are left out and not computed (for a GBM: no TreeSHAP, LightGBM's plain
    prediction). If every row is refused, `out` is not written and `Invalid` lists the first
    refused values. Each chunk is scored as `partitions` slices (default: the runner's
    parallelism) on `runner` (`score_partitions`)."""
    parts = partition_count(runner, partitions)
    out_kind = _kind(out, "out")
    available = columns_of(data, sep)
    check_columns(available, model)
    clashing = [c for c in output_columns(reasons) if c in available]
    if clashing:
        raise Invalid((FieldError(("data",), f"columns would be overwritten: {clashing}"),))
    report = errors or errors_path_for(out)
    if report.resolve() in (out.resolve(), data.resolve()):
        raise Invalid((FieldError(("errors",), "the error report would overwrite a file"),))
    coded = coded_columns(model)
    out.parent.mkdir(parents=True, exist_ok=True)
    report.parent.mkdir(parents=True, exist_ok=True)
    report.unlink(missing_ok=True)  # a report from an earlier run would describe other rows
    tmp = out.with_name(out.name + ".partial")
    tmp_report = report.with_name(report.name + ".partial")
    scored_rows = 0
    read_rows = 0
    refused_rows = 0
    first_errors: list[RowError] = []
    writer = None
    schema = None
    report_file = None
    try:
        for chunk in chunks(data, chunk_rows, sep):
            read_len = len(chunk)
            refused, row_errors = unknown_codes(chunk, coded, first_row=read_rows + 1)
            read_rows += read_len
            if row_errors:
                if report_file is None:
                    report_file = tmp_report.open("w", newline="", encoding="utf-8")
                    csv.writer(report_file).writerow(ERROR_COLUMNS)
                csv.writer(report_file).writerows(
                    (e.row, e.column, e.value, e.message) for e in row_errors
                )
                refused_rows += int(refused.sum())
                first_errors.extend(row_errors[: FIRST_ERRORS - len(first_errors)])
                chunk = chunk[~refused].copy()  # its own frame, scored in place
            if len(chunk):
                scored = score_partitions(
                    model, chunk, reasons=reasons, runner=runner, partitions=parts
                )
                if out_kind == "csv":
                    first = scored_rows == 0
                    scored.to_csv(tmp, mode="w" if first else "a", header=first, index=False)
                else:
                    import pyarrow as pa
                    import pyarrow.parquet as pq

                    if writer is None:
                        schema = pa.Schema.from_pandas(scored, preserve_index=False)
                        writer = pq.ParquetWriter(tmp, schema)
                    writer.write_table(
                        pa.Table.from_pandas(scored, schema=schema, preserve_index=False)
                    )
                scored_rows += len(scored)
            if on_chunk is not None:
                on_chunk(read_len)
        if writer is not None:
            writer.close()
            writer = None
        if report_file is not None:
            report_file.close()
            report_file = None
            tmp_report.replace(report)
        if read_rows == 0:
            raise Invalid((FieldError(("data",), "the file has no rows"),))
        if scored_rows == 0:
            raise Invalid(
                tuple(e.as_field_error() for e in first_errors),
                f"every row was refused ({refused_rows}); see {report}",
            )
        tmp.replace(out)
    finally:
        if writer is not None:
            writer.close()
        if report_file is not None:
            report_file.close()
        tmp.unlink(missing_ok=True)
        tmp_report.unlink(missing_ok=True)
    return BatchScored(
        scored_rows, refused_rows, report if refused_rows else None, tuple(first_errors)
    )
