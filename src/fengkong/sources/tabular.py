"""Reading the exported spreadsheets external documents arrive as: CSV in UTF-8 (with or without
a byte-order mark) or GBK/GB18030, XLSX read with openpyxl in read-only mode, and the cells of
Chinese bank and accounting exports (amounts with thousands separators, "¥" and parentheses for
negatives; dates as 2026-01-05, 2026/1/5, 20260105 or 2026年1月5日).

Every reader returns rows of text cells numbered as a person sees them in the file (1-based), so
that an error names the row a clerk can find. Parsing errors are collected as `FieldError`s, never
raised one at a time: a file is refused with all its bad cells listed (up to `ERROR_CAP`)."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time
from decimal import Decimal, InvalidOperation
from pathlib import PurePath
from zipfile import BadZipFile

from fengkong.core.errors import FieldError, Invalid
from fengkong.core.money import HALF_UP, Fen, to_fen

__all__ = [
    "ERROR_CAP",
    "Errors",
    "Sheet",
    "non_empty",
    "normalise_header",
    "one_sheet",
    "parse_amount",
    "parse_date",
    "read_sheets",
    "suffix_of",
    "time_of",
]

ERROR_CAP = 50  # errors listed per file: enough to fix a file, not a wall of text

_CSV_ENCODINGS = ("utf-8-sig", "gb18030")  # UTF-8 with or without BOM; GB18030 ⊃ GBK ⊃ GB2312


@dataclass(frozen=True, slots=True)
class Sheet:
    """One table of text cells: a CSV file or one XLSX worksheet. `rows[i]` is file row `i + 1`."""

    name: str
    rows: tuple[tuple[str, ...], ...]


class Errors:
    """Field errors gathered while reading a file, capped at `ERROR_CAP`; `raise_if_any` refuses
    the whole file so nothing of it is half-imported."""

    def __init__(self) -> None:
        self.found: list[FieldError] = []
        self.dropped = 0

    def add(self, loc: tuple[str | int, ...], msg: str) -> None:
        if len(self.found) < ERROR_CAP:
            self.found.append(FieldError(loc, msg))
        else:
            self.dropped += 1

    def __bool__(self) -> bool:
        return bool(self.found)

    def raise_if_any(self) -> None:
        if not self.found:
            return
        errors = tuple(self.found)
        if self.dropped:
            errors += (FieldError((), f"and {self.dropped} more errors not listed"),)
        raise Invalid(errors)


def suffix_of(name: str) -> str:
    return PurePath(name).suffix.lower().lstrip(".")


def _cell_text(value: object) -> str:
    """An XLSX cell as the text a CSV export would hold. openpyxl gives numbers as int or float:
    a float cell holds the shortest decimal that round-trips (`repr`), which is what was typed,
    so `str` of it is the exact amount; it is then parsed as text like any CSV amount."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        if value.time() == time(0):
            return value.date().isoformat()
        return value.isoformat(sep=" ")
    if isinstance(value, date | time):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _decode(data: bytes, name: str) -> str:
    for encoding in _CSV_ENCODINGS:
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise Invalid((FieldError((name,), "not a text file in UTF-8 or GBK/GB18030"),))


def _csv_sheet(data: bytes, name: str) -> Sheet:
    text = _decode(data, name)
    # The separator is the one used most: banks export comma- or tab-separated text (some with
    # semicolons); csv.Sniffer misreads files whose preamble lines have a single field.
    delimiter = max(",\t;|", key=lambda d: (text.count(d), d == ","))
    dialect = csv.excel_tab if delimiter == "\t" else csv.excel
    rows = tuple(
        tuple(cell.strip().strip("\ufeff") for cell in row)
        for row in csv.reader(io.StringIO(text), dialect, delimiter=delimiter)
    )
    return Sheet(name, rows)


def _xlsx_sheets(data: bytes, name: str) -> tuple[Sheet, ...]:
    import openpyxl
    from openpyxl.utils.exceptions import InvalidFileException

    try:
        book = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    # A file that is not a zip archive at all (a renamed CSV) raises BadZipFile.
    except (InvalidFileException, BadZipFile, KeyError, OSError, ValueError) as exc:
        raise Invalid((FieldError((name,), f"not a readable XLSX workbook: {exc}"),)) from exc
    try:
        return tuple(
            Sheet(
                sheet.title,
                tuple(
                    tuple(_cell_text(v) for v in row) for row in sheet.iter_rows(values_only=True)
                ),
            )
            for sheet in book.worksheets
        )
    finally:
        book.close()


