"""Features of a business's financial statements (财务报表): 资产负债率, 流动比率, interest
coverage, revenue growth, net margin, and how many times the monthly operating cash flow covers
the instalment the business asks to repay.

The last needs the requested instalment, which is not in the statements: the family computes
from `FinancialsRequest`, the statements with that instalment beside them (from the
application, or a fetch's `params["instalment_fen"]`, `instalment_of`). Without an instalment the
cover is missing, as are ratios whose denominator is zero or not reported. All are read from the
latest period; growth compares it with the period of the same length a year before."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_CEILING, Decimal
from typing import Any

from fengkong.core.money import Fen
from fengkong.features.documents import DocumentFeature, DocumentFeatures, FeatureValue
from fengkong.sources.financials import Financials

__all__ = [
    "FINANCIAL_FEATURES",
    "REQUEST_RATE",
    "FinancialsRequest",
    "instalment_of",
    "requested_instalment",
]


@dataclass(frozen=True, slots=True)
class FinancialsRequest:
    """A business's financial statements and the monthly instalment it asks to repay (None when
    not known: the cover is then missing)."""

    financials: Financials
    requested_instalment: Fen | None = None


# The annual rate a request's level instalment is reckoned at for the cover feature: the offer's
# own price is set later by the policy, so the cover is reckoned the same way for every applicant
# (and for the simulated history the business model learns from).
REQUEST_RATE = Decimal("0.12")


def requested_instalment(amount: Fen, term_months: int, annual_rate: Decimal = REQUEST_RATE) -> Fen:
    """The level monthly instalment of `amount` over `term_months` at `annual_rate`, rounded up
    to the fen."""
    r = annual_rate / 12
    if r == 0:
        return Fen(int((Decimal(amount) / term_months).to_integral_value(ROUND_CEILING)))
    payment = Decimal(amount) * r / (1 - (1 + r) ** -term_months)
    return Fen(int(payment.to_integral_value(ROUND_CEILING)))


def instalment_of(params: Mapping[str, Any]) -> Fen | None:
    """The requested monthly instalment from a request's JSON params (`instalment_fen`)."""
    value = params.get("instalment_fen")
    return Fen(value) if isinstance(value, int) and not isinstance(value, bool) else None


def _ratio(numerator: int | None, denominator: int | None) -> float | None:
    if numerator is None or denominator is None or denominator <= 0:
        return None
    return numerator / denominator


def _compute(request: FinancialsRequest, as_of: date) -> Mapping[str, FeatureValue]:
    fin = request.financials
    p = fin.latest
    before = fin.year_before(p)
    growth = _ratio(p.revenue, before.revenue if before else None)
    ebit = (
        p.operating_profit + p.interest_expense
        if p.operating_profit is not None and p.interest_expense is not None
        else None
    )  # 营业利润 is after interest (in 财务费用): adding it back gives earnings before interest
    monthly_cash = p.operating_cash_flow / p.months if p.operating_cash_flow is not None else None
    instalment = request.requested_instalment
    return {
        "financials.debt_ratio": _ratio(p.total_liabilities, p.total_assets),
        "financials.current_ratio": _ratio(p.current_assets, p.current_liabilities),
        "financials.interest_coverage": _ratio(ebit, p.interest_expense),
        "financials.revenue_growth": growth - 1 if growth is not None else None,
        "financials.net_margin": _ratio(p.net_profit, p.revenue),
        "financials.instalment_cover": monthly_cash / instalment
        if monthly_cash is not None and instalment
        else None,
        "financials.months_reported": float(p.months),
    }


def _feature(name: str, en: tuple[str, str], zh: tuple[str, str]) -> DocumentFeature:
    return DocumentFeature(f"financials.{name}", "numerical", en[0], zh[0], en[1], zh[1])


FEATURES: tuple[DocumentFeature, ...] = (
    _feature("debt_ratio",
             ("Debt ratio: total liabilities over total assets", "The business carries much debt"),
             ("资产负债率：负债合计除以资产总计", "企业资产负债率偏高")),
    _feature("current_ratio",
             ("Current ratio: current assets over current liabilities",
              "Short-term assets barely cover short-term debts"),
             ("流动比率：流动资产合计除以流动负债合计", "企业流动资产不足以覆盖短期负债")),
    _feature("interest_coverage",
             ("Interest coverage: operating profit before interest over interest expense",
              "Profit barely covers the interest the business pays"),
             ("利息保障倍数：息前营业利润除以利息费用", "企业利润难以覆盖利息支出")),
    _feature("revenue_growth",
             ("Revenue growth on the same period a year before",
              "Revenue has fallen on the year before"),
             ("营业收入同比增长率", "企业营业收入同比下降")),
    _feature("net_margin",
             ("Net margin: net profit over revenue", "The business earns little or loses money"),
             ("净利润率：净利润除以营业收入", "企业盈利能力弱或处于亏损")),
    _feature("instalment_cover",
             ("Monthly operating cash flow over the requested instalment",
              "Operating cash flow does not cover the requested instalment"),
             ("月均经营活动现金流量净额与申请月供之比", "经营现金流不足以覆盖申请的月供")),
    _feature("months_reported",
             ("Months of the latest reported period", "The latest period reported is short"),
             ("最近一期报表覆盖的月数", "最近一期报表覆盖期间过短")),
)  # fmt: skip

FINANCIAL_FEATURES: DocumentFeatures[FinancialsRequest] = DocumentFeatures(
    name="financials", version="1", features=FEATURES, compute=_compute
)
