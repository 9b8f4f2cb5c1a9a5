"""Features of an applicant's bank statements (银行流水): how much comes in each month and how
steadily, whether a salary is paid in, the lowest balance, months spending more than earning,
money going to gambling and to other lenders, and debits that bounced.

Flows are counted over the *window*: the latest `WINDOW_MONTHS` full calendar months that some
statement covers from their first to their last day and that end by the business date. Transfers
between the applicant's own accounts (the counterparty is the holder) are neither inflow nor
outflow. Money amounts are returned in yuan as floats: they are model inputs, not booked money.

The keyword lists (`SALARY_WORDS`, `GAMBLING_WORDS`, `LENDER_WORDS`, `BOUNCE_WORDS`) are matched,
case-insensitively, in the counterparty name and the description (摘要) together; they are
listed in docs/external-data.md."""

from __future__ import annotations

import bisect
import calendar
import statistics
from collections import defaultdict
from collections.abc import Iterable, Mapping
from datetime import date, timedelta

from fengkong.features.documents import DocumentFeature, DocumentFeatures, FeatureValue
from fengkong.sources.statements import BankStatements, Statement, Transaction, holder_matches

__all__ = [
    "BOUNCE_WORDS",
    "GAMBLING_WORDS",
    "LENDER_WORDS",
    "SALARY_WORDS",
    "STATEMENT_FEATURES",
    "WINDOW_MONTHS",
]

WINDOW_MONTHS = 6
# A payer counts as an employer when it pays in this many of the window's months (at least half
# of them) and each month's total is within `SALARY_SPREAD` of the median month.
SALARY_MIN_MONTHS = 3
SALARY_SPREAD = 0.25

SALARY_WORDS = ("工资", "代发", "薪资", "薪金", "奖金", "salary", "payroll", "wages")
GAMBLING_WORDS = (
    "博彩", "赌", "彩票", "棋牌", "百家乐", "六合彩", "赛马", "娱乐城",
    "casino", "betting", "bet365", "gambl", "lottery", "poker", "sportsbook", "baccarat",
)  # fmt: skip
LENDER_WORDS = (
    "借呗", "花呗", "微粒贷", "金条", "白条", "网商贷", "小额贷款", "小贷", "消费金融",
    "贷款", "借款", "还款", "分期",
    "loan", "lending", "microfinance", "consumer finance", "repayment", "instalment", "installment",
)  # fmt: skip
BOUNCE_WORDS = (
    "退票", "扣款失败", "余额不足", "代扣失败", "退回",
    "returned", "bounced", "insufficient funds", "failed debit", "debit failed", "unpaid item",
)  # fmt: skip

Month = tuple[int, int]


def _matches(txn: Transaction, words: Iterable[str]) -> bool:
    text = f"{txn.counterparty} {txn.description}".lower()
    return any(word in text for word in words)


def _month_bounds(month: Month) -> tuple[date, date]:
    year, m = month
    return date(year, m, 1), date(year, m, calendar.monthrange(year, m)[1])


def _covered_months(doc: BankStatements, as_of: date) -> list[Month]:
    """Full months some statement covers from first to last day, ending by `as_of`."""
    months: set[Month] = set()
    for s in doc.statements:
        day = s.period_from.replace(day=1)
        while day <= s.period_to:
            first, last = _month_bounds((day.year, day.month))
            if s.period_from <= first and last <= s.period_to and last <= as_of:
                months.add((day.year, day.month))
            day = last + timedelta(days=1)
    return sorted(months)


def _yuan(fen: float) -> float:
    return fen / 100


def _lowest_balance(doc: BankStatements, window: list[Month]) -> float:
    """The lowest end-of-day balance of all accounts together over the window's days."""
    first, _ = _month_bounds(window[0])
    _, last = _month_bounds(window[-1])
    series: list[tuple[Statement, list[date], list[int]]] = [
        (s, [t.on for t in s.transactions], [t.balance for t in s.transactions])
        for s in doc.statements
        if s.period_from <= last and s.period_to >= first
    ]
    lowest: int | None = None
    day = first
    while day <= last:
        total = 0
        for s, days, balances in series:
            if s.period_from <= day <= s.period_to:
                k = bisect.bisect_right(days, day)
                total += balances[k - 1] if k else s.opening_balance
        lowest = total if lowest is None else min(lowest, total)
        day += timedelta(days=1)
    return _yuan(lowest or 0)


