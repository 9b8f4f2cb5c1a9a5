"""The dashboard: the book on a chosen date (default the last snapshot) — its headline figures,
delinquency over the preceding days, one dimension's segments, the five-tier mix and the vintage
curves — and the early-warning alerts in force, each acknowledged with a note in place (htmx).

Every figure is read from the stored snapshots through the monitoring reports, as the API's and
the CLI's reports are; a bad date or dimension shows its error beside the field."""

from __future__ import annotations

import contextlib
from dataclasses import replace
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response

from fengkong.core.errors import Invalid, NotFound
from fengkong.monitoring.curves import vintage_report
from fengkong.monitoring.early_warning import (
    NOTE_MAX,
    Alert,
    acknowledge_alert,
    list_alerts,
    read_alert,
)
from fengkong.monitoring.figures import DIMENSIONS
from fengkong.monitoring.snapshots import parse_day, portfolio_report
from fengkong.monitoring.trend import snapshot_span, trend
from fengkong.web import charts
from fengkong.web.auth import PREFIX, console_actor, context_of
from fengkong.web.i18n import N_
from fengkong.web.pages.file_labels import LOAN_CLASS
from fengkong.web.render import language_of, render

router = APIRouter()

SPANS = (30, 90, 180, 365)
NOTE_NEEDED = N_("Write a note of what was done or decided.")
DATE_OUTSIDE = N_("Choose a date with a snapshot, from %(first)s to %(last)s (YYYY-MM-DD).")
NOT_A_DATE = N_("Write the date as YYYY-MM-DD.")
# The words of the dimensions and the five tiers, as English message ids.
DIMENSION_NAMES = {
    "all": N_("Whole book"),
    "product": N_("Product"),
    "channel": N_("Channel"),
    "region": N_("Region"),
    "industry": N_("Industry"),
    "vintage": N_("Vintage"),
    "score_band": N_("Score band"),
}
METRIC_NAMES = {
    "overdue_rate_count": N_("Overdue rate (count)"),
    "overdue_rate_balance": N_("Overdue rate (balance)"),
    "m1_plus_rate": N_("M1+ rate"),
    "m3_plus_rate": N_("M3+ rate"),
    "write_off_rate": N_("Write-off rate"),
    "coverage": N_("Loss coverage"),
    "allowance_coverage": N_("Allowance coverage"),
    "active_loans": N_("Active loans"),
    "outstanding_fen": N_("Outstanding principal"),
    "overdue_loans": N_("Overdue loans"),
    "overdue_fen": N_("Overdue principal"),
    "m1_plus_fen": N_("M1+ principal"),
    "m3_plus_fen": N_("M3+ principal"),
    "written_off_loans": N_("Written-off loans"),
    "written_off_fen": N_("Written-off principal"),
    "expected_loss_fen": N_("Expected loss"),
    "no_pd_loans": N_("Loans without a PD"),
    "no_pd_fen": N_("Principal without a PD"),
    "allowance_fen": N_("Allowance"),
    "reserve_fen": N_("Reserve fund"),
    # the model watch's figures (`monitoring.model_watch.MODEL_RULES`)
    "score_psi": N_("Score PSI"),
    "feature_csi": N_("Feature stability (CSI)"),
    "approval_drift": N_("Approval rate drift"),
    "override_drift": N_("Officers' approval drift"),
    "adverse_impact_ratio": N_("Adverse impact ratio"),
}


class SegmentNotFound(Exception):
    """The chosen segment has no figures on the chosen date."""


def _figures(request: Request, day: str | None, by: str, segment: str, days: int) -> dict[str, Any]:
    """What the dashboard shows: the whole book's figures, or one segment's of `by` when
    `segment` is given; raises the monitoring reports' refusals."""
    ctx = context_of(request)
    say = language_of(request).gettext
    svc = ctx.monitoring
    book = portfolio_report(svc, day, "all")
    on = book.book.business_date
    segments = [(s, f) for _, s, f in portfolio_report(svc, on, by).rows]
    shown = book.rows[0][2]
    path = trend(svc, on, days, by if segment else "all")
    if segment:
        found = dict(segments).get(segment)
        if found is None:
            raise SegmentNotFound(segment)
        shown = found
        path = replace(path, rows=tuple(r for r in path.rows if r[1] == segment))
    classes = {c: say(n) for c, n in LOAN_CLASS.items()}
    option_sets = {
        "trend": charts.trend_chart(path, say),
        "segments": charts.segment_chart(segments, say(DIMENSION_NAMES[by]), say),
        "classes": charts.class_chart(shown, say, classes),
    }
    with contextlib.suppress(NotFound):  # no month end with a snapshot yet: no curve
        option_sets["vintage"] = charts.vintage_chart(vintage_report(svc, on), say)
    return {
        "on": on,
        "whole": shown,
        "segments": segments,
        "charts": {k: charts.as_json(v) for k, v in option_sets.items()},
    }


