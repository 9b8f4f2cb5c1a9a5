"""Bank statement exports (银行流水) → the JSON document a provider answers (`sources.statements`).

The layouts the big banks and English-language exports use are data: `LAYOUTS`, one table of
header aliases per layout. A file's header row is the first row, within `HEADER_SEARCH_ROWS`,
whose cells name a date, a balance and an amount in one layout (split 收入/支出 columns, one
signed 交易金额 column, or an amount with a 借贷标志 column); the rows above it are the preamble
of account-information lines (户名, 账号, 开户行, 币种, 起止日期 …, `PREAMBLE_KEYS`).

The account number is cut to its last four digits here, as it is read: the full number is never
part of the document. Every unparseable row is listed (up to `tabular.ERROR_CAP`) with its file
row and column, and then the whole file is refused."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from fengkong.core.errors import FieldError, Invalid
from fengkong.core.money import Fen
from fengkong.sources.tabular import (
    Errors,
    Sheet,
    normalise_header,
    parse_amount,
    parse_date,
    read_sheets,
    suffix_of,
    time_of,
)

__all__ = [
    "CURRENCY_NAMES",
    "LAYOUTS",
    "PREAMBLE_KEYS",
    "Layout",
    "last4",
    "read_statement_file",
]

HEADER_SEARCH_ROWS = 40

Column = Literal[
    "date",
    "time",
    "credit",
    "debit",
    "amount",
    "direction",
    "balance",
    "counterparty",
    "description",
    "channel",
    "currency",
]


@dataclass(frozen=True, slots=True)
class Layout:
    """A bank's export: for each column the header texts it is exported under (first one is
    what `sim.sources_statements` writes)."""

    name: str
    headers: Mapping[Column, tuple[str, ...]]


LAYOUTS: tuple[Layout, ...] = (
    Layout(  # 工商银行: 记账金额(收入)/(支出) split columns
        "icbc",
        {
            "date": ("交易日期", "记账日期"),
            "time": ("交易时间",),
            "description": ("摘要",),
            "channel": ("交易场所", "交易渠道"),
            "credit": ("记账金额(收入)", "交易金额(收入)", "收入金额"),
            "debit": ("记账金额(支出)", "交易金额(支出)", "支出金额"),
            "currency": ("记账币种", "币种"),
            "balance": ("余额", "账户余额"),
            "counterparty": ("对方户名", "对方账户名称"),
        },
    ),
    Layout(  # 招商银行: one signed 交易金额 column and 联机余额
        "cmb",
        {
            "date": ("记账日期", "交易日期"),
            "time": ("交易时间",),
            "currency": ("货币", "币种"),
            "amount": ("交易金额",),
            "balance": ("联机余额", "余额"),
            "description": ("交易摘要", "摘要"),
            "counterparty": ("对手信息", "对方户名"),
            "channel": ("交易渠道",),
        },
    ),
    Layout(  # 建设银行: 借方发生额/贷方发生额
        "ccb",
        {
            "date": ("交易日期", "记账日期"),
            "time": ("交易时间",),
            "description": ("摘要", "用途"),
            "debit": ("借方发生额", "支出金额"),
            "credit": ("贷方发生额", "收入金额"),
            "balance": ("账户余额", "余额"),
            "counterparty": ("对方户名", "对方账户名称"),
            "channel": ("交易地点", "交易渠道"),
            "currency": ("币种", "币别"),
        },
    ),
    Layout(  # 农业银行 and others: an unsigned amount with a 借贷标志 column
        "abc",
        {
            "date": ("交易日期", "记账日期"),
            "time": ("交易时间",),
            "amount": ("交易金额", "发生额"),
            "direction": ("借贷标志", "收支标志", "借贷方向"),
            "balance": ("账户余额", "余额"),
            "counterparty": ("对方户名", "对方账户名称"),
            "description": ("摘要", "用途", "交易用途"),
            "channel": ("交易渠道", "交易方式"),
            "currency": ("币种",),
        },
    ),
    Layout(  # English-language exports (foreign banks, internet banks' English pages)
        "english",
        {
            "date": ("Date", "Transaction Date", "Posting Date", "Value Date"),
            "time": ("Time", "Transaction Time"),
            "credit": ("Credit", "Deposit", "Paid In", "Money In"),
            "debit": ("Debit", "Withdrawal", "Paid Out", "Money Out"),
            "amount": ("Amount", "Transaction Amount"),
            "direction": ("Dr/Cr", "Debit/Credit", "Direction"),
            "balance": ("Balance", "Running Balance", "Available Balance"),
            "counterparty": ("Counterparty", "Payee", "Payer", "Beneficiary"),
            "description": ("Description", "Narrative", "Details", "Memo", "Reference"),
            "channel": ("Channel", "Transaction Channel"),
            "currency": ("Currency", "CCY"),
        },
    ),
)

# Which way money moved, as the direction columns write it.
DIRECTIONS: Mapping[str, int] = {
    **dict.fromkeys(("贷", "贷方", "收", "收入", "入", "c", "cr", "credit", "in"), 1),
    **dict.fromkeys(("借", "借方", "支", "支出", "出", "d", "dr", "debit", "out"), -1),
}

PreambleKey = Literal[
    "holder", "account", "bank", "currency", "period", "from", "to", "opening", "closing"
]
PREAMBLE_KEYS: Mapping[PreambleKey, tuple[str, ...]] = {
    "holder": (
        "户名",
        "账户名称",
        "账户名",
        "客户姓名",
        "姓名",
        "Account Name",
        "Account Holder",
        "Name",
    ),
    "account": ("账号", "卡号", "账户", "账户号码", "Account Number", "Account No", "Card Number"),
    "bank": ("开户行", "开户银行", "开户网点", "银行", "Bank", "Bank Name"),
    "currency": ("币种", "币别", "货币", "Currency"),
    "period": (
        "起止日期",
        "查询期间",
        "交易期间",
        "查询日期",
        "期间",
        "Period",
        "Statement Period",
    ),
    "from": ("起始日期", "开始日期", "From"),
    "to": ("截止日期", "结束日期", "To"),
    "opening": ("期初余额", "上期余额", "Opening Balance"),
    "closing": ("期末余额", "本期余额", "Closing Balance"),
}

CURRENCY_NAMES: Mapping[str, str] = {
    **dict.fromkeys(("人民币", "人民币元", "rmb", "cny", "156", "本币"), "CNY"),
    **dict.fromkeys(("美元", "usd", "840"), "USD"),
    **dict.fromkeys(("港币", "港元", "hkd", "344"), "HKD"),
    **dict.fromkeys(("欧元", "eur", "978"), "EUR"),
}

FOOTER_WORDS = ("合计", "总计", "小计", "共", "以下空白", "total", "end of statement")

_DATE_TOKEN = re.compile(r"\d{4}[-/.年]\d{1,2}[-/.月]\d{1,2}日?|\d{8}")
# "key：" in a preamble cell: a Chinese label, or English words ("Account Number:").
_PAIR = re.compile(r"([A-Za-z][A-Za-z ./]*|[^\s:：A-Za-z]+)\s*[:：]")


def currency_code(text: str) -> str:
    return CURRENCY_NAMES.get(normalise_header(text), text.strip().upper())


def last4(account: str) -> str:
    """The last four digits of an account or card number (masked ones too: 6222****1234)."""
    digits = re.sub(r"\D", "", account)
    return digits[-4:]


_HEADER_INDEX = {
    layout.name: {
        normalise_header(alias): column
        for column, aliases in layout.headers.items()
        for alias in aliases
    }
    for layout in LAYOUTS
}
_PREAMBLE_INDEX = {
    normalise_header(alias): key for key, aliases in PREAMBLE_KEYS.items() for alias in aliases
}


def _match_header(row: Sequence[str]) -> tuple[Layout, dict[Column, int]] | None:
    """The layout whose headers `row` names most of, if it names a date, a balance and an
    amount in that layout."""
    best: tuple[Layout, dict[Column, int]] | None = None
    for layout in LAYOUTS:
        index = _HEADER_INDEX[layout.name]
        columns: dict[Column, int] = {}
        for i, cell in enumerate(row):
            column = index.get(normalise_header(cell))
            if column is not None and column not in columns:
                columns[column] = i
        has_amount = {"credit", "debit"} <= columns.keys() or "amount" in columns
        fits = {"date", "balance"} <= columns.keys() and has_amount
        if fits and (best is None or len(columns) > len(best[1])):
            best = (layout, columns)
    return best


def _keys(cell: str) -> list[tuple[PreambleKey | None, int, int]]:
    """The labels of one preamble cell: (key, where the label starts, where its value starts).
    English labels are words, so "Name: WANG Xiaoming Currency: CNY" has its second label found
    as the longest known tail of "WANG Xiaoming Currency"."""
    found: list[tuple[PreambleKey | None, int, int]] = []
    for match in _PAIR.finditer(cell):
        label, start = match.group(1), match.start(1)
        key = _PREAMBLE_INDEX.get(normalise_header(label))
        words = label.split(" ")
        for k in range(1, len(words)):
            if key is not None:
                break
            tail = " ".join(words[k:])
            key = _PREAMBLE_INDEX.get(normalise_header(tail))
            if key is not None:
                start = match.start(1) + len(label) - len(tail)
        found.append((key, start, match.end()))
    return found


def _preamble(rows: Sequence[Sequence[str]]) -> dict[PreambleKey, str]:
    """The account-information lines above the header: "户名：张三" in one cell, "户名" and
    "张三" in two, or several "key：value" pairs in one cell."""
    found: dict[PreambleKey, str] = {}
    for row in rows:
        cells = [c for c in row if c]
        for i, cell in enumerate(cells):
            labels = _keys(cell)
            following = cells[i + 1] if i + 1 < len(cells) and not _keys(cells[i + 1]) else ""
            if not labels:
                key = _PREAMBLE_INDEX.get(normalise_header(cell))
                if key and following:
                    found.setdefault(key, following)
                continue
            for j, (key, _, value_at) in enumerate(labels):
                end = labels[j + 1][1] if j + 1 < len(labels) else len(cell)
                value = cell[value_at:end].strip() or following
                if key and value:
                    found.setdefault(key, value)
    return found


def _cell(cols: Mapping[Column, int], row: Sequence[str], column: Column) -> str:
    i = cols.get(column)
    return row[i].strip() if i is not None and i < len(row) else ""


def _signed_amount(cols: Mapping[Column, int], row: Sequence[str]) -> Fen:
    if "credit" in cols and "debit" in cols:
        credit, debit = _cell(cols, row, "credit"), _cell(cols, row, "debit")
        if not credit and not debit:
            raise ValueError("neither an inflow nor an outflow")
        inflow = abs(parse_amount(credit)) if credit else 0
        outflow = abs(parse_amount(debit)) if debit else 0
        return Fen(inflow - outflow)
    amount = parse_amount(_cell(cols, row, "amount"))
    if "direction" in cols:
        flag = _cell(cols, row, "direction")
        sign = DIRECTIONS.get(normalise_header(flag))
        if sign is None:
            raise ValueError(f"not a debit/credit flag: {flag!r}")
        return Fen(sign * abs(amount))
    return amount


def _is_footer(row: Sequence[str]) -> bool:
    first = next((c for c in row if c), "")
    return normalise_header(first).startswith(tuple(normalise_header(w) for w in FOOTER_WORDS))


def _transactions(
    sheet: Sheet, header_at: int, layout: Layout, cols: Mapping[Column, int], errors: Errors
) -> list[dict[str, Any]]:
    header = sheet.rows[header_at]
    found: list[dict[str, Any]] = []
    for offset, row in enumerate(sheet.rows[header_at + 1 :]):
        number = header_at + 2 + offset  # 1-based row in the file
        if not any(row) or _is_footer(row):
            continue

        def where(column: Column, number: int = number) -> tuple[str | int, ...]:
            i = cols.get(column, cols.get("amount", cols.get("credit", 0)))
            return (sheet.name, number, header[i])

        def cell(column: Column, row: Sequence[str] = row) -> str:
            return _cell(cols, row, column)

        before = len(errors.found) + errors.dropped
        try:
            on = parse_date(cell("date"))
        except ValueError as exc:
            errors.add(where("date"), str(exc))
        try:
            amount = _signed_amount(cols, row)
        except ValueError as exc:
            errors.add(where("amount" if "amount" in cols else "credit"), str(exc))
        try:
            balance = parse_amount(cell("balance"))
        except ValueError as exc:
            errors.add(where("balance"), str(exc))
        if len(errors.found) + errors.dropped > before:
            continue
        txn: dict[str, Any] = {
            "date": on.isoformat(),
            "time": cell("time") or time_of(cell("date")),
            "amount_fen": amount,
            "balance_fen": balance,
            "counterparty": cell("counterparty"),
            "description": cell("description"),
            "channel": cell("channel"),
            "row": number,
        }
        if cell("currency"):
            txn["currency"] = currency_code(cell("currency"))
        found.append(txn)
    # Some banks export the newest first: the document holds them oldest first.
    if len(found) > 1 and (found[0]["date"], found[0]["time"]) > (
        found[-1]["date"],
        found[-1]["time"],
    ):
        found.reverse()
    return found


def _statement(sheet: Sheet, errors: Errors) -> dict[str, Any] | None:
    headers = ((at, _match_header(row)) for at, row in enumerate(sheet.rows[:HEADER_SEARCH_ROWS]))
    at, matched = next(((at, m) for at, m in headers if m is not None), (0, None))
    if matched is None:
        return None
    layout, cols = matched
    info = _preamble(sheet.rows[:at])
    txns = _transactions(sheet, at, layout, cols, errors)
    if errors:
        return {}
    for key in ("holder", "account"):
        if key not in info:
            errors.add((sheet.name, key), f"no {key} in the lines above the header row {at + 1}")

    def money(key: PreambleKey) -> int | None:
        if key not in info:
            return None
        try:
            return parse_amount(info[key])
        except ValueError as exc:
            errors.add((sheet.name, key), str(exc))
            return None

    opening, closing = money("opening"), money("closing")
    if opening is None and txns:
        opening = txns[0]["balance_fen"] - txns[0]["amount_fen"]
    if closing is None and txns:
        closing = txns[-1]["balance_fen"]
    if opening is None or closing is None:
        errors.add((sheet.name, "balance"), "no transactions and no opening or closing balance")
    dates = _DATE_TOKEN.findall(info.get("period", ""))
    start_text = info.get("from") or (dates[0] if dates else None)
    end_text = info.get("to") or (dates[1] if len(dates) > 1 else None)
    period: list[str] = []
    for key, text, fallback in (
        ("from", start_text, txns[0]["date"] if txns else None),
        ("to", end_text, txns[-1]["date"] if txns else None),
    ):
        try:
            period.append(parse_date(text).isoformat() if text else str(fallback))
        except ValueError as exc:
            errors.add((sheet.name, key), str(exc))
    if errors:
        return {}
    currencies = {t["currency"] for t in txns if "currency" in t}
    currency = info.get("currency") or (currencies.pop() if len(currencies) == 1 else "CNY")
    return {
        "holder": info["holder"].strip(),
        "account": last4(info["account"]),
        "bank": info.get("bank", "").strip(),
        "currency": currency_code(currency),
        "period_from": period[0],
        "period_to": period[1],
        "opening_balance_fen": opening,
        "closing_balance_fen": closing,
        "layout": layout.name,
        "transactions": txns,
    }


def read_statement_file(data: bytes, name: str) -> Mapping[str, Any]:
    """A statement export (CSV, XLSX: one statement per worksheet; or the JSON document itself)
    → the JSON document `{"statements": [...]}`. Raises `Invalid` listing every bad row."""
    if suffix_of(name) == "json":
        try:
            document = json.loads(data.decode("utf-8-sig"))
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise Invalid((FieldError((name,), f"not a JSON document: {exc}"),)) from exc
        if not isinstance(document, dict) or not isinstance(document.get("statements"), list):
            raise Invalid((FieldError((name, "statements"), "a list of statements is required"),))
        return document
    errors = Errors()
    statements = [
        s for sheet in read_sheets(data, name) if (s := _statement(sheet, errors)) is not None
    ]
    errors.raise_if_any()
    if not statements:
        raise Invalid(
            (
                FieldError(
                    (name,),
                    f"no header row naming a date, an amount and a balance in the first "
                    f"{HEADER_SEARCH_ROWS} rows of any sheet",
                ),
            )
        )
    return {"statements": statements}
