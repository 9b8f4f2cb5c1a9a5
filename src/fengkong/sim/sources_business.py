"""What the simulated business registry, tax bureau and utilities answer about a simulated
applicant's business (the one whose unified social credit code is `identity.employer_uscc`): JSON
documents of `sources.business` and `sources.payments` whose risk agrees with the applicant's
hidden risk (`sim.sources_bureau.risk_of`): riskier businesses are younger, pay tax late more
often, pay less of it each year, have lower tax credit grades and pay utility bills late.

An applicant with no business code has no record: `NotFound`, as a real registry answers.

A business of the simulated small-business population (`sim.business`) passes its hidden state
as `business=` (`BusinessDocs`): the documents then follow the business's own risk, age, status,
size and owners rather than the owner's alone."""

from __future__ import annotations

import math
import random
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from types import MappingProxyType
from typing import Any

from fengkong.core.errors import NotFound
from fengkong.core.money import Fen
from fengkong.sim import contact
from fengkong.sim.model import Applicant
from fengkong.sim.population import INDUSTRY_SECTIONS
from fengkong.sim.sources_bureau import BUREAU_COST, answer_bureau, risk_of
from fengkong.sources.kinds import SourceKind

__all__ = [
    "ANSWERS",
    "REGISTRY_COST",
    "TAX_COST",
    "UTILITY_COST",
    "Answerer",
    "BusinessDocs",
    "answer_business_registry",
    "answer_tax",
    "answer_utility",
]

REGISTRY_COST = Fen(50)  # 0.50 yuan a record
TAX_COST = Fen(150)  # 1.50 yuan
UTILITY_COST = Fen(50)  # 0.50 yuan
MONTHS = 24
_WORDS = ("鑫源", "恒达", "华盛", "瑞丰", "嘉禾", "博远", "宏图", "信诚", "汇通", "锦程")
_TRADES = {
    "A": "农业科技",
    "C": "制造",
    "E": "建筑工程",
    "F": "商贸",
    "G": "物流",
    "H": "餐饮管理",
    "I": "信息技术",
    "P": "教育咨询",
    "Q": "健康管理",
    "S": "服务",
}
_REGION_CODES = {r.name: r for r in contact.REGIONS}


@dataclass(frozen=True, slots=True)
class BusinessDocs:
    """What a simulated business's registry, tax and utility documents are drawn from: its hidden
    risk `risk` (higher is worse, about N(0, 1) across the population), its registered facts and
    its size (a month's VAT and electricity bill, in fen, at the application date)."""

    uscc: str
    name: str
    legal_representative: str
    established: date
    status: str  # as the registry writes it: 存续, 吊销, 注销
    section: str  # GB/T 4754-2017 section letter
    region_code: str  # GB/T 2260 district code
    registered_capital: Fen
    shareholders: tuple[tuple[str, int], ...]  # (name, share in basis points)
    risk: float
    monthly_vat: Fen
    tax_growth: float  # a year's change in turnover, as the tax paid shows it
    monthly_electricity: Fen


def _logistic(x: float) -> float:
    return 1 / (1 + math.exp(-x))


def _uscc(person: Applicant) -> str:
    code = person.identity.employer_uscc
    if code is None:
        raise NotFound("no business is registered under this applicant")
    return code


