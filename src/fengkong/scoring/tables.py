"""The one reader of applicant files for `model train`, `model profile` and `score`: CSV with any
separator, TSV, Parquet, and gzip-compressed CSV/TSV, whole or in chunks.

The format follows the name: `.csv`/`.txt` (comma), `.tsv`/`.tab` (tab), `.parquet`/`.pq`, each
text format optionally followed by `.gz`. `sep` (the CLI's `--sep`, `\\t` written as is or as
"tab") overrides a text file's separator. A file that is missing, of another type, not gzip
though named so, not UTF-8, or cut wrongly is bad input (`Invalid` naming `loc`), never a
traceback; a text file read as one column whose header holds another usual separator is
refused with a hint to pass `--sep`.
"""

from __future__ import annotations

import gzip
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import pandas as pd

from fengkong.core.errors import FieldError, Invalid

TEXT_SUFFIXES: dict[str, str] = {".csv": ",", ".txt": ",", ".tsv": "\t", ".tab": "\t"}
PARQUET_SUFFIXES: tuple[str, ...] = (".parquet", ".pq")
OTHER_SEPARATORS: tuple[str, ...] = (";", "\t", "|", ",")
SEP_NAMES: dict[str, str] = {"tab": "\t", "\\t": "\t", "comma": ",", "semicolon": ";", "pipe": "|"}


def _invalid(loc: str, msg: str) -> Invalid:
    return Invalid((FieldError((loc,), msg),))


@dataclass(frozen=True, slots=True)
class TableFormat:
    """How a file is read: `parquet`, or `text` with its separator and compression."""

    kind: Literal["text", "parquet"]
    sep: str = ","
    gzip: bool = False


def separator(sep: str | None) -> str | None:
    """`--sep` as a separator: one character, or tab/comma/semicolon/pipe by name, `\\t`."""
    if sep is None:
        return None
    chosen = SEP_NAMES.get(sep.lower(), sep)
    if len(chosen) != 1:
        raise _invalid("sep", f"must be one character or tab, comma, semicolon, pipe; got {sep!r}")
    return chosen


def table_format(path: Path, loc: str = "data", sep: str | None = None) -> TableFormat:
    """The format of `path` by its name (see the module docstring)."""
    suffixes = [s.lower() for s in path.suffixes]
    compressed = bool(suffixes) and suffixes[-1] == ".gz"
    last = suffixes[-2] if compressed and len(suffixes) > 1 else suffixes[-1] if suffixes else ""
    chosen = separator(sep)
    if last in PARQUET_SUFFIXES and not compressed:
        return TableFormat("parquet")
    if last in TEXT_SUFFIXES:
        return TableFormat("text", chosen or TEXT_SUFFIXES[last], compressed)
    raise _invalid(
        loc,
        f"unsupported file type {''.join(path.suffixes)!r}: use CSV, TSV (.tsv), Parquet, or "
        "CSV/TSV compressed with gzip (.csv.gz, .tsv.gz)",
    )


def _check_exists(path: Path, loc: str) -> None:
    if not path.is_file():
        raise _invalid(loc, f"no such file: {path}")


def _first_line(path: Path, fmt: TableFormat) -> str:
    try:
        with (
            gzip.open(path, "rt", encoding="utf-8")
            if fmt.gzip
            else path.open(encoding="utf-8") as fh
        ):
            return fh.readline()
    except (OSError, EOFError, ValueError):
        return ""


def _sep_hint(path: Path, fmt: TableFormat) -> str:
    """A hint to pass `--sep` when the header holds another usual separator but not this one."""
    if fmt.kind != "text":
        return ""
    header = _first_line(path, fmt)
    if fmt.sep in header:
        return ""
    found = [s for s in OTHER_SEPARATORS if s != fmt.sep and s in header]
    if not found:
        return ""
    shown = "tab" if found[0] == "\t" else found[0]
    return f"its separator looks like {shown!r}; pass --sep {shown!r}"


def _unreadable(path: Path, loc: str, exc: Exception, fmt: TableFormat | None = None) -> Invalid:
    hint = _sep_hint(path, fmt) if fmt is not None else ""
    reason = str(exc).strip()
    return _invalid(loc, f"cannot read {path.name}: {reason}" + (f" ({hint})" if hint else ""))


def _check_columns(columns: pd.Index, fmt: TableFormat, path: Path, loc: str) -> None:
    """A text file read as a single column whose header holds another separator was cut with
    the wrong separator."""
    if len(columns) != 1:
        return
    hint = _sep_hint(path, fmt)
    if hint:
        raise _invalid(loc, f"{path.name} reads as one column {str(columns[0])[:60]!r}: {hint}")


def _read_text(path: Path, fmt: TableFormat, **options: Any) -> Any:
    """`pd.read_csv` of a text file: a frame, or a reader of chunks with `chunksize`."""
    return pd.read_csv(
        path,
        sep=fmt.sep,
        compression="gzip" if fmt.gzip else None,
        encoding="utf-8",
        **options,
    )


def read_table(path: Path, loc: str = "data", *, sep: str | None = None) -> pd.DataFrame:
    """The whole file as a frame."""
    _check_exists(path, loc)
    fmt = table_format(path, loc, sep)
    try:
        frame: pd.DataFrame = (
            pd.read_parquet(path) if fmt.kind == "parquet" else _read_text(path, fmt)
        )
    except (ValueError, OSError, EOFError) as exc:  # parser, encoding, gzip, Arrow errors
        raise _unreadable(path, loc, exc, fmt) from exc
    _check_columns(frame.columns, fmt, path, loc)
    return frame


def table_columns(path: Path, loc: str = "data", *, sep: str | None = None) -> tuple[str, ...]:
    """The file's column names, reading no rows."""
    _check_exists(path, loc)
    fmt = table_format(path, loc, sep)
    try:
        if fmt.kind == "parquet":
            import pyarrow.parquet as pq

            return tuple(pq.read_schema(path).names)
        columns = _read_text(path, fmt, nrows=0).columns
    except (ValueError, OSError, EOFError) as exc:
        raise _unreadable(path, loc, exc, fmt) from exc
    _check_columns(columns, fmt, path, loc)
    return tuple(str(c) for c in columns)


def table_chunks(
    path: Path, chunk_rows: int, loc: str = "data", *, sep: str | None = None
) -> Iterator[pd.DataFrame]:
    """The file's rows as frames of at most `chunk_rows` rows, in order."""
    _check_exists(path, loc)
    fmt = table_format(path, loc, sep)
    try:
        if fmt.kind == "parquet":
            import pyarrow.parquet as pq

            for batch in pq.ParquetFile(path).iter_batches(batch_size=chunk_rows):
                yield batch.to_pandas()
            return
        yield from _read_text(path, fmt, chunksize=chunk_rows)
    except (ValueError, OSError, EOFError) as exc:
        raise _unreadable(path, loc, exc, fmt) from exc


def table_rows(path: Path, loc: str = "data", *, sep: str | None = None) -> int:
    """Rows in the file, for progress: Parquet's metadata, or a text file's newlines minus the
    header (read through gzip when compressed)."""
    fmt = table_format(path, loc, sep)
    if fmt.kind == "parquet":
        import pyarrow.parquet as pq

        return int(pq.ParquetFile(path).metadata.num_rows)
    try:
        with gzip.open(path, "rb") if fmt.gzip else path.open("rb") as fh:
            lines = sum(block.count(b"\n") for block in iter(lambda: fh.read(1 << 20), b""))
    except (OSError, EOFError) as exc:
        raise _unreadable(path, loc, exc, fmt) from exc
    return max(lines - 1, 0)
