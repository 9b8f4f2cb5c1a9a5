"""A simulated run's figures, month by month: pure functions over `RunStats` (approval, bad
rates, fraud caught and missed, expected against realised loss, reserve coverage, income against
losses), the JSON summary of `--json`, and the terminal table in English or Chinese.

MonthStats keeps income, losses and write-offs cumulative since the run began; a month's own
figure is the difference from the month before. Money stays integer fen here and leaves as
yuan strings ("1234.56") or formatted text; only rates are floats. The curves from loan
snapshots are in `sim.portfolio_curves`, the HTML pages in `sim.report_html`."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from itertools import accumulate
from typing import Any

from rich.console import Console
from rich.measure import Measurement
from rich.table import Table

from fengkong.core.money import fen_to_yuan, format_fen
from fengkong.sim.portfolio_curves import (
    average_roll_rates,
    book_at_end,
    m3_vintage_curves,
    vintage_curves,
)
from fengkong.sim.report_business import business_summary, business_terminal_lines
from fengkong.sim.stats import MonthStats, RunStats

LANGUAGES = ("en", "zh")


def language_of(language: str) -> str:
    """The language's short code: "en" for English, "zh" for any Chinese ("zh", "zh-CN");
    anything else is refused."""
    if language.lower().startswith("zh"):
        return "zh"
    if language.lower().startswith("en"):
        return "en"
    raise ValueError(f"language must be one of {LANGUAGES}, not {language!r}")


def ratio(part: int, whole: int) -> float | None:
    """`part / whole`, or None when there is nothing to divide by."""
    return part / whole if whole else None


@dataclass(frozen=True, slots=True)
class MonthFigures:
    """What the report shows of one month. `*_to_date` is since the run began; the rest is the
    month's own (money in fen)."""

    month: str
    applications: int
    approved: int
    approval_rate: float | None
    booked_count: int  # instalment loans and draws paid out
    booked_amount: int
    fraud_applications: int
    fraud_caught: int  # ring and identity-thief applications declined
    fraud_missed: int  # fraudsters who got money
    fraud_amount_missed: int
    collected: int
    principal_active: int  # at the month's end
    principal_past_due: int  # 1+ days past due (M1+)
    principal_30: int  # 30+ days past due
    principal_90: int  # 90+ days past due (M3+): loss in waiting
    bad_rate_past_due: float | None
    bad_rate_30: float | None
    bad_rate_90: float | None
    lines_frozen: int
    lines_closed: int
    written_off_count: int
    written_off: int  # principal written off in the month
    written_off_to_date: int
    expected_loss: int  # of the month's bookings
    expected_loss_to_date: int
    allowance: int
    reserve: int
    reserve_coverage: float | None  # (allowance + reserve) / principal at 90+
    income: int  # interest, fees and penalties
    losses: int  # provision expense and write-off loss
    income_to_date: int
    losses_to_date: int

    @property
    def net(self) -> int:
        return self.income - self.losses

    @property
    def net_to_date(self) -> int:
        return self.income_to_date - self.losses_to_date

    @property
    def allowance_and_reserve(self) -> int:
        return self.allowance + self.reserve


def _income(m: MonthStats) -> int:
    return m.interest_income + m.fee_income + m.penalty_income


def _losses(m: MonthStats) -> int:
    return m.provision_expense + m.write_off_loss


def month_ends(stats: RunStats) -> list[MonthStats]:
    """For each month, the stats whose end-of-month fields (`end_*`, income, losses, written
    off) hold at its end: its own once it was photographed (it has a snapshot, or the run keeps
    none at all), else the last photographed month's, since a run stopped in mid-month has not
    filled them in yet."""
    ends = []
    end = MonthStats("")
    for m in stats.months:
        if m.month in stats.snapshots or not stats.snapshots:
            end = m
        ends.append(end)
    return ends