def _month(as_of: date, back: int) -> date:
    index = as_of.year * 12 + as_of.month - 1 - back
    return date(index // 12, index % 12 + 1, 1)


def _years_open(person: Applicant, r: float, rng: random.Random) -> float:
    most = max(0.5, person.age - 22)
    return min(most, max(0.3, rng.triangular(0.3, 20.0, 6.0) * math.exp(-0.3 * r)))


def _registry_of(business: BusinessDocs, as_of: date) -> dict[str, Any]:
    return {
        "uscc": business.uscc,
        "name": business.name,
        "legal_representative": business.legal_representative,
        "registered_capital_fen": int(business.registered_capital),
        "established": min(business.established, as_of).isoformat(),
        "status": business.status,
        "industry": business.section,
        "region": business.region_code,
        "record_date": as_of.isoformat(),
        "shareholders": [{"name": n, "share_bp": bp} for n, bp in business.shareholders],
    }


def answer_business_registry(
    person: Applicant, as_of: date, rng: random.Random, business: BusinessDocs | None = None
) -> dict[str, Any]:
    """The registry record of `person`'s business as of `as_of` (`business`'s, when given)."""
    if business is not None:
        return _registry_of(business, as_of)
    uscc = _uscc(person)
    r = risk_of(person)
    section = INDUSTRY_SECTIONS.get(person.industry, "F")
    region = _REGION_CODES.get(person.region, contact.REGIONS[0])
    established = as_of - timedelta(days=round(365.25 * _years_open(person, r, rng)))
    revoked = rng.random() < _logistic(-5.0 + 1.2 * r)
    capital_yuan = round(person.monthly_income / 100 * rng.uniform(5, 60), -4) or 10_000
    owner_share = 10_000 if rng.random() < 0.6 else rng.randrange(5_100, 9_900, 100)
    holders = [{"name": person.identity.name, "share_bp": owner_share}]
    if owner_share < 10_000:
        holders.append({"name": "合伙人" + rng.choice(_WORDS), "share_bp": 10_000 - owner_share})
    city = region.city[:2]  # 北京, 广东, 浙江…
    return {
        "uscc": uscc,
        "name": f"{city}{rng.choice(_WORDS)}{_TRADES.get(section, '商贸')}有限公司",
        "legal_representative": person.identity.name,
        "registered_capital_fen": int(capital_yuan) * 100,
        "established": established.isoformat(),
        "status": "吊销" if revoked else "存续",
        "industry": section,
        "region": region.code,
        "record_date": as_of.isoformat(),
        "shareholders": holders,
    }


def answer_tax(
    person: Applicant, as_of: date, rng: random.Random, business: BusinessDocs | None = None
) -> dict[str, Any]:
    """The tax records of `person`'s business for the 24 whole months before `as_of`'s month
    (of `business`, when given: its risk, growth and size; none before it was established)."""
    if business is None:
        uscc = _uscc(person)
        r = risk_of(person)
        growth = rng.gauss(0.08 - 0.12 * r, 0.1)  # a year's change in turnover
        base = person.monthly_income * rng.uniform(0.15, 0.6)  # a month's VAT, in fen
        opened = date.min
    else:
        uscc, r, growth = business.uscc, business.risk, business.tax_growth
        base, opened = float(business.monthly_vat), business.established
    late = _logistic(-3.5 + 1.3 * r)
    records: list[dict[str, Any]] = []
    for back in range(MONTHS, 0, -1):
        period = _month(as_of, back)
        if period < opened.replace(day=1):
            continue  # no tax before the business existed
        level = base * math.exp(-growth * back / 12) * rng.uniform(0.8, 1.2)
        records.append(
            {
                "period": period.isoformat()[:7],
                "tax_type": "vat",
                "amount_fen": max(0, int(level)),
                "paid_on_time": rng.random() >= late,
            }
        )
        if period.month in (3, 6, 9, 12):
            records.append(
                {
                    "period": period.isoformat()[:7],
                    "tax_type": "corporate_income",
                    "amount_fen": max(0, int(level * rng.uniform(0.3, 0.8))),
                    "paid_on_time": rng.random() >= late,
                }
            )
    graded = r + rng.gauss(0, 0.5)
    grade = "A" if graded < -1 else "B" if graded < 0.6 else "C" if graded < 1.6 else "D"
    if rng.random() < 0.1:
        grade = "M"  # newly graded or small: no adverse record yet
    return {
        "uscc": uscc,
        "record_date": as_of.isoformat(),
        "credit_grade": grade,
        "records": records,
    }


def answer_utility(
    person: Applicant, as_of: date, rng: random.Random, business: BusinessDocs | None = None
) -> dict[str, Any]:
    """The electricity, water and (for some) gas bills of `person`'s business, 24 months (of
    `business`, when given: its risk and size, from the month it was established)."""
    if business is None:
        uscc, r, opened = _uscc(person), risk_of(person), date.min
        bill = float(person.monthly_income)
    else:
        uscc, r, opened = business.uscc, business.risk, business.established
        bill = business.monthly_electricity / 0.08  # the scale below bills 8 % of it
    late = _logistic(-3.0 + 1.2 * r)
    utilities = ["electricity", "water"] + (["gas"] if rng.random() < 0.4 else [])
    scale = {"electricity": 0.08, "water": 0.015, "gas": 0.02}
    records: list[dict[str, Any]] = []
    for back in range(MONTHS, 0, -1):
        month = _month(as_of, back)
        if month < opened.replace(day=1):
            continue
        for utility in utilities:
            days = rng.randint(1, 10 + int(20 * max(0.0, r))) if rng.random() < late else 0
            records.append(
                {
                    "month": month.isoformat()[:7],
                    "utility": utility,
                    "amount_fen": int(bill * scale[utility] * rng.uniform(0.7, 1.3)),
                    "days_late": days,
                }
            )
    return {"uscc": uscc, "record_date": as_of.isoformat(), "records": records}


Answerer = Callable[[Applicant, date, random.Random], dict[str, Any]]
# Each kind the simulated providers answer: how, and the price of one call.
ANSWERS: Mapping[SourceKind, tuple[Answerer, Fen]] = MappingProxyType(
    {
        SourceKind.CREDIT_BUREAU: (answer_bureau, BUREAU_COST),
        SourceKind.BUSINESS_REGISTRY: (answer_business_registry, REGISTRY_COST),
        SourceKind.TAX_PAYMENTS: (answer_tax, TAX_COST),
        SourceKind.UTILITY_PAYMENTS: (answer_utility, UTILITY_COST),
    }
)