def _salary(inflows: list[Transaction], window: list[Month]) -> float | None:
    """The monthly salary, or None: credits described as pay (工资, 代发 …), else the monthly
    totals of the one payer who pays in regularly a similar amount."""
    by_words: dict[Month, int] = defaultdict(int)
    for t in inflows:
        if _matches(t, SALARY_WORDS):
            by_words[t.month] += t.amount
    if by_words:
        return _yuan(statistics.median(by_words.values()))
    by_payer: dict[str, dict[Month, int]] = defaultdict(lambda: defaultdict(int))
    for t in inflows:
        if t.counterparty:
            by_payer[t.counterparty][t.month] += t.amount
    needed = max(SALARY_MIN_MONTHS, (len(window) + 1) // 2)
    regular: list[float] = []
    for months in by_payer.values():
        if len(months) < needed:
            continue
        median = statistics.median(months.values())
        if all(abs(v - median) <= SALARY_SPREAD * median for v in months.values()):
            regular.append(median)
    return _yuan(max(regular)) if regular else None


def _compute(doc: BankStatements, as_of: date) -> Mapping[str, FeatureValue]:
    covered = _covered_months(doc, as_of)
    window = covered[-WINDOW_MONTHS:]
    none: dict[str, FeatureValue] = {f.name: None for f in FEATURES}
    if not window:
        return {**none, "statement.months_covered": 0.0, "statement.salary_detected": False}
    in_window = set(window)
    txns = [
        t
        for s in doc.statements
        for t in s.transactions
        if t.month in in_window and not holder_matches(s.holder, t.counterparty)
    ]
    inflows = [t for t in txns if t.amount > 0]
    outflows = [t for t in txns if t.amount < 0]
    monthly_in = {m: 0 for m in window}
    monthly_net = {m: 0 for m in window}
    for t in txns:
        monthly_net[t.month] += t.amount
        if t.amount > 0:
            monthly_in[t.month] += t.amount
    mean_in = statistics.fmean(monthly_in.values())
    spent = -sum(t.amount for t in outflows)

    def share(words: Iterable[str]) -> float | None:
        return -sum(t.amount for t in outflows if _matches(t, words)) / spent if spent else None

    salary = _salary(inflows, window)
    return {
        "statement.monthly_inflow": _yuan(mean_in),
        "statement.inflow_cv": statistics.pstdev(monthly_in.values()) / mean_in
        if mean_in > 0 and len(window) > 1
        else None,
        "statement.salary_detected": salary is not None,
        "statement.salary_amount": salary,
        "statement.min_balance": _lowest_balance(doc, window),
        "statement.months_negative_net": float(sum(1 for v in monthly_net.values() if v < 0)),
        "statement.gambling_share": share(GAMBLING_WORDS),
        "statement.lender_share": share(LENDER_WORDS),
        "statement.bounced_debits": float(
            sum(
                1
                for s in doc.statements
                for t in s.transactions
                if t.month in in_window and _matches(t, BOUNCE_WORDS)
            )
        ),
        "statement.months_covered": float(len(covered)),
    }


def _feature(name: str, kind: str, en: tuple[str, str], zh: tuple[str, str]) -> DocumentFeature:
    return DocumentFeature(f"statement.{name}", kind, en[0], zh[0], en[1], zh[1])  # type: ignore[arg-type]


FEATURES: tuple[DocumentFeature, ...] = (
    _feature("monthly_inflow", "numerical",
             ("Mean monthly inflow over the last six full months (yuan)",
              "Little money comes into the account each month"),
             ("近六个完整月的月均入账金额（元）", "账户每月入账金额偏低")),
    _feature("inflow_cv", "numerical",
             ("Month-to-month variation of the inflow (coefficient of variation)",
              "The money coming in varies a lot from month to month"),
             ("月入账金额的波动程度（变异系数）", "每月入账金额波动较大")),
    _feature("salary_detected", "flag",
             ("A salary is paid into the account", "No regular salary is paid into the account"),
             ("账户有工资入账", "账户未见稳定的工资入账")),
    _feature("salary_amount", "numerical",
             ("Monthly salary paid in (yuan)", "The salary paid in is low"),
             ("每月工资入账金额（元）", "工资入账金额偏低")),
    _feature("min_balance", "numerical",
             ("Lowest end-of-day balance of all accounts together (yuan)",
              "The account balance fell very low"),
             ("所有账户合计的最低日终余额（元）", "账户余额曾降至很低的水平")),
    _feature("months_negative_net", "numerical",
             ("Months where more went out than came in",
              "In several months more money went out than came in"),
             ("支出大于收入的月数", "多个月份支出大于收入")),
    _feature("gambling_share", "numerical",
             ("Share of outflows going to gambling", "Money goes out to gambling"),
             ("流向博彩类的支出占比", "账户有流向博彩类的支出")),
    _feature("lender_share", "numerical",
             ("Share of outflows going to other lenders",
              "A large share of spending goes to repaying other lenders"),
             ("流向其他放贷机构的支出占比", "较多支出用于偿还其他机构借款")),
    _feature("bounced_debits", "numerical",
             ("Debits that bounced or failed", "Debits from the account have bounced"),
             ("退票或扣款失败的次数", "账户曾发生退票或扣款失败")),
    _feature("months_covered", "numerical",
             ("Full months the statements cover", "The statements cover too few months"),
             ("流水覆盖的完整月数", "流水覆盖的月份过少")),
)  # fmt: skip

STATEMENT_FEATURES: DocumentFeatures[BankStatements] = DocumentFeatures(
    name="statement", version="1", features=FEATURES, compute=_compute
)