def monthly_figures(stats: RunStats) -> list[MonthFigures]:
    """One `MonthFigures` per month of the run, in order."""
    figures = []
    previous = MonthStats("")
    expected_to_date = accumulate(m.expected_loss for m in stats.months)
    for m, end, expected in zip(stats.months, month_ends(stats), expected_to_date, strict=True):
        book = book_at_end(stats, end)
        fraud_caught = m.ring_declined + m.thief_declined
        figures.append(
            MonthFigures(
                month=m.month,
                applications=m.applications,
                approved=m.approved,
                approval_rate=ratio(m.approved, m.applications),
                booked_count=m.loans_booked + m.draws,
                booked_amount=m.amount_booked + m.amount_drawn,
                fraud_applications=m.ring_applications + m.thief_applications,
                fraud_caught=fraud_caught,
                fraud_missed=m.fraud_booked,
                fraud_amount_missed=m.fraud_amount_booked,
                collected=m.amount_collected,
                principal_active=book.principal,
                principal_past_due=book.past_due,
                principal_30=book.dpd_30,
                principal_90=book.dpd_90,
                bad_rate_past_due=ratio(book.past_due, book.principal),
                bad_rate_30=ratio(book.dpd_30, book.principal),
                bad_rate_90=ratio(book.dpd_90, book.principal),
                lines_frozen=m.lines_frozen,
                lines_closed=m.lines_closed,
                written_off_count=m.written_off,
                written_off=end.amount_written_off - previous.amount_written_off,
                written_off_to_date=end.amount_written_off,
                expected_loss=m.expected_loss,
                expected_loss_to_date=expected,
                allowance=end.end_allowance,
                reserve=end.end_reserve,
                reserve_coverage=ratio(end.end_allowance + end.end_reserve, book.dpd_90),
                income=_income(end) - _income(previous),
                losses=_losses(end) - _losses(previous),
                income_to_date=_income(end),
                losses_to_date=_losses(end),
            )
        )
        previous = end
    return figures


def approval_rates(stats: RunStats) -> list[tuple[str, float | None]]:
    """(month, approved / applications); None in a month without applications."""
    return [(f.month, f.approval_rate) for f in monthly_figures(stats)]


def bad_rates(stats: RunStats, *, min_dpd: int = 30) -> list[tuple[str, float | None]]:
    """(month, share of active principal at 30+, or 90+, days past due at the month's end)."""
    if min_dpd not in (30, 90):
        raise ValueError(f"bad rates are kept at 30 and 90 days past due, not {min_dpd}")
    return [
        (f.month, f.bad_rate_30 if min_dpd == 30 else f.bad_rate_90) for f in monthly_figures(stats)
    ]


def reserve_coverage(stats: RunStats) -> list[tuple[str, float | None]]:
    """(month, (allowance + reserve) / principal at 90+ days past due); None when none is."""
    return [(f.month, f.reserve_coverage) for f in monthly_figures(stats)]


# ---- the JSON summary -----------------------------------------------------------------------


def yuan(fen: int) -> str:
    """Integer fen as a yuan string: 123456 → "1234.56"."""
    return str(fen_to_yuan(fen))


def put_money(doc: dict[str, Any], key: str, fen: int) -> None:
    doc[key] = yuan(fen)
    doc[f"{key}_fen"] = fen


def _rate(value: float | None) -> float | None:
    return None if value is None else round(value, 6)


