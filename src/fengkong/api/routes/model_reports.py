"""The model reports: `GET /v1/reports/drift` (score PSI, feature CSI, approval and override
drift, realised AUC by vintage) and `GET /v1/reports/fairness` (approval rate, bad rate and AUC
by age band, sex and region; adverse-impact ratios), both for one model version over business
dates, with their findings. A bad window or `by` is a 422 naming the field; an unknown model a
404. The CLI's `fengkong report drift|fairness` prints the same documents."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query

from fengkong.api.deps import ContextDep
from fengkong.bootstrap import Context
from fengkong.scoring.drift import drift_report
from fengkong.scoring.fairness import fairness_report
from fengkong.scoring.monitored import MonitoringLimits, plain, report_window

router = APIRouter()

PROBLEMS = {
    404: {"description": "No such model version"},
    422: {"description": "A bad window, `by`, reference period or limit, naming the field"},
}
Model = Annotated[str, Query(description="The model version, e.g. application-v1")]
From = Annotated[
    str | None,
    Query(
        alias="from",
        description="First business date, YYYY-MM-DD (default: 30 days or a year back)",
    ),
]
To = Annotated[
    str | None, Query(description="Last business date, YYYY-MM-DD, not after today (default today)")
]
By = Annotated[str, Query(description="Periods: day or month")]
Reference = Annotated[
    str | None,
    Query(description="The period drifts are measured from (default: the first with decisions)"),
]
Mature = Annotated[int, Query(description="Months on book before a loan's outcome counts")]
PsiBreach = Annotated[float, Query(description="PSI/CSI above this is a breach (0.1 a warning)")]
AirFloor = Annotated[float, Query(description="Adverse-impact ratio below this is a breach")]
MinGroup = Annotated[int, Query(description="Settled decisions a group needs to be judged")]


def drift_document(
    ctx: Context,
    model: str,
    start: str | None = None,
    end: str | None = None,
    by: str = "month",
    reference: str | None = None,
    limits: MonitoringLimits | None = None,
) -> dict[str, Any]:
    """The drift report of `model` as one JSON-able document (the API's body, the CLI's --json)."""
    today = ctx.clock.business_date()
    window = report_window(start, end, by, today)
    report = drift_report(
        ctx.reads.model_monitoring(), model, window, as_of=today, limits=limits, reference=reference
    )
    doc: dict[str, Any] = plain(report)
    return doc


def fairness_document(
    ctx: Context,
    model: str,
    start: str | None = None,
    end: str | None = None,
    limits: MonitoringLimits | None = None,
) -> dict[str, Any]:
    """The fairness report of `model` as one JSON-able document; resident IDs are opened
    through the vault for sex and region, and only those leave the report."""
    today = ctx.clock.business_date()
    window = report_window(start, end, "month", today)
    report = fairness_report(
        ctx.reads.model_monitoring(), ctx.vault, model, window, as_of=today, limits=limits
    )
    doc: dict[str, Any] = plain(report)
    return doc


@router.get("/v1/reports/drift", tags=["reports"], responses=PROBLEMS)  # type: ignore[arg-type]
def get_drift(
    ctx: ContextDep,
    model: Model,
    start: From = None,
    to: To = None,
    by: By = "month",
    reference: Reference = None,
    mature_months: Mature = 6,
    psi_breach: PsiBreach = 0.25,
) -> dict[str, Any]:
    """How a model's decisions drift from its training baseline and from their own start, with
    the findings outside the limits."""
    limits = MonitoringLimits(mature_months=mature_months, psi_breach=psi_breach)
    return drift_document(ctx, model, start, to, by, reference, limits)


@router.get("/v1/reports/fairness", tags=["reports"], responses=PROBLEMS)  # type: ignore[arg-type]
def get_fairness(
    ctx: ContextDep,
    model: Model,
    start: From = None,
    to: To = None,
    mature_months: Mature = 6,
    air_floor: AirFloor = 0.8,
    min_group: MinGroup = 20,
) -> dict[str, Any]:
    """Approval rate, bad rate and realised AUC by age band, sex and region, per policy, with
    each group's adverse-impact ratio; groups below the floor are findings."""
    limits = MonitoringLimits(mature_months=mature_months, air_floor=air_floor, min_group=min_group)
    return fairness_document(ctx, model, start, to, limits)
