"""The monthly risk report's data: one JSON-able document made of the very documents the
report endpoints and `fengkong report ... --json` give, read for the month
(`monitoring.monthly`), so that the HTML's charts and tables show their numbers:

| key | the same document as |
| --- | --- |
| `days` | `report portfolio --date D --by all --json`, each snapshot date D of the month |
| `segments` | `report portfolio --date U --by product,channel,region,score_band --json` |
| `vintage` | `report vintage --date U --json` (null before the first month-end snapshot) |
| `rolls` | `report rolls --date U --json` (the same) |
| `concentration` | `report concentration --date U --json` |
| `drift` | `report drift --model M --from FIRST --to LAST --by day --json`, each model that decided |
| `alerts` | the alerts opened in the month, as `alerts list --json` gives them |

U (`until`) is the month's last snapshot date; LAST the month's last day, or today in the
current month. `GET /v1/reports/monthly` (here) and `fengkong report monthly` render it as HTML
(`api.monthly_html`). A malformed month, a month before the first snapshot or after the current
one, or an unknown language is a 422 naming the field; no snapshot in the month, or none yet,
a 404.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query
from fastapi.responses import HTMLResponse

from fengkong.api.deps import ContextDep
from fengkong.api.monthly_html import language, render_monthly
from fengkong.api.report_curve_schemas import ConcentrationOut, RollsOut, VintageOut
from fengkong.api.report_schemas import PortfolioOut
from fengkong.api.routes.alerts import AlertOut
from fengkong.api.routes.model_reports import drift_document
from fengkong.bootstrap import Context
from fengkong.core.filters import DateRange
from fengkong.monitoring.early_warning import alerts_opened
from fengkong.monitoring.monthly import SEGMENT_DIMENSIONS, monthly_report

router = APIRouter()

PROBLEMS = {
    200: {"content": {"text/html": {}}, "description": "The report, one self-contained HTML file"},
    404: {"description": "No snapshot in the month, or none yet"},
    422: {"description": "A malformed month, one outside the snapshots, an unknown language"},
}


def _json(model: Any) -> Any:
    return None if model is None else model.model_dump(mode="json")


def monthly_document(ctx: Context, month: str | None = None) -> dict[str, Any]:
    """The month's figures (default: the current month) as one document (see the module's
    docstring). A malformed month, or one before the first snapshot or after the current
    month, is `Invalid` naming `month`; no snapshot in the month is `SnapshotNotFound`."""
    today = ctx.clock.business_date()
    report = monthly_report(
        ctx.reads.monitoring,
        month,
        today,
        lambda first, last: alerts_opened(ctx.reads.early_warning, first, last),
    )
    span = report.span
    last = min(span.last, today)
    models = ctx.reads.model_monitoring().decided_models(DateRange(span.first, last))
    return {
        "month": span.month,
        "first": span.first.isoformat(),
        "last": last.isoformat(),
        "until": report.last.isoformat(),
        "segment_dimensions": list(SEGMENT_DIMENSIONS),
        "days": [_json(PortfolioOut.of(day)) for day in report.days],
        "segments": _json(PortfolioOut.of(report.segments)),
        "vintage": _json(report.vintage and VintageOut.of(report.vintage)),
        "rolls": _json(report.rolls and RollsOut.of(report.rolls)),
        "concentration": _json(ConcentrationOut.of(report.concentration)),
        "drift": [
            drift_document(ctx, model, span.first.isoformat(), last.isoformat(), "day")
            for model in models
        ],
        "alerts": [_json(AlertOut.of(a)) for a in report.alerts],
    }


@router.get(
    "/v1/reports/monthly",
    tags=["reports"],
    response_class=HTMLResponse,
    responses=PROBLEMS,  # type: ignore[arg-type]
)
def monthly(
    ctx: ContextDep,
    month: Annotated[
        str | None, Query(description="YYYY-MM, a calendar month (default: the current one)")
    ] = None,
    lang: Annotated[
        str | None, Query(description="The tables' language: en or zh (default en)")
    ] = None,
) -> HTMLResponse:
    """The monthly risk report: one HTML file with charts (Apache ECharts, inlined) and tables of
    the portfolio, vintage, roll-rate, concentration and drift reports' figures for the month,
    and the alerts opened in it (docs/risk-report.md)."""
    chosen = language(lang)
    return HTMLResponse(render_monthly(monthly_document(ctx, month), chosen))
