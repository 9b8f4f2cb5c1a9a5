"""Features of a business borrower from its registry record, its tax payments and its utility
payments (`sources.business`, `sources.payments`), as of a business date: one family per
document, each one pure definition for online and batch.

"The last 12 months" of tax and utility records are the 12 whole calendar months before the
business date's month (a month's tax is declared and paid in the next, so the current month is
never complete); "the 12 months before" are the 12 before those."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date

from fengkong.features.documents import DocumentFeature, DocumentFeatures, FeatureValue
from fengkong.sources.business import RegistryRecord, RegistryStatus
from fengkong.sources.json_fields import months_between
from fengkong.sources.payments import TaxRecords, UtilityRecords

__all__ = [
    "BUSINESS_FEATURES",
    "TAX_FEATURES",
    "UNRATED",
    "UTILITY_FEATURES",
    "compute_registry",
    "compute_tax",
    "compute_utility",
    "in_last_12_months",
]

UNRATED = "unrated"  # the tax credit grade of a business not graded (yet)


def in_last_12_months(month: date, as_of: date) -> bool:
    return 1 <= months_between(month, as_of) <= 12


def _in_12_before(month: date, as_of: date) -> bool:
    return 13 <= months_between(month, as_of) <= 24


def compute_registry(record: RegistryRecord, as_of: date) -> Mapping[str, FeatureValue]:
    born, until = record.established, as_of
    years = until.year - born.year - ((until.month, until.day) < (born.month, born.day))
    return {
        "business.years_in_operation": float(max(0, years)),
        "business.active": record.status is RegistryStatus.ACTIVE,
        "business.registered_capital_yuan": record.registered_capital / 100,
    }


def compute_tax(records: TaxRecords, as_of: date) -> Mapping[str, FeatureValue]:
    recent = [p for p in records.payments if in_last_12_months(p.period, as_of)]
    paid = sum(p.amount for p in recent)
    before = sum(p.amount for p in records.payments if _in_12_before(p.period, as_of))
    return {
        "business.tax_paid_12m_yuan": paid / 100,
        "business.tax_growth_12m": (paid - before) / before if before else None,
        "business.tax_on_time_share": (
            sum(p.on_time for p in recent) / len(recent) if recent else None
        ),
        "business.tax_credit_grade": (
            records.credit_grade.value if records.credit_grade else UNRATED
        ),
    }


def compute_utility(records: UtilityRecords, as_of: date) -> Mapping[str, FeatureValue]:
    return {
        "business.utility_late_12m": float(
            sum(p.days_late > 0 for p in records.payments if in_last_12_months(p.month, as_of))
        ),
    }


BUSINESS_FEATURES: DocumentFeatures[RegistryRecord] = DocumentFeatures(
    name="business_registry",
    version="1",
    features=(
        DocumentFeature(
            "business.years_in_operation",
            "numerical",
            "Years in operation",
            "经营年限",
            "The business has been operating for a short time",
            "企业成立时间较短",
        ),
        DocumentFeature(
            "business.active",
            "flag",
            "Registered as active",
            "登记状态为存续",
            "The business registry does not show the business as active",
            "工商登记状态不是存续",
        ),
        DocumentFeature(
            "business.registered_capital_yuan",
            "numerical",
            "Registered capital (yuan)",
            "注册资本（元）",
            "The business's registered capital is small",
            "企业注册资本较少",
        ),
    ),
    compute=compute_registry,
)

TAX_FEATURES: DocumentFeatures[TaxRecords] = DocumentFeatures(
    name="tax_payments",
    version="1",
    features=(
        DocumentFeature(
            "business.tax_paid_12m_yuan",
            "numerical",
            "Tax paid in the last 12 months (yuan)",
            "近12个月纳税总额（元）",
            "The business paid little tax in the last 12 months",
            "近12个月纳税金额较少",
        ),
        DocumentFeature(
            "business.tax_growth_12m",
            "numerical",
            "Growth of tax paid against the 12 months before",
            "近12个月纳税额较前12个月的增长率",
            "The tax the business pays has fallen",
            "企业纳税金额较上一年度下降",
        ),
        DocumentFeature(
            "business.tax_on_time_share",
            "numerical",
            "Share of taxes paid on time in the last 12 months",
            "近12个月按期缴税的比例",
            "The business paid taxes late",
            "企业有逾期缴税记录",
        ),
        DocumentFeature(
            "business.tax_credit_grade",
            "categorical",
            "Tax credit grade",
            "纳税信用等级",
            "The business's tax credit grade is low",
            "企业纳税信用等级较低",
        ),
    ),
    compute=compute_tax,
)

UTILITY_FEATURES: DocumentFeatures[UtilityRecords] = DocumentFeatures(
    name="utility_payments",
    version="1",
    features=(
        DocumentFeature(
            "business.utility_late_12m",
            "numerical",
            "Utility bills paid late in the last 12 months",
            "近12个月水电燃气费逾期缴纳次数",
            "The business paid utility bills late",
            "企业有水电燃气费逾期缴纳记录",
        ),
    ),
    compute=compute_utility,
)
