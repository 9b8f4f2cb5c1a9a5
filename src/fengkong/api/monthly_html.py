"""The monthly risk report as one self-contained HTML file: Apache ECharts (vendored as package
data, `fengkong/static/vendor/echarts.min.js`, inlined so that the file opens offline) draws the
charts from the report's document, embedded as JSON (`<script id="report-data">`), and the
tables show the same figures. Rendered with Jinja2 (`api/templates/monthly_report.html.j2`).

Section titles are in English and Chinese; the tables' headers and words follow `lang`
(`en` or `zh`, as the simulator's report). Money in the tables is in yuan from the documents'
fen; rates are the documents' decimals as percentages.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from decimal import Decimal
from functools import lru_cache
from importlib.resources import files
from typing import Any

from fengkong.core.errors import FieldError, Invalid
from fengkong.core.money import format_fen

LANGUAGES: tuple[str, ...] = ("en", "zh")
ECHARTS = ("static", "vendor", "echarts.min.js")

Row = list[str]
Table = dict[str, Any]  # {"headers": [...], "rows": [[...]]}


def language(text: str | None) -> str:
    """`en` or `zh` (default `en`); anything else is refused, naming `lang`."""
    chosen = (text or "en").strip().lower()
    if chosen not in LANGUAGES:
        raise Invalid(
            (FieldError(("lang",), f"{chosen!r} is not one of: en, zh", "enum", LANGUAGES),)
        )
    return chosen


@lru_cache(maxsize=1)
def echarts_source() -> str:
    """The vendored ECharts bundle (package data), read once."""
    return files("fengkong").joinpath(*ECHARTS).read_text(encoding="utf-8")


@lru_cache(maxsize=1)
def _environment() -> Any:
    # Imported here: only rendering the report needs the template engine.
    from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape

    return Environment(
        loader=PackageLoader("fengkong.api", "templates"),
        undefined=StrictUndefined,
        autoescape=select_autoescape(["html", "j2"]),
    )


def pct(value: Any) -> str:
    """A decimal rate (text or number) as a percentage with two decimals; `-` when null."""
    if value is None:
        return "-"
    return f"{(Decimal(str(value)) * 100).quantize(Decimal('0.01'))}%"


def yuan(fen: Any) -> str:
    return "-" if fen is None else format_fen(int(fen), symbol=False)


def plain(value: Any) -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:.4f}"
    return str(value)


# Header and word pairs: (English, Chinese).
WORDS: Mapping[str, tuple[str, str]] = {
    "date": ("date", "日期"),
    "loans": ("active loans", "在贷笔数"),
    "outstanding": ("outstanding (yuan)", "在贷余额（元）"),
    "overdue_count": ("overdue rate by count", "逾期率（笔数）"),
    "overdue_balance": ("overdue rate by balance", "逾期率（余额）"),
    "m1": ("M1+ rate", "M1+ 比率"),
    "m3": ("M3+ rate", "M3+ 比率"),
    "written_off": ("written off (yuan)", "核销（元）"),
    "el": ("expected loss (yuan)", "预期损失（元）"),
    "coverage": ("coverage", "拨备覆盖"),
    "dimension": ("dimension", "维度"),
    "segment": ("segment", "分组"),
    "vintage": ("vintage", "放款月"),
    "mob": ("months on book", "账龄（月）"),
    "month_end": ("month end", "月末"),
    "originated": ("originated (yuan)", "放款额（元）"),
    "roll": ("roll", "迁移"),
    "from": ("from (yuan)", "起始余额（元）"),
    "to": ("to (yuan)", "迁入余额（元）"),
    "rate": ("rate", "迁移率"),
    "hhi": ("HHI", "赫芬达尔指数"),
    "limit": ("limit", "上限"),
    "share": ("share", "占比"),
    "breached": ("over the limit", "超限"),
    "rank": ("rank", "排名"),
    "customer": ("customer", "客户"),
    "name": ("name", "姓名"),
    "model": ("model", "模型"),
    "period": ("day", "日期"),
    "decisions": ("decisions", "决策数"),
    "psi": ("score PSI", "评分 PSI"),
    "approval": ("approval rate", "通过率"),
    "approval_drift": ("approval drift", "通过率漂移"),
    "alert": ("alert", "预警"),
    "opened": ("opened", "触发日"),
    "severity": ("severity", "级别"),
    "rule": ("rule", "规则"),
    "value": ("value", "数值"),
    "against": ("against", "对比"),
    "status": ("status", "状态"),
    "yes": ("yes", "是"),
    "none": ("none", "无"),
}


DAILY_KEYS = (
    "date", "loans", "outstanding", "overdue_count", "overdue_balance", "m1", "m3",
    "written_off", "el", "coverage",
)  # fmt: skip


def _say(lang: str) -> Callable[[str], str]:
    pick = 1 if lang == "zh" else 0
    return lambda key: WORDS[key][pick]


def _table(say: Callable[[str], str], keys: Sequence[str], rows: Sequence[Row]) -> Table:
    return {"headers": [say(k) for k in keys], "rows": [list(r) for r in rows]}


def _whole(doc: Mapping[str, Any]) -> Mapping[str, Any]:
    return next(s for s in doc["segments"] if s["dimension"] == "all")


def _segment_name(s: Mapping[str, Any]) -> str:
    return s["segment"] if s["name"] == s["segment"] else f"{s['segment']} {s['name']}"


def _daily_row(day: str, s: Mapping[str, Any]) -> Row:
    return [
        day,
        str(s["active_loans"]),
        yuan(s["outstanding_fen"]),
        pct(s["overdue_rate_count"]),
        pct(s["overdue_rate_balance"]),
        pct(s["m1_plus_rate"]),
        pct(s["m3_plus_rate"]),
        yuan(s["written_off_fen"]),
        yuan(s["expected_loss_fen"]),
        pct(s["coverage"]),
    ]


def _segment_row(s: Mapping[str, Any]) -> Row:
    return [
        s["dimension"],
        _segment_name(s),
        str(s["active_loans"]),
        yuan(s["outstanding_fen"]),
        pct(s["m1_plus_rate"]),
        pct(s["m3_plus_rate"]),
    ]


def _vintage_row(p: Mapping[str, Any]) -> Row:
    return [
        p["vintage"],
        str(p["months_on_book"]),
        p["month_end"],
        yuan(p["originated_fen"]),
        pct(p["m1_plus_rate"]),
        pct(p["m3_plus_rate"]),
    ]


def _top_row(b: Mapping[str, Any]) -> Row:
    masked = b["masked"] or {}
    return [
        str(b["rank"]),
        b["customer_id"],
        masked.get("name", "-"),
        yuan(b["outstanding_fen"]),
        pct(b["share"]),
    ]


def _share_row(d: Mapping[str, Any], s: Mapping[str, Any], yes: str) -> Row:
    return [
        d["dimension"],
        plain(d["hhi"]),
        pct(d["limit"]),
        _segment_name(s),
        yuan(s["outstanding_fen"]),
        pct(s["share"]),
        yes if s["breached"] else "",
    ]


def _drift_row(model: str, p: Mapping[str, Any]) -> Row:
    return [
        model,
        p["period"],
        str(p["decisions"]),
        plain(p["psi"]),
        pct(p["approval_rate"]),
        pct(p["approval_drift"]),
    ]


def _alert_row(a: Mapping[str, Any]) -> Row:
    where = "all" if a["dimension"] == "all" else f"{a['dimension']}={a['segment']}"
    return [
        a["opened_on"],
        a["alert_id"],
        a["severity"],
        a["rule_id"],
        where,
        a["value"],
        a["baseline"],
        a["status"],
    ]


def tables(doc: Mapping[str, Any], lang: str) -> dict[str, Any]:
    """Every table of the report, its cells formatted, its headers in `lang`."""
    say = _say(lang)
    conc = doc["concentration"]
    yes = say("yes")
    return {
        "daily": _table(
            say,
            DAILY_KEYS,
            [_daily_row(d["business_date"], _whole(d)) for d in doc["days"]],
        ),
        "segments": _table(
            say,
            ("dimension", "segment", "loans", "outstanding", "m1", "m3"),
            [_segment_row(s) for s in doc["segments"]["segments"]],
        ),
        "vintage": _table(
            say,
            ("vintage", "mob", "month_end", "originated", "m1", "m3"),
            [_vintage_row(p) for p in (doc["vintage"] or {"points": []})["points"]],
        ),
        "rolls": _table(
            say,
            ("month_end", "roll", "from", "to", "rate"),
            [
                [p["month_end"], p["roll"], yuan(p["from_fen"]), yuan(p["to_fen"]), pct(p["rate"])]
                for p in (doc["rolls"] or {"points": []})["points"]
            ],
        ),
        "top": _table(
            say,
            ("rank", "customer", "name", "outstanding", "share"),
            [_top_row(b) for b in conc["top"]],
        ),
        "concentration": _table(
            say,
            ("dimension", "hhi", "limit", "segment", "outstanding", "share", "breached"),
            [_share_row(d, s, yes) for d in conc["dimensions"] for s in d["segments"]],
        ),
        "drift": [
            _table(
                say,
                ("model", "period", "decisions", "psi", "approval", "approval_drift"),
                [_drift_row(m["model_version"], p) for p in m["periods"]],
            )
            for m in doc["drift"]
        ],
        "alerts": _table(
            say,
            ("opened", "alert", "severity", "rule", "segment", "value", "against", "status"),
            [_alert_row(a) for a in doc["alerts"]],
        ),
    }


def data_json(doc: Mapping[str, Any]) -> str:
    """The document as JSON safe inside a `<script>` element: no `</` or `<!--` in it."""
    text = json.dumps(doc, ensure_ascii=False, sort_keys=True)
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def render_monthly(doc: Mapping[str, Any], lang: str = "en") -> str:
    """The report's HTML, one file: the ECharts bundle and the data inlined."""
    chosen = language(lang)
    template = _environment().get_template("monthly_report.html.j2")
    return str(
        template.render(
            doc=doc,
            lang=chosen,
            html_lang="zh-CN" if chosen == "zh" else "en",
            tables=tables(doc, chosen),
            data=data_json(doc),
            echarts=echarts_source(),
            none=_say(chosen)("none"),
            words={key: _say(chosen)(key) for key in WORDS},
        )
    )