def summary(stats: RunStats) -> dict[str, Any]:
    """The run's totals, JSON-ready: counts as integers, rates as floats (or None where nothing
    divides), money as a yuan string beside the same amount in integer fen (`*_fen`)."""
    months = stats.months
    figures = monthly_figures(stats)
    last = month_ends(stats)[-1] if months else MonthStats("")
    end = figures[-1] if figures else None
    applications = sum(m.applications for m in months)
    approved = sum(m.approved for m in months)
    fraud_applications = sum(f.fraud_applications for f in figures)
    fraud_caught = sum(f.fraud_caught for f in figures)
    doc: dict[str, Any] = {
        "scenario": stats.scenario,
        "policy": stats.policy,
        "model": stats.model,
        "seed": stats.seed,
        "start": stats.start,
        "months": len(months),
        "days": sum(m.days for m in months),
        "first_month": months[0].month if months else None,
        "last_month": months[-1].month if months else None,
        "applications": applications,
        "approved": approved,
        "approval_rate": _rate(ratio(approved, applications)),
        "referred": sum(m.outcomes["refer"] for m in months),
        "officer_approved": sum(m.officer_approved for m in months),
        "officer_declined": sum(m.officer_declined for m in months),
        "offers_declined": sum(m.offers_declined for m in months),
        "honest_applications": sum(m.honest_applications for m in months),
        "honest_declined": sum(m.honest_declined for m in months),
        "fraud_applications": fraud_applications,
        "fraud_caught": fraud_caught,
        "fraud_missed": sum(f.fraud_missed for f in figures),
        "fraud_catch_rate": _rate(ratio(fraud_caught, fraud_applications)),
        "loans_booked": sum(m.loans_booked for m in months),
        "draws": sum(m.draws for m in months),
        "booked_count": sum(f.booked_count for f in figures),
        "lines_opened": sum(m.lines_opened for m in months),
        "lines_frozen": sum(m.lines_frozen for m in months),
        "lines_closed": sum(m.lines_closed for m in months),
        "draws_refused": sum(m.draws_refused for m in months),
        "instalments_due": sum(m.instalments_due for m in months),
        "missed": sum(m.missed for m in months),
        "written_off": sum(m.written_off for m in months),
        "end_active_loans": last.end_active_loans,
        "m1_plus_rate": _rate(end.bad_rate_past_due) if end else None,
        "dpd30_rate": _rate(end.bad_rate_30) if end else None,
        "m3_plus_rate": _rate(end.bad_rate_90) if end else None,
        "reserve_coverage": _rate(end.reserve_coverage) if end else None,
    }
    for key, fen in (
        ("amount_booked", sum(m.amount_booked for m in months)),
        ("amount_drawn", sum(m.amount_drawn for m in months)),
        ("booked_amount", sum(f.booked_amount for f in figures)),
        ("line_limit_opened", sum(m.line_limit_opened for m in months)),
        ("fraud_amount_missed", sum(f.fraud_amount_missed for f in figures)),
        ("collected", sum(m.amount_collected for m in months)),
        ("end_principal_outstanding", end.principal_active if end else 0),
        ("m3_plus_balance", end.principal_90 if end else 0),
        ("expected_loss", end.expected_loss_to_date if end else 0),
        ("amount_written_off", last.amount_written_off),
        ("allowance", last.end_allowance),
        ("reserve", last.end_reserve),
        ("interest_income", last.interest_income),
        ("fee_income", last.fee_income),
        ("penalty_income", last.penalty_income),
        ("income", _income(last)),
        ("provision_expense", last.provision_expense),
        ("write_off_loss", last.write_off_loss),
        ("losses", _losses(last)),
        ("net", _income(last) - _losses(last)),
    ):
        put_money(doc, key, fen)
    business = business_summary(stats)
    if business is not None:  # the small-business segment, apart (`sim.report_business`)
        doc["business"] = business
    return doc


def snapshot_curves(stats: RunStats) -> dict[str, Any]:
    """The snapshot curves in JSON shape: vintages at 30+ and 90+, average roll rates."""
    return {
        "vintage_30": vintage_curves(stats),
        "vintage_90": m3_vintage_curves(stats),
        "average_roll_rates": average_roll_rates(stats),
    }


# ---- the terminal ---------------------------------------------------------------------------


def percent(value: float | None) -> str:
    return "–" if value is None else f"{value:.1%}"


def money(fen: int) -> str:
    return format_fen(fen)


# (English, Chinese) header and how a month shows under it
MONTH_COLUMNS: tuple[tuple[str, str], ...] = (
    ("month", "月份"),
    ("applications", "申请数"),
    ("approval rate", "通过率"),
    ("booked", "放款笔数"),
    ("booked amount", "放款金额"),
    ("fraud stopped", "拦截欺诈"),
    ("fraud missed", "漏过欺诈"),
    ("collected", "回款"),
    ("30+ rate", "30+逾期率"),
    ("90+ rate", "90+逾期率"),
    ("lines frozen", "冻结额度"),
    ("lines closed", "关闭额度"),
    ("written off", "核销"),
    ("allowance+reserve", "拨备+准备金"),
    ("income", "收入"),
    ("losses", "损失"),
    ("net", "净收益"),
)


def month_headers(language: str = "en") -> list[str]:
    pick = 1 if language_of(language) == "zh" else 0
    return [names[pick] for names in MONTH_COLUMNS]


def month_cells(f: MonthFigures) -> list[str]:
    """One month's row as text, in `MONTH_COLUMNS` order."""
    return [
        f.month,
        str(f.applications),
        percent(f.approval_rate),
        str(f.booked_count),
        money(f.booked_amount),
        str(f.fraud_caught),
        str(f.fraud_missed),
        money(f.collected),
        percent(f.bad_rate_30),
        percent(f.bad_rate_90),
        str(f.lines_frozen),
        str(f.lines_closed),
        money(f.written_off),
        money(f.allowance_and_reserve),
        money(f.income),
        money(f.losses),
        money(f.net),
    ]


