"""ECharts options for the console's charts, built here from the monitoring reports so that the
browser only draws: each chart's option travels as JSON in the page (`<script
type="application/json">`, which the Content-Security-Policy admits as data) and
`static/console.js` hands it to `echarts.init(...).setOption(...)`. Rates are drawn as
percentages; money as yuan."""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from decimal import Decimal
from typing import Any

from fengkong.core.money import fen_to_yuan
from fengkong.monitoring.curves import CurveReport
from fengkong.monitoring.figures import CLASSES, SegmentFigures
from fengkong.monitoring.trend import Trend

Say = Callable[..., str]
Option = dict[str, Any]


def _pct(value: Decimal | None) -> float | None:
    # ECharts plots numbers: the chart's only floats, made at the edge from exact decimals.
    return None if value is None else float((value * 100).quantize(Decimal("0.0001")))


def _percent_axis() -> Option:
    return {"type": "value", "axisLabel": {"formatter": "{value}%"}}


def _base(title: str) -> Option:
    return {
        "title": {"text": title, "left": "center", "textStyle": {"fontSize": 14}},
        "tooltip": {"trigger": "axis"},
        "legend": {"bottom": 0},
        "grid": {"left": 56, "right": 24, "top": 40, "bottom": 56},
        "animation": False,
    }


def trend_chart(t: Trend, say: Say) -> Option:
    """The whole book's overdue, M1+ and M3+ rates (by balance) per snapshot date."""
    days = [d.isoformat() for d, _, _ in t.rows]
    figures = [f for _, _, f in t.rows]
    series = [
        (say("Overdue rate"), [_pct(f.overdue_rate_balance) for f in figures]),
        (say("M1+ rate"), [_pct(f.m1_plus_rate) for f in figures]),
        (say("M3+ rate"), [_pct(f.m3_plus_rate) for f in figures]),
    ]
    return {
        **_base(say("Delinquency over time (by balance)")),
        "xAxis": {"type": "category", "data": days},
        "yAxis": _percent_axis(),
        "series": [{"name": n, "type": "line", "showSymbol": False, "data": d} for n, d in series],
    }


def segment_chart(rows: Sequence[tuple[str, SegmentFigures]], dimension: str, say: Say) -> Option:
    """Outstanding principal (bars, yuan) and the M1+ rate (line) of each segment."""
    names = [s for s, _ in rows]
    return {
        **_base(say("Outstanding and M1+ rate by %(dimension)s", dimension=dimension)),
        "xAxis": {"type": "category", "data": names, "axisLabel": {"interval": 0, "rotate": 30}},
        "yAxis": [{"type": "value", "name": say("Yuan")}, _percent_axis()],
        "series": [
            {
                "name": say("Outstanding principal"),
                "type": "bar",
                "data": [float(fen_to_yuan(f.outstanding_fen)) for _, f in rows],
            },
            {
                "name": say("M1+ rate"),
                "type": "line",
                "yAxisIndex": 1,
                "data": [_pct(f.m1_plus_rate) for _, f in rows],
            },
        ],
    }


def class_chart(figures: SegmentFigures, say: Say, class_names: dict[str, str]) -> Option:
    """The five-tier mix of the active book by principal."""
    return {
        **_base(say("Five-tier classification (principal)")),
        "tooltip": {"trigger": "item"},
        "series": [
            {
                "type": "pie",
                "radius": ["35%", "65%"],
                "data": [
                    {
                        "name": class_names.get(c, c),
                        "value": float(fen_to_yuan(figures.classes[c].fen)),
                    }
                    for c in CLASSES
                    if c in figures.classes
                ],
            }
        ],
    }


def vintage_chart(report: CurveReport, say: Say) -> Option:
    """Cumulative M1+ rate by months on book, one line per booking month."""
    vintages = sorted({p.vintage for p in report.vintages})
    longest = max((p.months_on_book for p in report.vintages), default=0)
    series = []
    for v in vintages:
        by_mob = {p.months_on_book: p.m1_plus_rate for p in report.vintages if p.vintage == v}
        series.append(
            {
                "name": v,
                "type": "line",
                "data": [_pct(by_mob.get(m)) for m in range(longest + 1)],
                "connectNulls": False,
            }
        )
    return {
        **_base(say("Vintage curves: cumulative M1+ rate")),
        "legend": {"bottom": 0, "type": "scroll"},
        "xAxis": {
            "type": "category",
            "name": say("Months on book"),
            "data": list(range(longest + 1)),
        },
        "yAxis": _percent_axis(),
        "series": series,
    }


def as_json(option: Option) -> str:
    """The option as JSON safe to place inside a `<script type="application/json">` element."""
    text = json.dumps(option, ensure_ascii=False, separators=(",", ":"))
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
