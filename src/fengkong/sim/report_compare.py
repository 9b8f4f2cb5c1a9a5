"""Two simulated runs side by side (two policies, or two models, on the same population): the
summaries and their differences, a terminal table, and an HTML page with both runs' curves on
the same charts. Differences are the second run minus the first."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from rich.table import Table

from fengkong.scoring.report import Series, line_chart
from fengkong.sim.portfolio_curves import DPD_30, DPD_90, average_roll_rates, pooled_vintage
from fengkong.sim.report_figures import (
    MonthFigures,
    language_of,
    monthly_figures,
    put_money,
    run_title,
    show,
    summary,
)
from fengkong.sim.report_html import (
    PALETTE,
    bar_chart,
    by_month,
    charts,
    esc,
    html_table,
    page,
    roll_matrix,
    section,
    yuan_value,
)
from fengkong.sim.stats import RunStats

# ---- two runs side by side ------------------------------------------------------------------

# (English, Chinese) label, summary key, kind: the measures compared between two runs
COMPARED: tuple[tuple[str, str, str, str], ...] = (
    ("applications", "申请数", "applications", "count"),
    ("approved", "通过数", "approved", "count"),
    ("approval rate", "通过率", "approval_rate", "rate"),
    ("booked", "放款笔数", "booked_count", "count"),
    ("booked amount", "放款金额", "booked_amount_fen", "money"),
    ("fraud caught", "拦截欺诈", "fraud_caught", "count"),
    ("fraud missed", "漏过欺诈", "fraud_missed", "count"),
    ("honest declined", "误拒正常客户", "honest_declined", "count"),
    ("M1+ rate at the end", "期末M1+逾期率", "m1_plus_rate", "rate"),
    ("M3+ rate at the end", "期末M3+逾期率", "m3_plus_rate", "rate"),
    ("expected loss", "预期损失", "expected_loss_fen", "money"),
    ("written off", "核销金额", "amount_written_off_fen", "money"),
    ("M3+ balance", "M3+余额", "m3_plus_balance_fen", "money"),
    ("income", "收入", "income_fen", "money"),
    ("losses", "损失", "losses_fen", "money"),
    ("net (profit)", "净收益", "net_fen", "money"),
    ("reserve coverage", "准备金覆盖率", "reserve_coverage", "rate"),
)


def _difference(a: Any, b: Any, kind: str) -> Any:
    if a is None or b is None:
        return None
    if kind == "rate":
        return round(b - a, 6)
    return b - a


def compare_summary(a: RunStats, b: RunStats, labels: tuple[str, str]) -> dict[str, Any]:
    """Both runs' summaries and, for the compared measures, `b` minus `a` (money in yuan strings
    and `*_fen`, rates in points of share, None where either run has no rate)."""
    first, second = summary(a), summary(b)
    difference: dict[str, Any] = {}
    for *_, key, kind in COMPARED:
        value = _difference(first[key], second[key], kind)
        if kind == "money":
            put_money(difference, key.removesuffix("_fen"), value)
        else:
            difference[key] = value
    return {"labels": list(labels), "a": first, "b": second, "difference": difference}


def compare_rows(
    a: RunStats, b: RunStats, labels: tuple[str, str], language: str = "en"
) -> tuple[list[str], list[list[str]]]:
    """Headers and text rows of the comparison: measure, run a, run b, b − a."""
    pick = 1 if language_of(language) == "zh" else 0
    doc = compare_summary(a, b, labels)
    headers = ["指标" if pick else "measure", labels[0], labels[1], f"{labels[1]} − {labels[0]}"]
    rows = []
    for *names, key, kind in COMPARED:
        change = doc["difference"][key]
        shown = "–" if change is None else show(change, kind)
        if kind == "rate" and change is not None:
            shown = f"{change * 100:+.1f} pp"
        rows.append([names[pick], show(doc["a"][key], kind), show(doc["b"][key], kind), shown])
    return headers, rows


def compare_table(a: RunStats, b: RunStats, labels: tuple[str, str], language: str = "en") -> Table:
    """The compared measures of two runs side by side, with the difference."""
    headers, rows = compare_rows(a, b, labels, language)
    table = Table(title=f"{labels[0]} vs {labels[1]}")
    for i, header in enumerate(headers):
        table.add_column(header, justify="left" if i == 0 else "right")
    for row in rows:
        table.add_row(*row)
    return table


def _month_axis(a: RunStats, b: RunStats) -> str:
    firsts = sorted({s.months[0].month for s in (a, b) if s.months})
    return f"month of the run (1 = {' / '.join(firsts) or '?'})"


def _both(
    runs: Sequence[tuple[str, list[MonthFigures]]],
    value: Callable[[MonthFigures], float | None],
) -> list[Series]:
    return [
        (label, PALETTE[i], *by_month([value(f) for f in figures]))
        for i, (label, figures) in enumerate(runs)
    ]


def _money_to_date(fen: Callable[[MonthFigures], int]) -> Callable[[MonthFigures], float | None]:
    return lambda f: yuan_value(fen(f))


def render_compare_html(
    a: RunStats, b: RunStats, labels: tuple[str, str], language: str = "en"
) -> str:
    pick = 1 if language_of(language) == "zh" else 0
    runs = [(labels[0], monthly_figures(a)), (labels[1], monthly_figures(b))]
    axis = _month_axis(a, b)
    headers, rows = compare_rows(a, b, labels, language)
    intro = "".join(
        f"<li><b>{esc(label)}</b>: {esc(run_title(run))}</li>"
        for label, run in zip(labels, (a, b), strict=True)
    )
    vintage = [
        line_chart(
            title,
            [
                (label, PALETTE[i], [float(m) for m, _ in curve], [s for _, s in curve])
                for i, (label, curve) in enumerate(
                    (label, pooled_vintage(run, min_dpd=days))
                    for label, run in zip(labels, (a, b), strict=True)
                )
            ],
            x_label="months on book",
            y_label="share of booked amount",
        )
        for days, title in ((DPD_30, "all cohorts: ever 30+"), (DPD_90, "all cohorts: ever 90+"))
    ]
    months = max(len(runs[0][1]), len(runs[1][1]))
    categories = [str(i) for i in range(1, months + 1)]

    def fraud_missed(figures: list[MonthFigures]) -> list[float]:
        return [float(f.fraud_missed) for f in figures] + [0.0] * (months - len(figures))

    sections = [
        section("runs", "Runs 运行", f"<ul>{intro}</ul>"),
        section("summary", "Summary 概要", html_table(headers, rows)),
        section(
            "vintage",
            "Vintage curves 账龄曲线",
            "<p>All cohorts pooled, weighted by booked amount.</p>" + charts(*vintage),
        ),
        section(
            "rates",
            "Approval and bad rates 通过率与逾期率",
            charts(
                line_chart(
                    "approval rate",
                    _both(runs, lambda f: f.approval_rate),
                    x_label=axis,
                    y_label="share",
                ),
                line_chart(
                    "30+ share of active principal",
                    _both(runs, lambda f: f.bad_rate_30),
                    x_label=axis,
                    y_label="share",
                ),
                line_chart(
                    "90+ (M3+) share of active principal",
                    _both(runs, lambda f: f.bad_rate_90),
                    x_label=axis,
                    y_label="share",
                ),
            ),
        ),
        section(
            "fraud",
            "Fraud caught vs missed 欺诈拦截与漏过",
            charts(
                bar_chart(
                    "fraudsters booked (missed) by month of the run",
                    categories,
                    [(label, PALETTE[i], fraud_missed(f)) for i, (label, f) in enumerate(runs)],
                    y_label="applications",
                )
            ),
        ),
        section(
            "losses",
            "Expected vs realised loss 预期损失与实际损失",
            charts(
                line_chart(
                    "expected loss of bookings to date (yuan)",
                    _both(runs, _money_to_date(lambda f: f.expected_loss_to_date)),
                    x_label=axis,
                    y_label="yuan",
                ),
                line_chart(
                    "written off to date (yuan)",
                    _both(runs, _money_to_date(lambda f: f.written_off_to_date)),
                    x_label=axis,
                    y_label="yuan",
                ),
                line_chart(
                    "M3+ balance: loss in waiting (yuan)",
                    _both(runs, _money_to_date(lambda f: f.principal_90)),
                    x_label=axis,
                    y_label="yuan",
                ),
            ),
        ),
        section(
            "coverage",
            "Reserve fund coverage 风险准备金覆盖率",
            charts(
                line_chart(
                    "(allowance + reserve) / principal at 90+",
                    _both(runs, lambda f: f.reserve_coverage),
                    x_label=axis,
                    y_label="times",
                )
            ),
        ),
        section(
            "income",
            "Income vs losses 收入与损失",
            charts(
                line_chart(
                    "income to date (yuan)",
                    _both(runs, _money_to_date(lambda f: f.income_to_date)),
                    x_label=axis,
                    y_label="yuan",
                ),
                line_chart(
                    "losses to date (yuan)",
                    _both(runs, _money_to_date(lambda f: f.losses_to_date)),
                    x_label=axis,
                    y_label="yuan",
                ),
                line_chart(
                    "net to date (yuan)",
                    _both(runs, _money_to_date(lambda f: f.net_to_date)),
                    x_label=axis,
                    y_label="yuan",
                ),
            ),
        ),
        section(
            "roll-rates",
            "Roll rates 迁徙率",
            "".join(
                f"<h3>{esc(label)}</h3>" + roll_matrix(average_roll_rates(run))
                for label, run in zip(labels, (a, b), strict=True)
            ),
        ),
    ]
    title = f"{labels[0]} vs {labels[1]}"
    heading = ("两次运行对比 " if pick else "Two runs compared ") + f"— {title}"
    return page(f"Simulation comparison 模拟对比: {title}", heading, sections, language)


def write_compare_html(
    a: RunStats, b: RunStats, labels: tuple[str, str], path: Path, language: str = "en"
) -> Path:
    """Write the comparison of two runs to `path` (one file, nothing fetched from elsewhere)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(render_compare_html(a, b, labels, language), encoding="utf-8")
    return path


__all__ = [
    "COMPARED",
    "compare_rows",
    "compare_summary",
    "compare_table",
    "render_compare_html",
    "write_compare_html",
]
