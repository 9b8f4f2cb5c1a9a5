"""A business's tax payment records (纳税记录) with its tax credit grade (纳税信用等级), and its
utility payment records (水电燃气缴费): JSON documents, or CSV or XLSX files exported from the
tax bureau's or the utilities' portals (CSV in UTF-8 with or without a BOM, else GBK; an XLSX
workbook's one worksheet with data; Chinese or English column names; amounts in yuan with up to
two decimals, or in integer fen under `amount_fen`).

A file with any bad row is refused whole, naming each bad row (its line in the file) and column;
a document repeating a month (the same tax in the same period, the same utility in the same
month) is refused, since counting it twice would flatter or blacken the business."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from enum import StrEnum
from typing import Any

from fengkong.core.errors import FieldError, Invalid
from fengkong.core.money import Fen
from fengkong.sources.business import check_uscc
from fengkong.sources.connector import Subject
from fengkong.sources.handler import KindHandler
from fengkong.sources.json_fields import Fields, first_of_month, json_object
from fengkong.sources.kinds import SourceKind
from fengkong.sources.tabular import one_sheet, suffix_of

__all__ = [
    "TAX_PAYMENTS",
    "UTILITY_PAYMENTS",
    "TaxCreditGrade",
    "TaxPayment",
    "TaxRecords",
    "TaxType",
    "Utility",
    "UtilityPayment",
    "UtilityRecords",
    "read_tax",
    "read_tax_file",
    "read_utility",
    "read_utility_file",
    "tax_as_json",
    "utility_as_json",
]


class TaxType(StrEnum):
    VAT = "vat"  # 增值税
    CORPORATE_INCOME = "corporate_income"  # 企业所得税
    INDIVIDUAL_INCOME = "individual_income"  # 个人所得税
    CONSUMPTION = "consumption"  # 消费税
    URBAN_MAINTENANCE = "urban_maintenance"  # 城市维护建设税
    STAMP = "stamp"  # 印花税
    OTHER = "other"  # 其他


class TaxCreditGrade(StrEnum):
    """The tax bureau's yearly grade of a taxpayer's compliance, best first."""

    A = "A"
    B = "B"
    M = "M"  # new or small taxpayers with no adverse record
    C = "C"
    D = "D"  # serious breaches: the worst


class Utility(StrEnum):
    ELECTRICITY = "electricity"  # 电费
    WATER = "water"  # 水费
    GAS = "gas"  # 燃气费


_TAX_ZH = {
    "增值税": TaxType.VAT,
    "企业所得税": TaxType.CORPORATE_INCOME,
    "个人所得税": TaxType.INDIVIDUAL_INCOME,
    "消费税": TaxType.CONSUMPTION,
    "城市维护建设税": TaxType.URBAN_MAINTENANCE,
    "印花税": TaxType.STAMP,
    "其他": TaxType.OTHER,
}
_GRADES = {g.value: g for g in TaxCreditGrade} | {g.value.lower(): g for g in TaxCreditGrade}
_UTILITY_ZH = {
    "电费": Utility.ELECTRICITY,
    "电": Utility.ELECTRICITY,
    "水费": Utility.WATER,
    "水": Utility.WATER,
    "燃气费": Utility.GAS,
    "燃气": Utility.GAS,
}


@dataclass(frozen=True, slots=True)
class TaxPayment:
    period: date  # the first day of the month the tax is for (税款所属期)
    tax_type: TaxType
    amount: Fen
    on_time: bool


@dataclass(frozen=True, slots=True)
class TaxRecords:
    uscc: str
    credit_grade: TaxCreditGrade | None  # None: not graded (yet)
    payments: tuple[TaxPayment, ...]
    record_date: date | None = None


@dataclass(frozen=True, slots=True)
class UtilityPayment:
    month: date  # first day of the billing month
    utility: Utility
    amount: Fen
    days_late: int  # paid this many days after the bill was due (0: on time)


@dataclass(frozen=True, slots=True)
class UtilityRecords:
    uscc: str
    payments: tuple[UtilityPayment, ...]
    record_date: date | None = None


# --- reading documents ---


def _dated(f: Fields, payload: Mapping[str, Any], as_of: date) -> tuple[date | None, date]:
    """The record date (optional), and the last month a record may be for."""
    record_date = f.day(payload, "record_date", (), optional=True)
    if record_date is not None and record_date > as_of:
        f.fail(("record_date",), f"is after the business date {as_of.isoformat()}")
    return record_date, first_of_month(min(record_date or as_of, as_of))


def read_tax(payload: Mapping[str, Any], subject: Subject, as_of: date) -> TaxRecords:
    """The tax records in `payload`, of the business `subject`, as of `as_of`."""
    f = Fields()
    uscc = check_uscc(f, payload, subject)
    record_date, last = _dated(f, payload, as_of)
    grade: TaxCreditGrade | None = None
    if payload.get("credit_grade") is not None:
        grade = f.choice(payload, "credit_grade", (), TaxCreditGrade, _GRADES)
    payments: list[TaxPayment] = []
    seen: set[tuple[date, TaxType]] = set()
    for i, raw in enumerate(f.items(payload, "records", ())):
        loc = ("records", i)
        doc = f.obj(raw, loc)
        if doc is None:
            continue
        before = len(f.errors)
        period = f.month(doc, "period", loc)
        if period is not None and period > last:
            f.fail((*loc, "period"), "is after the month of the record date")
        tax_type = f.choice(doc, "tax_type", loc, TaxType, _TAX_ZH)
        amount = f.fen(doc, "amount_fen", loc)
        on_time = f.flag(doc, "paid_on_time", loc)
        if period is not None and tax_type is not None:
            if (period, tax_type) in seen:
                f.fail(loc, "repeats a tax already listed for the same period", "duplicate")
            seen.add((period, tax_type))
        if len(f.errors) == before and period and tax_type and amount is not None:
            payments.append(TaxPayment(period, tax_type, amount, bool(on_time)))
    f.raise_if_any("tax payment record")
    assert uscc is not None
    return TaxRecords(uscc, grade, tuple(payments), record_date)


def read_utility(payload: Mapping[str, Any], subject: Subject, as_of: date) -> UtilityRecords:
    """The utility payment records in `payload`, of the business `subject`, as of `as_of`."""
    f = Fields()
    uscc = check_uscc(f, payload, subject)
    record_date, last = _dated(f, payload, as_of)
    payments: list[UtilityPayment] = []
    seen: set[tuple[date, Utility]] = set()
    for i, raw in enumerate(f.items(payload, "records", ())):
        loc = ("records", i)
        doc = f.obj(raw, loc)
        if doc is None:
            continue
        before = len(f.errors)
        month = f.month(doc, "month", loc)
        if month is not None and month > last:
            f.fail((*loc, "month"), "is after the month of the record date")
        utility = f.choice(doc, "utility", loc, Utility, _UTILITY_ZH)
        amount = f.fen(doc, "amount_fen", loc)
        days_late = f.integer(doc, "days_late", loc, low=0)
        if month is not None and utility is not None:
            if (month, utility) in seen:
                f.fail(loc, "repeats a bill already listed for the same month", "duplicate")
            seen.add((month, utility))
        if len(f.errors) == before and month and utility and amount is not None:
            payments.append(UtilityPayment(month, utility, amount, days_late or 0))
    f.raise_if_any("utility payment record")
    assert uscc is not None
    return UtilityRecords(uscc, tuple(payments), record_date)


# --- writing documents ---


def tax_as_json(records: TaxRecords) -> dict[str, Any]:
    return {
        "uscc": records.uscc,
        "record_date": records.record_date.isoformat() if records.record_date else None,
        "credit_grade": records.credit_grade.value if records.credit_grade else None,
        "records": [
            {
                "period": p.period.isoformat()[:7],
                "tax_type": p.tax_type.value,
                "amount_fen": p.amount,
                "paid_on_time": p.on_time,
            }
            for p in records.payments
        ],
    }


def utility_as_json(records: UtilityRecords) -> dict[str, Any]:
    return {
        "uscc": records.uscc,
        "record_date": records.record_date.isoformat() if records.record_date else None,
        "records": [
            {
                "month": p.month.isoformat()[:7],
                "utility": p.utility.value,
                "amount_fen": p.amount,
                "days_late": p.days_late,
            }
            for p in records.payments
        ],
    }


# --- reading files ---

_USCC = ("uscc", "统一社会信用代码", "纳税人识别号")
_AMOUNT_YUAN = (
    "amount",
    "amount_yuan",
    "金额",
    "金额(元)",
    "金额（元）",
    "实缴金额",
    "实缴金额(元)",
)
_TAX_COLUMNS: Mapping[str, Sequence[str]] = {
    "uscc": _USCC,
    "period": ("period", "所属期", "税款所属期", "所属月份"),
    "tax_type": ("tax_type", "税种"),
    "paid_on_time": ("paid_on_time", "是否按期缴纳", "按期缴纳", "是否按期"),
    "credit_grade": ("credit_grade", "纳税信用等级"),
}
_UTILITY_COLUMNS: Mapping[str, Sequence[str]] = {
    "uscc": _USCC,
    "month": ("month", "月份", "账期"),
    "utility": ("utility", "费用类型", "类型"),
    "days_late": ("days_late", "逾期天数"),
}
_OPTIONAL = frozenset({"credit_grade"})
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")  # how `tabular` writes an XLSX date cell
_YES = frozenset({"true", "yes", "y", "1", "是", "按期"})
_NO = frozenset({"false", "no", "n", "0", "否", "逾期"})


def _decode(content: bytes) -> str:
    for encoding in ("utf-8-sig", "gbk"):
        try:
            return content.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise Invalid((FieldError(("file",), "is neither UTF-8 nor GBK text", "encoding"),))


def _month_text(text: str) -> str:
    """`2026-01`, `2026/1`, `202601` or `2026年1月` as `2026-01`, and a spreadsheet's date
    cell (`2026-01-01`) as its month (left as it is when none)."""
    if _ISO_DATE.fullmatch(text.strip()):
        return text.strip()[:7]
    t = text.strip().replace("年", "-").replace("月", "").replace("/", "-").replace(".", "-")
    if len(t) == 6 and t.isdigit():
        t = f"{t[:4]}-{t[4:]}"
    year, _, month = t.partition("-")
    if year.isdigit() and month.isdigit() and len(year) == 4 and 1 <= len(month) <= 2:
        return f"{year}-{int(month):02d}"
    return text


def _code(text: str, chinese: Mapping[str, StrEnum]) -> str:
    """A Chinese name as its code, so that a file's document reads as a provider's would."""
    return chinese[text].value if text in chinese else text


def _yuan_to_fen(text: str) -> int | None:
    cleaned = text.strip().replace(",", "").replace("¥", "").replace("￥", "")
    try:
        yuan = Decimal(cleaned)
    except InvalidOperation:
        return None
    fen = yuan * 100
    if not fen.is_finite() or fen != fen.to_integral_value():
        return None
    return int(fen)


def _lines(content: bytes, filename: str) -> list[tuple[int, list[str]]]:
    """The file's rows as text cells, each with its line (row) number as a person sees it: a
    CSV's lines, or the rows of an XLSX workbook's one worksheet with data."""
    suffix = suffix_of(filename)
    if suffix in ("xlsx", "xlsm"):
        sheet = one_sheet(content, filename)
        return [(i, list(row)) for i, row in enumerate(sheet.rows, start=1)]
    if suffix != "csv":
        raise Invalid((FieldError(("file",), "must be a .csv, .xlsx or .json file"),))
    reader = csv.reader(io.StringIO(_decode(content), newline=""))
    return list(enumerate(reader, start=1))


def _rows(
    content: bytes, filename: str, columns: Mapping[str, Sequence[str]]
) -> tuple[list[tuple[int, dict[str, str]]], list[FieldError]]:
    """The file's rows (with their line numbers) keyed by the document's field names, and an
    empty list for the problems its rows will show; `Invalid` when its header lacks a column."""
    lines = _lines(content, filename)
    header = [h.strip().lower() for h in (lines[0][1] if lines else [])]
    where: dict[str, int] = {}
    problems: list[FieldError] = []
    for key, names in {**columns, "amount": _AMOUNT_YUAN, "amount_fen": ("amount_fen",)}.items():
        found = [i for i, h in enumerate(header) if h in names]
        if found:
            where[key] = found[0]
        elif key not in _OPTIONAL and key not in ("amount", "amount_fen"):
            problems.append(
                FieldError(("header",), f"has no {key} column (one of: {', '.join(names)})")
            )
    if "amount" not in where and "amount_fen" not in where:
        problems.append(FieldError(("header",), "has no amount column (amount, 金额, amount_fen)"))
    if problems:
        raise Invalid(tuple(problems))
    rows: list[tuple[int, dict[str, str]]] = []
    errors: list[FieldError] = []
    for line, cells in lines[1:]:
        if not any(c.strip() for c in cells):
            continue
        if len(cells) < len(header):
            cells = cells + [""] * (len(header) - len(cells))
        rows.append((line, {key: cells[i].strip() for key, i in where.items()}))
    return rows, errors


def _amount(row: Mapping[str, str], line: int, errors: list[FieldError]) -> int | None:
    if row.get("amount_fen"):
        text = row["amount_fen"]
        value = int(text) if text.isascii() and text.isdigit() else None
    else:
        value = _yuan_to_fen(row.get("amount", ""))
    if value is None or value < 0:
        errors.append(FieldError(("rows", line, "amount"), "is not an amount in yuan (to the fen)"))
    return value


def _one_value(
    rows: Sequence[tuple[int, Mapping[str, str]]], key: str, errors: list[FieldError]
) -> str | None:
    """The one value every row gives in column `key` (blank cells aside)."""
    values = {r[key] for _, r in rows if r.get(key)}
    if len(values) > 1:
        errors.append(FieldError((key,), "differs between rows: a file holds one business"))
    return next(iter(values)) if len(values) == 1 else None


def _flag(text: str, line: int, errors: list[FieldError]) -> bool | None:
    t = text.strip().lower()
    if t in _YES or t in _NO:
        return t in _YES
    errors.append(FieldError(("rows", line, "paid_on_time"), "must be yes or no (是/否)"))
    return None


def _file(
    content: bytes,
    filename: str,
    what: str,
    from_table: Callable[[bytes, str], Mapping[str, Any]],
) -> Mapping[str, Any]:
    if filename.lower().endswith(".json"):
        return json_object(content, what)
    return from_table(content, filename)


def _tax_table(content: bytes, filename: str) -> Mapping[str, Any]:
    rows, errors = _rows(content, filename, _TAX_COLUMNS)
    records: list[dict[str, Any]] = []
    for line, row in rows:
        amount = _amount(row, line, errors)
        on_time = _flag(row["paid_on_time"], line, errors)
        record = {
            "period": _month_text(row["period"]),
            "tax_type": _code(row["tax_type"], _TAX_ZH),
            "amount_fen": amount,
            "paid_on_time": on_time,
        }
        records.append(record)
    doc = {
        "uscc": _one_value(rows, "uscc", errors),
        "credit_grade": _one_value(rows, "credit_grade", errors),
        "records": records,
    }
    if errors:
        raise Invalid(tuple(errors))
    return _row_checked(doc, rows, _check_tax)


def _utility_table(content: bytes, filename: str) -> Mapping[str, Any]:
    rows, errors = _rows(content, filename, _UTILITY_COLUMNS)
    records: list[dict[str, Any]] = []
    for line, row in rows:
        amount = _amount(row, line, errors)
        late = row["days_late"] or "0"
        if not (late.isascii() and late.isdigit()):
            errors.append(FieldError(("rows", line, "days_late"), "must be whole days, 0 or more"))
        records.append(
            {
                "month": _month_text(row["month"]),
                "utility": _code(row["utility"], _UTILITY_ZH),
                "amount_fen": amount,
                "days_late": int(late) if late.isascii() and late.isdigit() else None,
            }
        )
    doc = {"uscc": _one_value(rows, "uscc", errors), "records": records}
    if errors:
        raise Invalid(tuple(errors))
    return _row_checked(doc, rows, _check_utility)


def _row_checked(
    doc: dict[str, Any],
    rows: Sequence[tuple[int, Mapping[str, str]]],
    check: Callable[[Mapping[str, Any]], None],
) -> dict[str, Any]:
    """`doc`, once its records read as a document would; errors name the file's lines."""
    try:
        check(doc)
    except Invalid as e:
        lines = [line for line, _ in rows]
        raise Invalid(
            tuple(
                FieldError(("rows", lines[int(err.loc[1])], *err.loc[2:]), err.msg, err.type)
                if len(err.loc) >= 2 and err.loc[0] == "records"
                else err
                for err in e.errors
            )
        ) from None
    return doc


def _check_tax(doc: Mapping[str, Any]) -> None:
    """Reads `doc` as tax records of any business, with no date limit (a file's own check)."""
    read_tax(doc, Subject(key=""), date.max)


def _check_utility(doc: Mapping[str, Any]) -> None:
    """Reads `doc` as utility records of any business, with no date limit."""
    read_utility(doc, Subject(key=""), date.max)


def read_tax_file(content: bytes, filename: str) -> Mapping[str, Any]:
    """Tax records exported as JSON, CSV or XLSX → their document."""
    return _file(content, filename, "tax record", _tax_table)


def read_utility_file(content: bytes, filename: str) -> Mapping[str, Any]:
    """Utility payment records exported as JSON, CSV or XLSX → their document."""
    return _file(content, filename, "utility record", _utility_table)


TAX_PAYMENTS: KindHandler[TaxRecords] = KindHandler(
    SourceKind.TAX_PAYMENTS, read_tax_file, read_tax
)
UTILITY_PAYMENTS: KindHandler[UtilityRecords] = KindHandler(
    SourceKind.UTILITY_PAYMENTS, read_utility_file, read_utility
)
