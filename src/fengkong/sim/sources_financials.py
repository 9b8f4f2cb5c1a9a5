"""Synthetic financial statements (财务报表) of a simulated small business, for the simulated
provider, and their exports (CSV, XLSX with the balance sheet and the income statement on two
sheets) for tests and demos.

Drawn from the business's size (its owner's monthly income stands for a twelfth of its profit
margin on revenue) and the owner's creditworthiness: weaker businesses carry more debt, earn thinner
or negative margins and grow less. Figures are whole yuan (`unit_fen` 100); the balance sheet
balances exactly and current items stay inside their totals."""

from __future__ import annotations

import csv
import io
import random
from collections.abc import Mapping, Sequence
from datetime import date
from typing import Any

from fengkong.core.money import Fen, fen_to_yuan
from fengkong.sim.model import Applicant
from fengkong.sources.financial_files import ITEMS

__all__ = [
    "FINANCIALS_COST",
    "financials_document",
    "financials_payload",
    "write_financials_csv",
    "write_financials_xlsx",
]

FINANCIALS_COST = Fen(2000)  # ¥20 a call: a tax-bureau-sourced report costs more than a statement

BALANCE_SHEET = (
    "cash",
    "receivables",
    "inventory",
    "current_assets",
    "total_assets",
    "current_liabilities",
    "total_liabilities",
    "equity",
)
INCOME_STATEMENT = (
    "revenue",
    "cost_of_sales",
    "interest_expense",
    "operating_profit",
    "net_profit",
    "operating_cash_flow",
)

INDUSTRY_NAMES = {
    "retail": "商贸",
    "manufacturing": "制造",
    "catering": "餐饮",
    "logistics": "物流",
    "information_technology": "信息技术",
    "construction": "建筑工程",
    "agriculture": "农业",
    "education": "教育咨询",
    "healthcare": "医疗器械",
}


