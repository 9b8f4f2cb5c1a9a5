"""Financial statement exports (财务报表: 资产负债表, 利润表, 现金流量表) → the JSON document of
`sources.financials`.

A sheet lists items in rows and fiscal periods in columns. Its header row is the first whose
first filled cell is an item-column label (项目, 科目, Item …) and whose other cells name
periods: "2025年度", "2025", "FY2025" (the calendar year), "2025-01-01至2025-06-30" (a range), or
one date "2025-12-31" (the twelve months ending then). Item names are matched against `ITEMS`,
Chinese or English, after dropping numbering and "其中：/加：/减：" prefixes; other rows (the
many lines of a full report) are skipped. Above the header, the preamble may name the company
(编制单位), its unified social credit code, the currency and the unit (单位：元/千元/万元). A
workbook's sheets are merged by period: the balance sheet on one, the income statement on
another."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from datetime import date, timedelta
from typing import Any

from fengkong.core.errors import FieldError, Invalid
from fengkong.sources.tabular import (
    Errors,
    Sheet,
    normalise_header,
    parse_amount,
    parse_date,
    read_sheets,
    suffix_of,
)

__all__ = ["ITEMS", "UNITS", "read_financials_file"]

HEADER_SEARCH_ROWS = 30

# Each item and the names it is reported under, preferred first: a report with both 利息费用 and
# 财务费用 (which nets interest income against it) gives the interest expense from the first.
ITEMS: Mapping[str, tuple[str, ...]] = {
    "current_assets": ("流动资产合计", "Total Current Assets", "Current Assets"),
    "cash": ("货币资金", "Cash and Cash Equivalents", "Cash"),
    "receivables": ("应收账款", "Accounts Receivable", "Trade Receivables"),
    "inventory": ("存货", "Inventory", "Inventories"),
    "total_assets": ("资产总计", "资产合计", "Total Assets"),
    "current_liabilities": ("流动负债合计", "Total Current Liabilities", "Current Liabilities"),
    "total_liabilities": ("负债合计", "负债总计", "Total Liabilities"),
    "equity": (
        "所有者权益合计",
        "所有者权益(或股东权益)合计",
        "股东权益合计",
        "Total Equity",
        "Owners' Equity",
        "Shareholders' Equity",
    ),
    "revenue": ("营业收入", "营业总收入", "主营业务收入", "Revenue", "Operating Revenue", "Sales"),
    "cost_of_sales": ("营业成本", "主营业务成本", "Cost of Sales", "Cost of Revenue"),
    "operating_profit": ("营业利润", "Operating Profit"),
    "interest_expense": ("利息费用", "利息支出", "Interest Expense", "财务费用", "Finance Costs"),
    "net_profit": ("净利润", "Net Profit", "Net Income"),
    "operating_cash_flow": (
        "经营活动产生的现金流量净额",
        "Net Cash from Operating Activities",
        "Operating Cash Flow",
    ),
}
ITEM_COLUMN = ("项目", "科目", "报表项目", "资产", "Item", "Line Item")
# The unit a report's figures are in, in fen.
UNITS: Mapping[str, int] = {
    **dict.fromkeys(("元", "人民币元", "yuan", "cny", "rmb"), 100),
    **dict.fromkeys(("千元", "thousand", "cny'000", "'000", "thousandyuan"), 100_000),
    **dict.fromkeys(("万元", "tenthousand", "tenthousandyuan"), 1_000_000),
}
PREAMBLE = {
    "company": ("编制单位", "公司名称", "企业名称", "Company", "Entity"),
    "uscc": ("统一社会信用代码", "USCC", "Unified Social Credit Code"),
    "unit": ("单位", "金额单位", "Unit"),
    "currency": ("币种", "Currency"),
}

_PREFIX = re.compile(
    r"^([一二三四五六七八九十]+、|[(（][一二三四五六七八九十\d]+[)）]|\d+[.、])|^(其中|加|减)[:：]"
)
_ITEM_INDEX = {
    normalise_header(alias): (item, rank)
    for item, aliases in ITEMS.items()
    for rank, alias in enumerate(aliases)
}
_PREAMBLE_INDEX = {normalise_header(a): k for k, aliases in PREAMBLE.items() for a in aliases}
_ITEM_COLUMN = {normalise_header(a) for a in ITEM_COLUMN}
_YEAR = re.compile(r"(?:fy)?(\d{4})(?:年度?|fy)?", re.IGNORECASE)
_DATE = re.compile(r"\d{4}[-/.年]\d{1,2}[-/.月]\d{1,2}日?|\d{8}")


def item_of(label: str) -> tuple[str, int] | None:
    """The item a row's label names and how preferred that name is (0 best), or None."""
    text = label.strip()
    for _ in range(2):
        text = _PREFIX.sub("", text).strip()
    return _ITEM_INDEX.get(normalise_header(text))


