"""Early warning: `GET /v1/alerts` (the alerts, newest sighting first), `POST
/v1/alerts/{alert_id}/acknowledge` (with a note, audited) and `POST /v1/alerts/evaluate` (the
rules on a date's snapshot, audited) (`monitoring.early_warning`). Refusals are problem+json:
a bad status, date or note, or a bad rules file, 422 naming what is allowed; an unknown alert
or a date without a snapshot 404; an alert acknowledged already 409."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Query
from pydantic import BaseModel, ConfigDict, Field

from fengkong.api.deps import ActorDep, ContextDep
from fengkong.monitoring.early_warning import (
    NOTE_MAX,
    Alert,
    Evaluation,
    acknowledge_alert,
    evaluate_alerts,
    list_alerts,
)

router = APIRouter(tags=["alerts"])

PROBLEMS = {
    401: {"description": "No valid credentials (problem+json)"},
    403: {"description": "The caller's roles do not allow it (problem+json)"},
    404: {"description": "Unknown alert, or no snapshot of the date (problem+json)"},
    409: {"description": "The alert was acknowledged already (problem+json)"},
    422: {"description": "A bad status, date or note, or a bad rules file (problem+json)"},
}


class AlertOut(BaseModel):
    """An alert: the rule and segment, first and last seen, the figure's value (decimal text)
    against its baseline (the threshold, or the earlier value), delivery and acknowledgement."""

    alert_id: str
    rule_id: str
    metric: str
    kind: str
    severity: str
    dimension: str
    segment: str
    description: str
    status: Literal["open", "acknowledged"]
    opened_on: date
    opened_at: datetime
    last_seen_on: date
    times_seen: int
    value: str
    baseline: str
    cleared_on: date | None
    delivery: str | None
    acknowledged_by: str | None
    acknowledged_at: datetime | None
    note: str | None

    @classmethod
    def of(cls, a: Alert) -> AlertOut:
        return cls(
            alert_id=a.alert_id,
            rule_id=a.rule_id,
            metric=a.metric,
            kind=a.kind,
            severity=a.severity,
            dimension=a.dimension,
            segment=a.segment,
            description=a.description,
            status=a.status.value,
            opened_on=a.opened_on,
            opened_at=a.opened_at,
            last_seen_on=a.last_seen_on,
            times_seen=a.times_seen,
            value=str(a.value),
            baseline=str(a.baseline),
            cleared_on=a.cleared_on,
            delivery=a.delivery,
            acknowledged_by=a.acknowledged_by,
            acknowledged_at=a.acknowledged_at,
            note=a.note,
        )


class AlertsOut(BaseModel):
    alerts: list[AlertOut]


class AcknowledgeIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    note: str = Field(min_length=1, max_length=NOTE_MAX)


class EvaluateIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    date: str | None = Field(default=None, description="YYYY-MM-DD (default: the last snapshot)")


class EvaluationOut(BaseModel):
    business_date: date
    rules: int
    opened: list[AlertOut]
    repeated: int
    cleared: int

    @classmethod
    def of(cls, e: Evaluation) -> EvaluationOut:
        return cls(
            business_date=e.on,
            rules=e.rules,
            opened=[AlertOut.of(a) for a in e.opened],
            repeated=e.repeated,
            cleared=e.cleared,
        )


@router.get("/v1/alerts", responses=PROBLEMS)  # type: ignore[arg-type]
def alerts(
    ctx: ContextDep,
    status: Annotated[str | None, Query(description="open or acknowledged (default: both)")] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 200,
) -> AlertsOut:
    """Early-warning alerts, newest sighting first (docs/early-warning.md)."""
    return AlertsOut(
        alerts=[AlertOut.of(a) for a in list_alerts(ctx.reads.early_warning, status, limit)]
    )


@router.post("/v1/alerts/{alert_id}/acknowledge", responses=PROBLEMS)  # type: ignore[arg-type]
def acknowledge(alert_id: str, body: AcknowledgeIn, ctx: ContextDep, actor: ActorDep) -> AlertOut:
    """Acknowledge an open alert with a note; who and when are recorded and audited."""
    return AlertOut.of(acknowledge_alert(alert_id, body.note, actor.audit_name, ctx.early_warning))


@router.post("/v1/alerts/evaluate", responses=PROBLEMS)  # type: ignore[arg-type]
def evaluate(ctx: ContextDep, actor: ActorDep, body: EvaluateIn | None = None) -> EvaluationOut:
    """Run the early-warning rules on a date's snapshot (default: the last one), as end of day
    does: opens, repeats and clears alerts, and sends those opened. Audited."""
    on = None if body is None else body.date
    return EvaluationOut.of(evaluate_alerts(ctx.early_warning, actor.audit_name, on))
