"""A simulated run's report as one self-contained HTML file: inline SVG charts (the model
report's `line_chart`, and the bar chart here), tables, no script, no external link. Section
headings are in English and Chinese; the tables follow the language asked for."""

from __future__ import annotations

import html
from collections.abc import Sequence
from math import ceil
from pathlib import Path

from fengkong.core.money import FEN_PER_YUAN
from fengkong.scoring.report import CSS, HEIGHT, PAD, WIDTH, Series, line_chart
from fengkong.sim.portfolio_curves import (
    DPD_30,
    DPD_90,
    RollRates,
    average_roll_rates,
    forward_rolls_by_month,
    month_number,
    state_order,
    vintages,
)
from fengkong.sim.report_business import business_summary, business_table, reasons_table
from fengkong.sim.report_figures import (
    SUMMARY_LINES,
    language_of,
    month_cells,
    month_headers,
    monthly_figures,
    percent,
    run_title,
    show,
    summary,
)
from fengkong.sim.stats import RunStats

PALETTE = (
    "#1f77b4",
    "#ff7f0e",
    "#2ca02c",
    "#d62728",
    "#9467bd",
    "#8c564b",
    "#e377c2",
    "#7f7f7f",
    "#bcbd22",
    "#17becf",
)
BarSeries = tuple[str, str, Sequence[float]]  # label, colour, one value per category


def esc(value: object) -> str:
    return html.escape(str(value), quote=True)


def yuan_value(fen: int) -> float:
    """Fen as yuan for a chart's coordinates only (never for sums)."""
    return fen / FEN_PER_YUAN


def bar_chart(
    title: str, categories: Sequence[str], series: Sequence[BarSeries], *, y_label: str
) -> str:
    """An inline SVG chart of grouped bars, one group per category, from zero up."""
    top = max([v for _, _, values in series for v in values] + [0.0]) or 1.0
    inner_w, inner_h = WIDTH - 2 * PAD, HEIGHT - 2 * PAD
    group = inner_w / max(len(categories), 1)
    bar = group * 0.8 / max(len(series), 1)
    step = ceil(len(categories) / 8) or 1  # label at most eight categories
    parts = [
        f'<svg width="{WIDTH}" height="{HEIGHT}" role="img" aria-label="{esc(title)}">',
        f'<rect x="{PAD}" y="{PAD}" width="{inner_w}" height="{inner_h}" fill="none" '
        'stroke="#999"/>',
        f'<text x="{WIDTH / 2}" y="16" text-anchor="middle" font-size="13">{esc(title)}</text>',
        f'<text x="12" y="{HEIGHT / 2}" font-size="11" transform="rotate(-90 12 {HEIGHT / 2})" '
        f'text-anchor="middle">{esc(y_label)}</text>',
        f'<text x="{PAD - 4}" y="{PAD + 4}" font-size="10" text-anchor="end">{top:.3g}</text>',
        f'<text x="{PAD - 4}" y="{HEIGHT - PAD + 4}" font-size="10" text-anchor="end">0</text>',
    ]
    for c, category in enumerate(categories):
        left = PAD + c * group + group * 0.1
        for s, (_, colour, values) in enumerate(series):
            h = max(values[c], 0.0) / top * inner_h
            parts.append(
                f'<rect x="{left + s * bar:.1f}" y="{HEIGHT - PAD - h:.1f}" width="{bar:.1f}" '
                f'height="{h:.1f}" fill="{colour}"/>'
            )
        if c % step == 0:
            parts.append(
                f'<text x="{PAD + (c + 0.5) * group:.1f}" y="{HEIGHT - PAD + 14}" font-size="10" '
                f'text-anchor="middle">{esc(category)}</text>'
            )
    for i, (label, colour, _) in enumerate(series):
        parts.append(
            f'<text x="{PAD + 6}" y="{PAD + 14 + 13 * i}" font-size="11" fill="{colour}">'
            f"{esc(label)}</text>"
        )
    parts.append("</svg>")
    return "".join(parts)