def run_title(stats: RunStats) -> str:
    return (
        f"{stats.scenario} · {stats.policy} · {stats.model or 'no model'} · "
        f"seed {stats.seed} · {stats.start}"
    )


def _month_table(
    title: str, headers: Sequence[str], rows: Sequence[Sequence[str]], columns: Sequence[int]
) -> Table:
    table = Table(title=title or None)
    for i in columns:
        table.add_column(headers[i], justify="left" if i == 0 else "right")
    for row in rows:
        table.add_row(*(row[i] for i in columns))
    return table


def monthly_table(
    stats: RunStats, language: str = "en", columns: Sequence[int] | None = None
) -> Table:
    """One row per month: applications to net income, headed in English or Chinese; `columns`
    picks some of `MONTH_COLUMNS` by position (all by default)."""
    zh = language_of(language) == "zh"
    title = ("模拟运行 " if zh else "Simulated run ") + run_title(stats)
    rows = [month_cells(f) for f in monthly_figures(stats)]
    picked = range(len(MONTH_COLUMNS)) if columns is None else columns
    return _month_table(title, month_headers(language), rows, picked)


def monthly_tables(stats: RunStats, console: Console, language: str = "en") -> list[Table]:
    """The monthly table cut into parts, each led by the month and no wider than `console`
    with every header and figure on one line (rich would otherwise cut figures short)."""
    zh = language_of(language) == "zh"
    title = ("模拟运行 " if zh else "Simulated run ") + run_title(stats)
    headers, rows = month_headers(language), [month_cells(f) for f in monthly_figures(stats)]

    def fits(columns: list[int]) -> bool:
        table = _month_table(title, headers, rows, columns)
        unbounded = console.options.update_width(10_000)  # measured, not clamped to the width
        return Measurement.get(console, unbounded, table).maximum <= console.width

    parts = [[0]]
    for i in range(1, len(MONTH_COLUMNS)):
        if len(parts[-1]) > 1 and not fits([*parts[-1], i]):
            parts.append([0])
        parts[-1].append(i)
    return [_month_table(title if i == 0 else "", headers, rows, p) for i, p in enumerate(parts)]


# (English, Chinese) label, summary key, how to show it
SUMMARY_LINES: tuple[tuple[str, str, str, str], ...] = (
    ("applications", "申请数", "applications", "count"),
    ("approval rate", "通过率", "approval_rate", "rate"),
    ("booked (loans and draws)", "放款(贷款与支用)", "booked_count", "count"),
    ("booked amount", "放款金额", "booked_amount_fen", "money"),
    ("fraud caught", "拦截欺诈", "fraud_caught", "count"),
    ("fraud missed", "漏过欺诈", "fraud_missed", "count"),
    ("M1+ rate at the end", "期末M1+逾期率", "m1_plus_rate", "rate"),
    ("M3+ rate at the end", "期末M3+逾期率", "m3_plus_rate", "rate"),
    ("expected loss", "预期损失", "expected_loss_fen", "money"),
    ("written off", "核销金额", "amount_written_off_fen", "money"),
    ("M3+ balance (loss in waiting)", "M3+余额(待实现损失)", "m3_plus_balance_fen", "money"),
    ("income", "收入", "income_fen", "money"),
    ("losses", "损失", "losses_fen", "money"),
    ("net", "净收益", "net_fen", "money"),
    ("reserve coverage", "准备金覆盖率", "reserve_coverage", "rate"),
)


def show(value: Any, kind: str) -> str:
    """A summary value as text: money from fen, rates as percentages."""
    if kind == "money":
        return money(int(value))
    if kind == "rate":
        return percent(value)
    return str(value)


def render(stats: RunStats, console: Console, language: str = "en") -> None:
    """Print the monthly table (in parts on a narrow terminal) and the run's totals."""
    pick = 1 if language_of(language) == "zh" else 0
    for table in monthly_tables(stats, console, language):
        console.print(table)
    doc = summary(stats)
    for *names, key, kind in SUMMARY_LINES:
        console.print(f"{names[pick]}: {show(doc[key], kind)}")
    for line in business_terminal_lines(stats, language_of(language)):
        console.print(line, highlight=False)


__all__ = [
    "MonthFigures",
    "approval_rates",
    "bad_rates",
    "month_ends",
    "monthly_figures",
    "monthly_table",
    "monthly_tables",
    "render",
    "reserve_coverage",
    "snapshot_curves",
    "summary",
]
