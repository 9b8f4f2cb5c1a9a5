"""Features of a personal credit-bureau report (`sources.bureau.BureauReport`) as of a business
date: one pure definition, computed for one applicant online and for a file of reports in batch.

Windows are counted in calendar terms from the business date `as_of`:
- an enquiry is "in the last k months" when it is after the same day k months before `as_of`
  (clamped to the month's end) and not after `as_of`: one made exactly k months before is
  outside; only loan and card approvals count (post-loan, guarantee and self enquiries do not);
- "the last 24 months" of repayment are `as_of`'s month and the 23 before it;
- an account is new when opened in the last 6 months, counted as enquiries are.

Worst DPD is the lower bound of the worst PBOC overdue status in the window, in days: `1` (one
month overdue) is 1 day, `2` 31 days, … `7` 181 days; 0 when every month was paid as agreed."""

from __future__ import annotations

import calendar
from collections.abc import Mapping
from datetime import date

from fengkong.features.documents import DocumentFeature, DocumentFeatures, FeatureValue
from fengkong.sources.bureau import BureauReport, EnquiryReason, overdue_months
from fengkong.sources.json_fields import months_between, normal_name

__all__ = [
    "BUREAU_FEATURES",
    "ENQUIRY_WINDOWS",
    "NO_DELINQUENCY_MONTHS",
    "THIN_FILE_ACCOUNTS",
    "compute",
    "months_before",
    "worst_dpd_days",
]

ENQUIRY_WINDOWS = (1, 3, 6, 12)
NEW_ACCOUNT_MONTHS = 6
DPD_MONTHS = 24
# Months since the last delinquency when the record shows none: beyond what any report covers.
NO_DELINQUENCY_MONTHS = 99.0
# A file is thin with fewer accounts than this, or with none open for a year yet.
THIN_FILE_ACCOUNTS = 2
THIN_FILE_AGE_MONTHS = 12
_APPROVALS = frozenset({EnquiryReason.LOAN_APPROVAL, EnquiryReason.CARD_APPROVAL})


def months_before(day: date, months: int) -> date:
    """The same day `months` calendar months before `day`, clamped to the end of a short month."""
    index = day.year * 12 + day.month - 1 - months
    year, month = divmod(index, 12)
    month += 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def _within(day: date, as_of: date, months: int) -> bool:
    return months_before(as_of, months) < day <= as_of


def worst_dpd_days(overdue: int) -> int:
    """The fewest days past due a PBOC overdue status of `overdue` months means."""
    return 0 if overdue <= 0 else 30 * (overdue - 1) + 1


def compute(report: BureauReport, as_of: date) -> Mapping[str, FeatureValue]:
    """Every feature of the family from `report` as of `as_of`."""
    open_accounts = [a for a in report.accounts if a.is_open]
    revolving = [a for a in open_accounts if a.revolving]
    limit = sum(a.amount for a in revolving)
    worst = 0
    last_late: date | None = None
    for account in report.accounts:
        for month, status in account.months():
            late = overdue_months(status)
            if not late or month > as_of:
                continue
            if months_between(month, as_of) < DPD_MONTHS:
                worst = max(worst, late)
            last_late = month if last_late is None else max(last_late, month)
    approvals = [e.on for e in report.enquiries if e.reason in _APPROVALS]
    values: dict[str, FeatureValue] = {
        f"bureau.enquiries_{k}m": float(sum(_within(d, as_of, k) for d in approvals))
        for k in ENQUIRY_WINDOWS
    }
    seasoned = any(months_between(a.opened, as_of) >= THIN_FILE_AGE_MONTHS for a in report.accounts)
    values |= {
        "bureau.revolving_utilisation": (
            sum(a.balance for a in revolving) / limit if limit else None
        ),
        "bureau.worst_dpd_24m": float(worst_dpd_days(worst)),
        "bureau.months_since_delinquency": (
            float(months_between(last_late, as_of)) if last_late else NO_DELINQUENCY_MONTHS
        ),
        "bureau.open_lenders": float(len({normal_name(a.lender) for a in open_accounts})),
        "bureau.outstanding_yuan": sum(a.balance for a in open_accounts) / 100,
        "bureau.open_accounts": float(len(open_accounts)),
        "bureau.new_accounts_6m": float(
            sum(_within(a.opened, as_of, NEW_ACCOUNT_MONTHS) for a in report.accounts)
        ),
        "bureau.public_records": float(len(report.public_records)),
        "bureau.thin_file": len(report.accounts) < THIN_FILE_ACCOUNTS or not seasoned,
    }
    return values


_ENQUIRY_FEATURES = tuple(
    DocumentFeature(
        f"bureau.enquiries_{k}m",
        "numerical",
        f"Credit enquiries for loan or card applications in the last {k} months",
        f"近{k}个月贷款及信用卡审批查询次数",
        f"Many lenders have checked your credit for new loans or cards in the last {k} months",
        f"近{k}个月因贷款或信用卡申请被查询征信的次数较多",
    )
    for k in ENQUIRY_WINDOWS
)

BUREAU_FEATURES: DocumentFeatures[BureauReport] = DocumentFeatures(
    name="bureau",
    version="1",
    features=(
        DocumentFeature(
            "bureau.revolving_utilisation",
            "numerical",
            "Share of credit card limits in use",
            "信用卡额度使用率",
            "Your credit cards are used close to their limits",
            "信用卡已用额度占授信额度的比例较高",
        ),
        DocumentFeature(
            "bureau.worst_dpd_24m",
            "numerical",
            "Worst days past due in the last 24 months",
            "近24个月最长逾期天数",
            "A repayment was overdue in the last 24 months",
            "近24个月内有逾期还款记录",
        ),
        *_ENQUIRY_FEATURES,
        DocumentFeature(
            "bureau.months_since_delinquency",
            "numerical",
            "Months since the last overdue repayment",
            "距最近一次逾期的月数",
            "A repayment was overdue recently",
            "最近一次逾期距今时间较短",
        ),
        DocumentFeature(
            "bureau.open_lenders",
            "numerical",
            "Lenders with an open account",
            "未结清账户的机构数",
            "You owe money to many lenders",
            "在较多机构有未结清的借贷",
        ),
        DocumentFeature(
            "bureau.outstanding_yuan",
            "numerical",
            "Total outstanding balance (yuan)",
            "未结清余额合计（元）",
            "Your outstanding debt is high",
            "未结清债务余额较高",
        ),
        DocumentFeature(
            "bureau.open_accounts",
            "numerical",
            "Open credit accounts",
            "未结清账户数",
            "You have many open credit accounts",
            "未结清的信贷账户较多",
        ),
        DocumentFeature(
            "bureau.new_accounts_6m",
            "numerical",
            "Accounts opened in the last 6 months",
            "近6个月新开账户数",
            "You opened several credit accounts recently",
            "近6个月新开立的信贷账户较多",
        ),
        DocumentFeature(
            "bureau.public_records",
            "numerical",
            "Public records (judgments, enforcement, tax arrears, penalties)",
            "公共记录条数（民事判决、强制执行、欠税、行政处罚）",
            "Your credit report shows public records such as court judgments",
            "征信报告中有民事判决、强制执行等公共记录",
        ),
        DocumentFeature(
            "bureau.thin_file",
            "flag",
            "Thin credit file",
            "信用记录较少",
            "Your credit history is too short to judge",
            "信用记录过少，难以评估",
        ),
    ),
    compute=compute,
)