def html_table(headers: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    head = "".join(f"<th>{esc(h)}</th>" for h in headers)
    body = "".join("<tr>" + "".join(f"<td>{esc(v)}</td>" for v in r) + "</tr>" for r in rows)
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def charts(*svgs: str) -> str:
    return '<div class="charts">' + "".join(f"<figure>{s}</figure>" for s in svgs) + "</div>"


# The reason codes of line actions (`lending.line`), as a risk manager reads them.
LINE_REASONS = {
    "DPD_OVER_THRESHOLD": "a draw past due 逾期",
    "BLACKLIST_HIT": "black-list hit 命中黑名单",
    "MARGIN_CALL_UNMET": "margin call unmet 追加担保未满足",
    "SCORE_BELOW_THRESHOLD": "behaviour score fell 行为评分下降",
}


def lines_by_reason_table(stats: RunStats) -> str:
    """The lines at each month's end: active, and the others by status and reason."""
    reasons = sorted({why for m in stats.months for why in m.end_lines_by_reason})
    if not reasons:
        return ""
    headers = ["month", "active 正常"] + [_why(why) for why in reasons]
    rows = [
        [m.month, str(m.end_lines_active)]
        + [str(m.end_lines_by_reason.get(why, 0)) for why in reasons]
        for m in stats.months
    ]
    return html_table(headers, rows)


def _why(why: str) -> str:
    status, _, code = why.partition(": ")
    return f"{status}: {LINE_REASONS.get(code, code)}"


def section(anchor: str, heading: str, content: str) -> str:
    return f'<section id="{esc(anchor)}"><h2>{esc(heading)}</h2>{content}</section>'


def page(title: str, heading: str, sections: Sequence[str], language: str = "en") -> str:
    lang = "zh-CN" if language_of(language) == "zh" else "en"
    return (
        f'<!DOCTYPE html><html lang="{lang}"><head><meta charset="utf-8">'
        f"<title>{esc(title)}</title><style>{CSS}</style></head><body>"
        f"<h1>{esc(heading)}</h1>{''.join(sections)}</body></html>"
    )


def month_axis(stats: RunStats) -> str:
    first = stats.months[0].month if stats.months else "?"
    return f"month of the run (1 = {first})"


def by_month(values: Sequence[float | None]) -> tuple[list[float], list[float]]:
    """Points (month of the run from 1, value), leaving out months without a value."""
    kept = [(float(i), v) for i, v in enumerate(values, start=1) if v is not None]
    return [x for x, _ in kept], [v for _, v in kept]


def money_series(label: str, colour: str, fen: Sequence[int]) -> Series:
    """A series of amounts by month of the run, drawn in yuan."""
    return (label, colour, *by_month([yuan_value(v) for v in fen]))


# ---- the run's sections -----------------------------------------------------------------------


def _vintage_chart(stats: RunStats, min_dpd: int, title: str) -> str:
    series: list[Series] = []
    for i, v in enumerate(vintages(stats, min_dpd=min_dpd)):
        curve = v.curve()
        series.append(
            (
                v.booked_month,
                PALETTE[i % len(PALETTE)],
                [m for m, _ in curve],
                [s for _, s in curve],
            )
        )
    return line_chart(title, series, x_label="months on book", y_label="share of booked amount")


def _vintage_table(stats: RunStats, min_dpd: int) -> str:
    cohorts = vintages(stats, min_dpd=min_dpd)
    longest = max((mob for v in cohorts for mob, _ in v.bad_by_mob), default=-1)
    rows = []
    for v in cohorts:
        shares = dict(v.curve())
        rows.append(
            [v.booked_month, show(v.amount, "money")]
            + [percent(shares[m]) if m in shares else "" for m in range(longest + 1)]
        )
    return html_table(["cohort", "booked", *(f"MOB {m}" for m in range(longest + 1))], rows)


def roll_matrix(rates: RollRates) -> str:
    """A roll-rate matrix: from each bucket (rows) to each state (columns)."""
    targets = sorted({t for row in rates.values() for t in row}, key=state_order)
    rows = [
        [source, *(percent(row[t]) if t in row else "" for t in targets)]
        for source, row in rates.items()
    ]
    return html_table(["from \\ to", *targets], rows)


def _forward_roll_chart(stats: RunStats) -> str:
    first = month_number(stats.months[0].month) if stats.months else 0
    series: list[Series] = []
    for i, (label, points) in enumerate(forward_rolls_by_month(stats).items()):
        xs = [float(month_number(m) - first + 1) for m, _ in points]
        series.append((label, PALETTE[i], xs, [share for _, share in points]))
    return line_chart(
        "forward roll rates by month", series, x_label=month_axis(stats), y_label="share rolled"
    )


def run_sections(stats: RunStats, language: str) -> list[str]:
    pick = 1 if language_of(language) == "zh" else 0
    figures = monthly_figures(stats)
    doc = summary(stats)
    axis = month_axis(stats)
    labels = [f.month for f in figures]
    return [
        section(
            "summary",
            "Summary 概要",
            html_table(
                ["measure" if pick == 0 else "指标", "value" if pick == 0 else "数值"],
                [[names[pick], show(doc[key], kind)] for *names, key, kind in SUMMARY_LINES],
            ),
        ),
        section(
            "vintage",
            "Vintage curves 账龄曲线",
            charts(
                _vintage_chart(stats, DPD_30, "ever 30+ days past due or written off"),
                _vintage_chart(stats, DPD_90, "ever 90+ days past due (M3+) or written off"),
            )
            + "<h3>30+</h3>"
            + _vintage_table(stats, DPD_30)
            + "<h3>90+ (M3+)</h3>"
            + _vintage_table(stats, DPD_90),
        ),
        section(
            "roll-rates",
            "Roll rates 迁徙率",
            "<p>Average over consecutive month ends, by count of loans.</p>"
            + roll_matrix(average_roll_rates(stats))
            + charts(_forward_roll_chart(stats)),
        ),
        section(
            "rates",
            "Approval and bad rates 通过率与逾期率",
            charts(
                line_chart(
                    "approval rate",
                    [
                        (
                            "approved / applications",
                            PALETTE[0],
                            *by_month([f.approval_rate for f in figures]),
                        )
                    ],
                    x_label=axis,
                    y_label="share",
                ),
                line_chart(
                    "share of active principal past due",
                    [
                        ("30+", PALETTE[1], *by_month([f.bad_rate_30 for f in figures])),
                        ("90+ (M3+)", PALETTE[3], *by_month([f.bad_rate_90 for f in figures])),
                    ],
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
                    "ring and identity-thief applications",
                    labels,
                    [
                        ("declined (caught)", PALETTE[2], [float(f.fraud_caught) for f in figures]),
                        ("booked (missed)", PALETTE[3], [float(f.fraud_missed) for f in figures]),
                    ],
                    y_label="applications",
                )
            ),
        ),
        section(
            "losses",
            "Expected vs realised loss 预期损失与实际损失",
            charts(
                line_chart(
                    "losses to date (yuan)",
                    [
                        money_series(
                            "expected (bookings)",
                            PALETTE[0],
                            [f.expected_loss_to_date for f in figures],
                        ),
                        money_series(
                            "written off",
                            PALETTE[3],
                            [f.written_off_to_date for f in figures],
                        ),
                        money_series(
                            "M3+ balance (loss in waiting)",
                            PALETTE[1],
                            [f.principal_90 for f in figures],
                        ),
                        money_series(
                            "written off + M3+",
                            PALETTE[4],
                            [f.written_off_to_date + f.principal_90 for f in figures],
                        ),
                    ],
                    x_label=axis,
                    y_label="yuan",
                )
            ),
        ),
        section(
            "coverage",
            "Reserve fund coverage 风险准备金覆盖率",
            charts(
                line_chart(
                    "(allowance + reserve) / principal at 90+",
                    [("coverage", PALETTE[2], *by_month([f.reserve_coverage for f in figures]))],
                    x_label=axis,
                    y_label="times",
                )
            )
            + html_table(
                ["month", "allowance", "reserve", "principal 90+", "coverage"],
                [
                    [
                        f.month,
                        show(f.allowance, "money"),
                        show(f.reserve, "money"),
                        show(f.principal_90, "money"),
                        "–" if f.reserve_coverage is None else f"{f.reserve_coverage:.2f}×",
                    ]
                    for f in figures
                ],
            ),
        ),
        section(
            "lines",
            "Lines frozen or closed, and why 额度冻结与关闭及原因",
            charts(
                bar_chart(
                    "credit lines",
                    labels,
                    [
                        ("frozen", PALETTE[1], [float(f.lines_frozen) for f in figures]),
                        ("closed", PALETTE[3], [float(f.lines_closed) for f in figures]),
                    ],
                    y_label="lines",
                )
            )
            + lines_by_reason_table(stats),
        ),
        section(
            "income",
            "Income vs losses 收入与损失",
            charts(
                line_chart(
                    "to date (yuan)",
                    [
                        money_series("income", PALETTE[2], [f.income_to_date for f in figures]),
                        money_series("losses", PALETTE[3], [f.losses_to_date for f in figures]),
                        money_series("net", PALETTE[0], [f.net_to_date for f in figures]),
                    ],
                    x_label=axis,
                    y_label="yuan",
                )
            ),
        ),
        section(
            "months",
            "Month by month 月度明细",
            html_table(month_headers(language), [month_cells(f) for f in figures]),
        ),
        *_business_section(stats, language),
    ]


def _business_section(stats: RunStats, language: str) -> list[str]:
    """The small-business segment apart (`sim.report_business`): none for a run without it."""
    doc = business_summary(stats)
    if doc is None:
        return []
    return [
        section(
            "business",
            "Small businesses 小微企业",
            f"<p>{esc(doc['policy'])} · {esc(doc['model'] or 'no model')}</p>"
            + html_table(*business_table(stats, language))
            + "<h3>Reasons most given 主要拒绝及转人工原因</h3>"
            + html_table(*reasons_table(stats, language)),
        )
    ]


def render_html(stats: RunStats, language: str = "en") -> str:
    title = run_title(stats)
    return page(
        f"Simulation report 模拟报告: {title}",
        f"Simulation report 模拟报告 — {title}",
        run_sections(stats, language),
        language,
    )


def write_html(stats: RunStats, path: Path, language: str = "en") -> Path:
    """Write the run's report to `path` (one file, nothing fetched from elsewhere)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(render_html(stats, language), encoding="utf-8")
    return path


__all__ = ["bar_chart", "render_html", "roll_matrix", "write_html"]
