"""Financial statements (财务报表) of a business for one or more fiscal periods: the JSON document a
provider answers (or an export becomes, `sources.financial_files`), checked and read into
`Financials`.

The document::

    {"company": "上海某某餐饮有限公司", "uscc": "91310000MA1K000000", "currency": "CNY",
     "unit_fen": 100,
     "periods": [{"period_from": "2025-01-01", "period_to": "2025-12-31",
                  "items": {"current_assets": 125000000, "total_assets": 380000000, …}}]}

Item amounts are integer fen (`ITEMS` names them). `unit_fen` is what the figures were rounded to
(100: whole yuan, 100000: 千元; 1 when exact): the balance sheet must balance, total assets equal
to total liabilities plus equity, within `balance_tolerance(unit_fen)` = one and a half units,
since each of the three figures is off by at most half a unit.

`read` refuses the document (`Invalid`, every error with its period and item) when: an item is
not an integer; a required item (`REQUIRED`) is missing; the balance sheet does not balance; a
period ends after `as_of`, ends before it starts, or repeats another; the currency is not CNY;
the unified social credit code is not the subject's (when both are known)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, fields
from datetime import date
from typing import Any

from fengkong.core.money import CURRENCY, Fen, format_fen
from fengkong.sources.connector import Subject
from fengkong.sources.financial_files import ITEMS, read_financials_file
from fengkong.sources.handler import KindHandler
from fengkong.sources.kinds import SourceKind
from fengkong.sources.tabular import Errors

__all__ = [
    "FINANCIALS",
    "REQUIRED",
    "FinancialPeriod",
    "Financials",
    "balance_tolerance",
    "read",
    "read_file",
]

REQUIRED = (
    "current_assets",
    "total_assets",
    "current_liabilities",
    "total_liabilities",
    "equity",
    "revenue",
    "net_profit",
)


@dataclass(frozen=True, slots=True)
class FinancialPeriod:
    """One fiscal period: the balance sheet at its end, the income statement and operating cash
    flow over it. Optional items are None when the report does not give them."""

    period_from: date
    period_to: date
    current_assets: Fen  # 流动资产合计
    total_assets: Fen  # 资产总计
    current_liabilities: Fen  # 流动负债合计
    total_liabilities: Fen  # 负债合计
    equity: Fen  # 所有者权益合计
    revenue: Fen  # 营业收入
    net_profit: Fen  # 净利润
    cash: Fen | None = None  # 货币资金
    receivables: Fen | None = None  # 应收账款
    inventory: Fen | None = None  # 存货
    cost_of_sales: Fen | None = None  # 营业成本
    operating_profit: Fen | None = None  # 营业利润
    interest_expense: Fen | None = None  # 利息费用 (or 财务费用)
    operating_cash_flow: Fen | None = None  # 经营活动产生的现金流量净额

    @property
    def months(self) -> int:
        """Whole months the period spans (a calendar year: 12)."""
        days = (self.period_to - self.period_from).days + 1
        return round(days / 30.4375)  # a Gregorian month's mean length: a year is 12, a half 6


@dataclass(frozen=True, slots=True)
class Financials:
    company: str
    uscc: str
    periods: tuple[FinancialPeriod, ...]  # oldest first

    @property
    def latest(self) -> FinancialPeriod:
        return self.periods[-1]

    def year_before(self, period: FinancialPeriod) -> FinancialPeriod | None:
        """The period of the same length ending a year before `period`, if reported."""
        return next(
            (
                p
                for p in self.periods
                if p.months == period.months
                and (p.period_to.year, p.period_to.month)
                == (period.period_to.year - 1, period.period_to.month)
            ),
            None,
        )


def balance_tolerance(unit_fen: int) -> int:
    """How far assets may be from liabilities plus equity, in fen, for figures rounded to
    `unit_fen`: three figures each off by at most half a unit."""
    return 3 * unit_fen // 2


_OPTIONAL = tuple(
    f.name for f in fields(FinancialPeriod) if f.name not in (*REQUIRED, "period_from", "period_to")
)


def _day(
    raw: Mapping[str, Any], key: str, loc: tuple[str | int, ...], errors: Errors
) -> date | None:
    value = raw.get(key)
    if isinstance(value, str):
        try:
            return date.fromisoformat(value)
        except ValueError:
            pass
    errors.add((*loc, key), f"a date as YYYY-MM-DD is required, not {value!r}")
    return None


def _period(
    raw: object, loc: tuple[str | int, ...], as_of: date, tolerance: int, errors: Errors
) -> FinancialPeriod | None:
    if not isinstance(raw, Mapping):
        errors.add(loc, "a period must be an object")
        return None
    start, end = _day(raw, "period_from", loc, errors), _day(raw, "period_to", loc, errors)
    items = raw.get("items")
    if not isinstance(items, Mapping):
        errors.add((*loc, "items"), "the items are required")
        items = {}
    amounts: dict[str, Fen | None] = {}
    for item in ITEMS:
        value = items.get(item)
        if value is None:
            if item in REQUIRED:
                errors.add((*loc, "items", item), "is required")
            amounts[item] = None
        elif isinstance(value, bool) or not isinstance(value, int):
            errors.add((*loc, "items", item), "an integer amount in fen is required")
            amounts[item] = None
        else:
            amounts[item] = Fen(value)
    if start and end:
        if start > end:
            errors.add((*loc, "period_to"), "the period ends before it starts")
        if end > as_of:
            errors.add((*loc, "period_to"), f"the period ends after {as_of}")
    assets, liabilities, equity = (
        amounts[k] for k in ("total_assets", "total_liabilities", "equity")
    )
    if assets is not None and liabilities is not None and equity is not None:
        gap = assets - liabilities - equity
        if abs(gap) > tolerance:
            errors.add(
                (*loc, "items", "total_assets"),
                f"total assets {format_fen(assets)} are not liabilities {format_fen(liabilities)} "
                f"plus equity {format_fen(equity)} (off by {format_fen(gap)}, "
                f"tolerance {format_fen(tolerance)})",
            )
    if start is None or end is None or any(amounts[k] is None for k in REQUIRED):
        return None
    present: dict[str, Any] = {k: amounts[k] for k in (*REQUIRED, *_OPTIONAL)}
    return FinancialPeriod(start, end, **present)


def read(payload: Mapping[str, Any], subject: Subject, as_of: date) -> Financials:
    """The checked, typed financial statements of a JSON document about `subject`."""
    errors = Errors()
    currency = payload.get("currency")
    if currency != CURRENCY:
        errors.add(("currency",), f"currency {currency!r}, only CNY is accepted")
    uscc = payload.get("uscc") or ""
    company = payload.get("company") or ""
    if not isinstance(uscc, str) or not isinstance(company, str):
        errors.add(("uscc",), "the company and its code must be text")
        uscc, company = "", ""
    if uscc and subject.uscc and uscc.strip().upper() != subject.uscc.strip().upper():
        errors.add(("uscc",), "the statements are of another business")
    unit = payload.get("unit_fen", 1)
    if isinstance(unit, bool) or not isinstance(unit, int) or unit < 1:
        errors.add(("unit_fen",), "a positive integer number of fen is required")
        unit = 1
    raw = payload.get("periods")
    if not isinstance(raw, list) or not raw:
        errors.add(("periods",), "at least one period is required")
        raw = []
    periods = [
        _period(p, ("periods", i), as_of, balance_tolerance(unit), errors)
        for i, p in enumerate(raw)
    ]
    seen: dict[tuple[date, date], int] = {}
    for i, p in enumerate(periods):
        if p is None:
            continue
        key = (p.period_from, p.period_to)
        if key in seen:
            errors.add(("periods", i), f"repeats period {seen[key]}")
        seen.setdefault(key, i)
    errors.raise_if_any()
    complete = sorted(
        (p for p in periods if p is not None), key=lambda p: (p.period_to, p.period_from)
    )
    return Financials(company.strip(), uscc.strip().upper(), tuple(complete))


def read_file(data: bytes, name: str) -> Mapping[str, Any]:
    """An export file (CSV, XLSX, JSON) → the JSON document (`financial_files`)."""
    return read_financials_file(data, name)


FINANCIALS: KindHandler[Financials] = KindHandler(SourceKind.FINANCIAL_STATEMENTS, read_file, read)
