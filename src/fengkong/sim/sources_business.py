"""What the simulated business registry, tax bureau and utilities answer about a simulated
applicant's business (the one whose unified social credit code is `identity.employer_uscc`): JSON
documents of `sources.business` and `sources.payments` whose risk agrees with the applicant's
hidden risk (`sim.sources_bureau.risk_of`): riskier businesses are younger, pay tax late more
often, pay less of it each year, have lower tax credit grades and pay utility bills late.

An applicant with no business code has no record: `NotFound`, as a real registry answers."""

from __future__ import annotations

import math
import random
from collections.abc import Callable, Mapping
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


def answer_business_registry(person: Applicant, as_of: date, rng: random.Random) -> dict[str, Any]:
    """The registry record of `person`'s business as of `as_of`."""
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


def answer_tax(person: Applicant, as_of: date, rng: random.Random) -> dict[str, Any]:
    """The tax records of `person`'s business for the 24 whole months before `as_of`'s month."""
    uscc = _uscc(person)
    r = risk_of(person)
    growth = rng.gauss(0.08 - 0.12 * r, 0.1)  # a year's change in turnover
    late = _logistic(-3.5 + 1.3 * r)
    base = person.monthly_income * rng.uniform(0.15, 0.6)  # a month's VAT, in fen
    records: list[dict[str, Any]] = []
    for back in range(MONTHS, 0, -1):
        period = _month(as_of, back)
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


def answer_utility(person: Applicant, as_of: date, rng: random.Random) -> dict[str, Any]:
    """The electricity, water and (for some) gas bills of `person`'s business, 24 months."""
    uscc = _uscc(person)
    r = risk_of(person)
    late = _logistic(-3.0 + 1.2 * r)
    utilities = ["electricity", "water"] + (["gas"] if rng.random() < 0.4 else [])
    scale = {"electricity": 0.08, "water": 0.015, "gas": 0.02}
    records: list[dict[str, Any]] = []
    for back in range(MONTHS, 0, -1):
        month = _month(as_of, back)
        for utility in utilities:
            days = rng.randint(1, 10 + int(20 * max(0.0, r))) if rng.random() < late else 0
            records.append(
                {
                    "month": month.isoformat()[:7],
                    "utility": utility,
                    "amount_fen": int(
                        person.monthly_income * scale[utility] * rng.uniform(0.7, 1.3)
                    ),
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
