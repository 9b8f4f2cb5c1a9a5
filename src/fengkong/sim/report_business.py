"""The small-business segment of a run's report, apart from the consumers: month by month its
applications, the automatic decisions (approve, refer, decline), the officer's calls on its
referrals, approvals and declines in the end, bookings, instalments missed and loans defaulted
so far; the reasons its declines and referrals gave most; its summary for `--json`, its lines
for the terminal and its table for the HTML page (`sim.report_figures`, `sim.report_html`).

A business loan has defaulted once a month-end snapshot finds it 90 or more days past due or
written off (the run's loan ids of business loans are kept in `RunStats.business_loans`). Pure
functions over `RunStats`; money stays integer fen, leaving as yuan strings beside `*_fen`."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Any

from fengkong.core.money import fen_to_yuan, format_fen
from fengkong.lending.records import LoanStage
from fengkong.sim.stats import RunStats

__all__ = [
    "BusinessMonth",
    "business_months",
    "business_summary",
    "business_table",
    "business_terminal_lines",
    "reasons_table",
    "top_reasons",
]

DEFAULT_DPD = 90  # days past due at which a business loan counts as defaulted
TOP_REASONS = 5


@dataclass(frozen=True, slots=True)
class BusinessMonth:
    """The business segment in one month (money in fen); `defaults_to_date` since the start."""

    month: str
    applications: int
    approve: int  # the automatic decisions
    refer: int
    decline: int
    officer_approved: int
    officer_declined: int
    approved: int  # in the end, automatically or by an officer
    declined: int
    booked_count: int
    booked_amount: int
    instalments_due: int
    missed: int
    defaults_to_date: int
    principal_active: int  # of the segment's active loans at the month's end


def has_businesses(stats: RunStats) -> bool:
    """Whether the run took small businesses."""
    return stats.business_policy is not None


def business_months(stats: RunStats) -> list[BusinessMonth]:
    """The segment's months, in order."""
    ours = set(stats.business_loans)
    defaulted: set[str] = set()
    months: list[BusinessMonth] = []
    for m in stats.months:
        snapshots = [s for s in stats.snapshots.get(m.month, ()) if s.loan_id in ours]
        defaulted |= {
            s.loan_id
            for s in snapshots
            if s.status == LoanStage.WRITTEN_OFF.value or s.days_past_due >= DEFAULT_DPD
        }
        months.append(
            BusinessMonth(
                month=m.month,
                applications=m.business_applications,
                approve=m.business_outcomes["approve"],
                refer=m.business_outcomes["refer"],
                decline=m.business_outcomes["decline"],
                officer_approved=m.business_officer_approved,
                officer_declined=m.business_officer_declined,
                approved=m.business_approved,
                declined=m.business_declined,
                booked_count=m.business_loans_booked,
                booked_amount=m.business_amount_booked,
                instalments_due=m.business_instalments_due,
                missed=m.business_missed,
                defaults_to_date=len(defaulted),
                principal_active=sum(
                    s.principal_outstanding for s in snapshots if s.status == LoanStage.ACTIVE.value
                ),
            )
        )
    return months


def top_reasons(stats: RunStats, n: int = TOP_REASONS) -> list[tuple[str, int, str, str]]:
    """The reasons the segment's declines and referrals gave most: code, count, and the English
    and Chinese text of the first application that gave it (an example: a text may carry that
    application's figures); the most given first, ties by code."""
    counts: Counter[str] = Counter()
    for m in stats.months:
        counts.update(m.business_reasons)
    ranked = sorted(counts.items(), key=lambda item: (-item[1], item[0]))[:n]
    found: list[tuple[str, int, str, str]] = []
    for code, count in ranked:
        texts = stats.reason_texts.get(code) or [code, code]
        found.append((code, count, texts[0], texts[-1]))
    return found


def _rate(part: int, whole: int) -> float | None:
    return round(part / whole, 6) if whole else None