def _well_formed(text: str) -> bool:
    try:
        parse_day(text, "date")
    except Invalid:
        return False
    return True


def _refused(request: Request, error: Invalid, date_text: str) -> dict[str, str]:
    """The monitoring reports' refusals as the person's words, beside the field refused."""
    say = language_of(request).gettext
    fields = {str(e.loc[0]) if e.loc else "date" for e in error.errors}
    errors = {}
    if "date" in fields:
        span = snapshot_span(context_of(request).monitoring)
        errors["date"] = (
            say(DATE_OUTSIDE, first=span[0].isoformat(), last=span[1].isoformat())
            if span and _well_formed(date_text)
            else say(NOT_A_DATE)
        )
    for name in fields - {"date"}:
        errors[name] = say(N_("This value is not accepted."))
    return errors


@router.get("/dashboard")
def dashboard(
    request: Request, date: str = "", by: str = "product", segment: str = "", days: int = 90
) -> Response:
    segment = segment.strip()[:80]
    chosen: dict[str, Any] = {
        "date": date,
        "by": by if by in DIMENSIONS else "product",
        "segment": segment,
        "days": days,
    }
    values: dict[str, Any] = {
        "chosen": chosen,
        "dimensions": DIMENSION_NAMES,
        "spans": SPANS,
        "metric_names": METRIC_NAMES,
        "errors": {},
        "figures": None,
        "missing": None,
    }
    status = 200
    if by not in DIMENSIONS:
        values["errors"]["by"] = N_("Choose one of the listed dimensions.")
        status = 422
    elif days not in SPANS:
        values["errors"]["days"] = N_("Choose one of the listed spans.")
        status = 422
    else:
        try:
            values["figures"] = _figures(request, date.strip() or None, by, segment, days)
        except Invalid as e:
            values["errors"] = _refused(request, e, date)
            status = 422
        except SegmentNotFound:
            values["errors"]["segment"] = N_("No such segment of that dimension on that date.")
            status = 422
        except NotFound:
            values["missing"] = True
    values["alerts"] = list_alerts(context_of(request).early_warning, "open", 50)
    values["note_max"] = NOTE_MAX
    return render(request, "dashboard.html.j2", values, status=status)


@router.get("/alerts")
def alerts_page(request: Request, status: str = "open") -> Response:
    chosen = status if status in ("open", "acknowledged") else "open"
    return _alerts(request, chosen)


def _alerts(
    request: Request, status: str, refused: dict[str, str] | None = None, code: int = 200
) -> Response:
    """The alerts of `status`; `refused` (id, error, note) shows one's error beside its note."""
    found = list_alerts(context_of(request).early_warning, status, 200)
    values = {
        "alerts": found,
        "status": status,
        "metric_names": METRIC_NAMES,
        "note_max": NOTE_MAX,
        "refused": refused,
    }
    return render(request, "alerts.html.j2", values, status=code)


def _row(request: Request, alert: Alert, error: str | None, note: str, status: int) -> Response:
    values = {
        "alert": alert,
        "metric_names": METRIC_NAMES,
        "error": error,
        "note": note,
        "note_max": NOTE_MAX,
    }
    return render(request, "alert_row.html.j2", values, status=status)


@router.post("/alerts/{alert_id}/acknowledge")
def acknowledge(request: Request, alert_id: str, note: Annotated[str, Form()] = "") -> Response:
    """Acknowledge an open alert with a note; htmx swaps the row, a plain form goes back."""
    ctx = context_of(request)
    actor = console_actor(request)
    htmx = request.headers.get("hx-request") == "true"
    try:
        done = acknowledge_alert(alert_id, note, actor.audit_name, ctx.early_warning)
    except Invalid:
        alert = read_alert(alert_id, ctx.early_warning)
        if not htmx:  # a plain form: the open alerts, this one's error beside its note
            refused = {"id": alert.alert_id, "error": NOTE_NEEDED, "note": note}
            return _alerts(request, "open", refused, 422)
        return _row(request, alert, NOTE_NEEDED, note, 422)
    if htmx:
        return _row(request, done, None, "", 200)
    return RedirectResponse(f"{PREFIX}/alerts?status=open", status_code=303)