def period_of(header: str) -> tuple[date, date] | None:
    """The fiscal period a column header names, or None when it names none."""
    text = normalise_header(header)
    year = _YEAR.fullmatch(text)
    if year:
        y = int(year.group(1))
        return date(y, 1, 1), date(y, 12, 31)
    dates = _DATE.findall(header)
    try:
        if len(dates) == 2:
            return parse_date(dates[0]), parse_date(dates[1])
        if len(dates) == 1 and _DATE.fullmatch(header.strip()):
            end = parse_date(dates[0])
            return _year_before(end), end
    except ValueError:
        return None
    return None


def _year_before(end: date) -> date:
    """The first day of the twelve months ending on `end`."""
    nxt = end + timedelta(days=1)
    return nxt.replace(year=nxt.year - 1)


def _unit_fen(text: str) -> int | None:
    for part in (text, text.replace("人民币", "")):
        unit = UNITS.get(normalise_header(part))
        if unit:
            return unit
    return None


def _preamble(rows: Sequence[Sequence[str]]) -> dict[str, str]:
    found: dict[str, str] = {}
    for row in rows:
        cells = [c for c in row if c]
        for i, cell in enumerate(cells):
            for label, value in re.findall(r"([^\s:：]+)\s*[:：]\s*([^\s:：]*)", cell) or [
                (cell, cells[i + 1] if i + 1 < len(cells) else "")
            ]:
                key = _PREAMBLE_INDEX.get(normalise_header(label))
                if key and value:
                    found.setdefault(key, value)
    return found


def _header(row: Sequence[str]) -> tuple[int, dict[int, tuple[date, date]]] | None:
    filled = [(i, c) for i, c in enumerate(row) if c]
    if not filled or normalise_header(filled[0][1]) not in _ITEM_COLUMN:
        return None
    periods = {i: p for i, c in filled[1:] if (p := period_of(c)) is not None}
    return (filled[0][0], periods) if periods else None


def _sheet(
    sheet: Sheet,
    errors: Errors,
    info: dict[str, str],
    periods: dict[tuple[date, date], dict[str, tuple[int, int]]],
) -> bool:
    """Adds the items of one sheet to `periods`; False when the sheet has no header row."""
    found = next(
        ((at, h) for at, row in enumerate(sheet.rows[:HEADER_SEARCH_ROWS]) if (h := _header(row))),
        None,
    )
    if found is None:
        return False
    at, (label_col, columns) = found
    for key, value in _preamble(sheet.rows[:at]).items():
        info.setdefault(key, value)
    unit = _unit_fen(info.get("unit", "元"))
    if unit is None:
        errors.add((sheet.name, "unit"), f"unknown unit {info['unit']!r}: 元, 千元 or 万元")
        return True
    header = sheet.rows[at]
    for offset, row in enumerate(sheet.rows[at + 1 :]):
        number = at + 2 + offset
        label = row[label_col] if label_col < len(row) else ""
        named = item_of(label)
        if named is None:
            continue
        item, rank = named
        for col, period in columns.items():
            text = row[col].strip() if col < len(row) else ""
            if text in ("", "-", "—", "--"):
                continue
            try:
                fen = parse_amount(text, unit)
            except ValueError as exc:
                errors.add((sheet.name, number, header[col]), str(exc))
                continue
            items = periods.setdefault(period, {})
            if item not in items or rank < items[item][1]:
                items[item] = (fen, rank)
    return True


def read_financials_file(data: bytes, name: str) -> Mapping[str, Any]:
    """A financial statements export (CSV, XLSX, or the JSON document itself) → the JSON
    document `{"company", "uscc", "currency", "unit_fen", "periods": [...]}`. Raises `Invalid`
    listing every cell that is not an amount."""
    if suffix_of(name) == "json":
        try:
            document = json.loads(data.decode("utf-8-sig"))
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise Invalid((FieldError((name,), f"not a JSON document: {exc}"),)) from exc
        if not isinstance(document, dict):
            raise Invalid((FieldError((name,), "a JSON object is required"),))
        return document
    errors = Errors()
    info: dict[str, str] = {}
    periods: dict[tuple[date, date], dict[str, tuple[int, int]]] = {}
    sheets = [_sheet(sheet, errors, info, periods) for sheet in read_sheets(data, name)]
    errors.raise_if_any()
    if not any(sheets):
        raise Invalid(
            (FieldError((name,), "no header row of 项目/Item and period columns in any sheet"),)
        )
    currency = info.get("currency", "CNY")
    return {
        "company": info.get("company", ""),
        "uscc": info.get("uscc", ""),
        "currency": "CNY" if normalise_header(currency) in ("人民币", "cny", "rmb") else currency,
        "unit_fen": _unit_fen(info.get("unit", "元")),
        "periods": [
            {
                "period_from": start.isoformat(),
                "period_to": end.isoformat(),
                "items": {item: fen for item, (fen, _) in items.items()},
            }
            for (start, end), items in sorted(periods.items())
        ],
    }