def business_summary(stats: RunStats) -> dict[str, Any] | None:
    """The segment's totals, JSON-ready (None for a run without businesses)."""
    if not has_businesses(stats):
        return None
    months = business_months(stats)
    total = {name: sum(getattr(m, name) for m in months) for name in _COUNTS}
    booked_fen = sum(m.booked_amount for m in months)
    end = months[-1] if months else None
    doc: dict[str, Any] = {
        "policy": stats.business_policy,
        "model": stats.business_model,
        **total,
        "approval_rate": _rate(total["approved"], total["applications"]),
        "defaults": end.defaults_to_date if end else 0,
        "default_rate": _rate(end.defaults_to_date, total["booked_count"]) if end else None,
        "booked_amount": str(fen_to_yuan(booked_fen)),
        "booked_amount_fen": booked_fen,
        "end_principal_outstanding": str(fen_to_yuan(end.principal_active if end else 0)),
        "end_principal_outstanding_fen": end.principal_active if end else 0,
        "top_reasons": [
            {"code": code, "count": count, "example_en": en, "example_zh": zh}
            for code, count, en, zh in top_reasons(stats)
        ],
    }
    return doc


_COUNTS = (
    "applications",
    "approve",
    "refer",
    "decline",
    "officer_approved",
    "officer_declined",
    "approved",
    "declined",
    "booked_count",
    "instalments_due",
    "missed",
)

# (English, Chinese) header of each column of the segment's table
COLUMNS: tuple[tuple[str, str], ...] = (
    ("month", "月份"),
    ("applications", "申请数"),
    ("approve", "自动通过"),
    ("refer", "转人工"),
    ("decline", "自动拒绝"),
    ("officer approved", "人工通过"),
    ("officer declined", "人工拒绝"),
    ("booked", "放款笔数"),
    ("booked amount", "放款金额"),
    ("missed", "未还期数"),
    ("defaults to date", "累计违约"),
)


def _pick(language: str) -> int:
    return 1 if language.lower().startswith("zh") else 0


def business_table(stats: RunStats, language: str = "en") -> tuple[list[str], list[list[str]]]:
    """The segment month by month: headers in `language` and one row of text per month."""
    headers = [names[_pick(language)] for names in COLUMNS]
    rows = [
        [
            m.month,
            str(m.applications),
            str(m.approve),
            str(m.refer),
            str(m.decline),
            str(m.officer_approved),
            str(m.officer_declined),
            str(m.booked_count),
            format_fen(m.booked_amount),
            str(m.missed),
            str(m.defaults_to_date),
        ]
        for m in business_months(stats)
    ]
    return headers, rows


def reasons_table(stats: RunStats, language: str = "en") -> tuple[list[str], list[list[str]]]:
    """The reasons most given, in `language`: code, an example of its text, how often."""
    zh = _pick(language) == 1
    headers = ["代码", "原因示例", "次数"] if zh else ["code", "reason (an example)", "times"]
    rows = [[code, zh_text if zh else en, str(n)] for code, n, en, zh_text in top_reasons(stats)]
    return headers, rows


def business_terminal_lines(stats: RunStats, language: str = "en") -> list[str]:
    """The segment's totals as the terminal prints them after the run's (none without it)."""
    doc = business_summary(stats)
    if doc is None:
        return []
    zh = _pick(language) == 1
    rate = doc["approval_rate"]
    shown = "–" if rate is None else f"{rate:.1%}"
    reasons = ", ".join(f"{r['code']} ×{r['count']}" for r in doc["top_reasons"]) or "–"
    if zh:
        return [
            f"小微企业（{doc['policy']} · {doc['model'] or '无模型'}）：申请 {doc['applications']}，"
            f"自动通过 {doc['approve']}、转人工 {doc['refer']}、自动拒绝 {doc['decline']}，"
            f"最终通过率 {shown}",
            f"小微企业放款 {doc['booked_count']} 笔，金额 {format_fen(doc['booked_amount_fen'])}，"
            f"累计违约 {doc['defaults']} 笔",
            f"小微企业主要拒绝/转人工原因：{reasons}",
        ]
    return [
        f"small businesses ({doc['policy']} · {doc['model'] or 'no model'}): "
        f"{doc['applications']} applications, {doc['approve']} approved, {doc['refer']} referred, "
        f"{doc['decline']} declined automatically; approval rate {shown}",
        f"small businesses booked: {doc['booked_count']} loans, "
        f"{format_fen(doc['booked_amount_fen'])}; defaults so far: {doc['defaults']}",
        f"small businesses' reasons most given: {reasons}",
    ]