def read_sheets(data: bytes, name: str) -> tuple[Sheet, ...]:
    """The tables of a CSV or XLSX file (the suffix of `name` says which)."""
    suffix = suffix_of(name)
    if suffix in ("csv", "txt"):
        return (_csv_sheet(data, name),)
    if suffix in ("xlsx", "xlsm"):
        return _xlsx_sheets(data, name)
    raise Invalid(
        (FieldError((name,), f"unknown file type .{suffix}", allowed=("csv", "xlsx", "json")),)
    )


def one_sheet(data: bytes, name: str) -> Sheet:
    """The one worksheet of an XLSX file that holds data: a file is one document, so a
    workbook with data on two sheets is refused rather than half read."""
    filled = [s for s in _xlsx_sheets(data, name) if non_empty(s.rows)]
    if len(filled) != 1:
        found = ", ".join(s.name for s in filled) or "none"
        raise Invalid(
            (FieldError((name,), f"needs exactly one worksheet with data (found: {found})"),)
        )
    return filled[0]


_SPACES = re.compile(r"[\s\u3000]+")


_UNIT_SUFFIX = re.compile(r"\((元|人民币|人民币元|rmb|cny|yuan)\)$")


def normalise_header(text: str) -> str:
    """A header or label compared without spaces (half or full width), case, full-width
    brackets, a trailing colon or a unit in brackets: "交易金额（元）" is "交易金额", while
    "记账金额(收入)" keeps what its bracket says."""
    text = _SPACES.sub("", text).lower().rstrip(":：").replace("（", "(").replace("）", ")")
    return _UNIT_SUFFIX.sub("", text)


_AMOUNT_JUNK = re.compile(r"[,，¥￥\s\u3000]|rmb|cny|元", re.IGNORECASE)


def parse_amount(text: str, unit_fen: int = 100) -> Fen:
    """A money cell in the file's unit (yuan unless told) → fen. "1,234.56", "¥1,234.56",
    "-12.00", "+12", "(12.00)" (negative) are read; more decimals than fen hold is an error."""
    raw = _AMOUNT_JUNK.sub("", text).replace("（", "(").replace("）", ")")
    negative = False
    if raw.startswith("(") and raw.endswith(")"):
        negative, raw = True, raw[1:-1]
    if raw.startswith(("-", "−")):
        negative, raw = not negative, raw[1:]
    elif raw.startswith("+"):
        raw = raw[1:]
    if not re.fullmatch(r"\d+(\.\d+)?|\.\d+", raw):
        raise ValueError(f"not an amount: {text!r}")
    try:
        in_fen = Decimal(raw) * unit_fen
    except InvalidOperation as exc:  # pragma: no cover - the pattern above admits only numbers
        raise ValueError(f"not an amount: {text!r}") from exc
    if in_fen != in_fen.to_integral_value():
        raise ValueError(f"more decimals than fen: {text!r}")
    fen = to_fen(in_fen, HALF_UP)  # exact: whole fen checked above
    return Fen(-fen if negative else fen)


_DATE_FORMS = (
    re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})"),
    re.compile(r"(\d{4})/(\d{1,2})/(\d{1,2})"),
    re.compile(r"(\d{4})\.(\d{1,2})\.(\d{1,2})"),
    re.compile(r"(\d{4})年(\d{1,2})月(\d{1,2})日?"),
    re.compile(r"(\d{4})(\d{2})(\d{2})"),
)


def parse_date(text: str) -> date:
    """A date cell: 2026-01-05, 2026/1/5, 2026.1.5, 2026年1月5日 or 20260105, possibly followed
    by a time of day (which is dropped: the time has a column of its own)."""
    head = text.strip().split(" ")[0].split("T")[0]
    for form in _DATE_FORMS:
        match = form.fullmatch(head)
        if match:
            year, month, day = (int(g) for g in match.groups())
            return date(year, month, day)  # ValueError for 2026-02-30
    raise ValueError(f"not a date: {text!r}")


def time_of(text: str) -> str:
    """The time of day of a date-time cell ("2026-01-05 10:22:33" → "10:22:33"), or ""."""
    parts = text.strip().replace("T", " ").split(" ")
    return parts[1] if len(parts) > 1 else ""


def non_empty(rows: Iterable[Sequence[str]]) -> bool:
    return any(any(cell for cell in row) for row in rows)