def _part(amount: int, ratio: float) -> Fen:
    """A drawn share of an amount, in whole yuan (the ratio is a simulated statistic, kept to
    four decimals and applied in integers)."""
    per_10k = round(ratio * 10_000)
    return Fen(amount * per_10k // 10_000 // 100 * 100)


def financials_document(
    *,
    company: str,
    uscc: str,
    annual_revenue: Fen,
    creditworthiness: float,
    rng: random.Random,
    as_of: date,
    years: int = 2,
    debt_ratio: float | None = None,
    margin: float | None = None,
    growth: float | None = None,
) -> dict[str, Any]:
    """The business's statements for the `years` calendar years before `as_of`'s, oldest first,
    as the provider's JSON document `sources.financials.read` accepts. A business whose hidden
    state is known (`sim.business`) gives its own `debt_ratio`, operating `margin` and revenue
    `growth`; otherwise they are drawn from `creditworthiness`."""
    z = creditworthiness
    last_year = as_of.year - 1
    revenue = _part(annual_revenue, 1.0)
    if growth is None:
        growth = rng.gauss(0.05 + 0.05 * z, 0.1)
    revenues = [revenue]
    for _ in range(years - 1):
        revenues.insert(0, _part(revenues[0], 1 / max(0.5, 1 + growth)))
    if debt_ratio is None:
        debt_ratio = min(0.95, max(0.1, rng.gauss(0.5 - 0.15 * z, 0.1)))
    if margin is None:
        margin = rng.gauss(0.04 + 0.03 * z, 0.03)
    periods = []
    for k, revenue in enumerate(revenues):
        year = last_year - (years - 1 - k)
        total_assets = _part(revenue, rng.uniform(0.5, 1.2))
        total_liabilities = _part(total_assets, debt_ratio + rng.gauss(0, 0.02))
        current_assets = _part(total_assets, rng.uniform(0.4, 0.7))
        cost_of_sales = _part(revenue, rng.uniform(0.6, 0.8))
        interest = _part(total_liabilities, rng.uniform(0.03, 0.07))
        operating_profit = _part(revenue, margin + rng.gauss(0, 0.01))
        net_profit = _part(operating_profit, 0.75) if operating_profit > 0 else operating_profit
        items = {
            "cash": _part(current_assets, rng.uniform(0.1, 0.25)),
            "receivables": _part(current_assets, rng.uniform(0.2, 0.35)),
            "inventory": _part(current_assets, rng.uniform(0.2, 0.35)),
            "current_assets": current_assets,
            "total_assets": total_assets,
            "current_liabilities": _part(total_liabilities, rng.uniform(0.5, 0.9)),
            "total_liabilities": total_liabilities,
            "equity": Fen(total_assets - total_liabilities),
            "revenue": revenue,
            "cost_of_sales": cost_of_sales,
            "interest_expense": interest,
            "operating_profit": operating_profit,
            "net_profit": net_profit,
            "operating_cash_flow": Fen(net_profit + _part(revenue, rng.gauss(0.01, 0.03))),
        }
        periods.append(
            {
                "period_from": date(year, 1, 1).isoformat(),
                "period_to": date(year, 12, 31).isoformat(),
                "items": items,
            }
        )
    return {
        "company": company,
        "uscc": uscc,
        "currency": "CNY",
        "unit_fen": 100,
        "periods": periods,
    }


def financials_payload(
    applicant: Applicant, as_of: date, seed: int, years: int = 2
) -> dict[str, Any]:
    """What the simulated provider answers for a small-business applicant: the same for the same
    seed. The owner's monthly income is taken as a twelfth of a 5 % margin on revenue."""
    rng = random.Random(f"{seed}:{applicant.key}:financial_statements")
    return financials_document(
        company=f"{applicant.identity.name[0]}氏{INDUSTRY_NAMES.get(applicant.industry, '商贸')}有限公司",
        uscc=applicant.identity.employer_uscc or "",
        annual_revenue=Fen(applicant.monthly_income * 12 * 20),
        creditworthiness=applicant.creditworthiness,
        rng=rng,
        as_of=as_of,
        years=years,
    )


def _rows(
    document: Mapping[str, Any], items: Sequence[str], english: bool, typed: bool
) -> list[list[Any]]:
    """Preamble, header (项目 and one column per year) and one row per item present."""
    periods = document["periods"]

    def amount(fen: int) -> Any:
        return fen_to_yuan(fen) if typed else f"{fen_to_yuan(fen):,.2f}"

    def label(item: str) -> str:
        aliases = ITEMS[item]
        return next(a for a in aliases if a.isascii()) if english else aliases[0]

    if english:
        preamble = [
            [f"Company: {document['company']}"],
            [f"USCC: {document['uscc']}"],
            ["Unit: yuan", "Currency: CNY"],
        ]
        header = ["Item", *(f"FY{p['period_to'][:4]}" for p in periods)]
    else:
        preamble = [
            [f"编制单位：{document['company']}"],
            [f"统一社会信用代码：{document['uscc']}"],
            ["单位：元", "币种：人民币"],
        ]
        header = ["项目", *(f"{p['period_to'][:4]}年度" for p in periods)]
    body = [
        [label(item), *(amount(p["items"][item]) if item in p["items"] else "" for p in periods)]
        for item in items
        if any(item in p["items"] for p in periods)
    ]
    return [*preamble, header, *body]


def write_financials_csv(
    document: Mapping[str, Any], *, english: bool = False, encoding: str = "gb18030"
) -> bytes:
    """The statements as one CSV sheet, items in rows and years in columns, in yuan. Periods
    must be calendar years (the header names each by its year)."""
    out = io.StringIO()
    rows = _rows(document, (*BALANCE_SHEET, *INCOME_STATEMENT), english, typed=False)
    csv.writer(out, lineterminator="\r\n").writerows(rows)
    return out.getvalue().encode(encoding)


def write_financials_xlsx(document: Mapping[str, Any], *, english: bool = False) -> bytes:
    """The statements as a workbook: the balance sheet (资产负债表) on one sheet, the income
    statement and operating cash flow (利润表) on another; amounts as exact numbers."""
    import openpyxl

    book = openpyxl.Workbook()
    for blank in book.worksheets:
        book.remove(blank)
    for title, items in (("资产负债表", BALANCE_SHEET), ("利润表", INCOME_STATEMENT)):
        sheet = book.create_sheet(title)
        for row in _rows(document, items, english, typed=True):
            sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
