"""Reports: `GET /v1/reports/portfolio`, a day's portfolio snapshot by segment
(`monitoring.snapshots`); `/vintage` and `/rolls`, vintage curves and roll rates over the
month-end snapshots (`monitoring.curves`); `/concentration`, the book's concentration on a date
(`monitoring.concentration`); `/stress`, a stress test of the book of a date
(`monitoring.stress_report`). A bad date, scenario, dimension or count is a 422 naming what is allowed; a
date with no snapshot, or none yet, is a 404."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from fengkong.api.deps import ContextDep
from fengkong.api.report_curve_schemas import ConcentrationOut, RollsOut, VintageOut
from fengkong.api.report_schemas import PortfolioOut
from fengkong.api.report_stress_schemas import StressOut
from fengkong.monitoring.concentration import CONCENTRATION_DIMENSIONS, concentration_report
from fengkong.monitoring.curves import ROLL_DIMENSIONS, roll_report, vintage_report
from fengkong.monitoring.figures import DIMENSIONS, TOP_KEPT
from fengkong.monitoring.scenario import MAX_HORIZON, shipped_names
from fengkong.monitoring.snapshots import portfolio_report
from fengkong.monitoring.stress_report import stress_report

router = APIRouter()

PROBLEMS = {
    404: {"description": "No snapshot of that date, or none yet"},
    422: {
        "description": "A malformed date, a date outside the snapshots, an unknown dimension "
        "or scenario"
    },
}


@router.get("/v1/reports/portfolio", tags=["reports"], responses=PROBLEMS)  # type: ignore[arg-type]
def portfolio(
    ctx: ContextDep,
    date: Annotated[
        str | None,
        Query(description="YYYY-MM-DD, a business date (default: the last snapshot)"),
    ] = None,
    by: Annotated[
        list[str] | None,
        Query(
            description="Dimensions (" + ", ".join(DIMENSIONS) + "): repeat the parameter or "
            "separate values with commas (default: every one)"
        ),
    ] = None,
) -> PortfolioOut:
    """A day's portfolio snapshot, written by that day's end of day: by segment of each
    dimension, the active loans and their balance, overdue, M1+ and M3+ balances and rates,
    written off, the five-tier mix, expected loss and its coverage (docs/monitoring.md)."""
    return PortfolioOut.of(portfolio_report(ctx.reads.monitoring, date, by))


DayQuery = Annotated[
    str | None, Query(description="YYYY-MM-DD, a business date (default: the last snapshot)")
]


@router.get("/v1/reports/vintage", tags=["reports"], responses=PROBLEMS)  # type: ignore[arg-type]
def vintage(ctx: ContextDep, date: DayQuery = None) -> VintageOut:
    """Vintage curves: per booking month, by months on book, the cumulative M1+ and M3+ rates
    ((past M1 / M3 at the month end + written off so far) / originated), read from the month-end
    snapshots up to `date` (docs/monitoring.md)."""
    return VintageOut.of(vintage_report(ctx.reads.monitoring, date))


@router.get("/v1/reports/rolls", tags=["reports"], responses=PROBLEMS)  # type: ignore[arg-type]
def rolls(
    ctx: ContextDep,
    date: DayQuery = None,
    by: Annotated[
        str | None,
        Query(
            description="One dimension (" + ", ".join(ROLL_DIMENSIONS) + "): rolls per segment "
            "(default: all, the whole book)"
        ),
    ] = None,
) -> RollsOut:
    """Roll rates month over month: the balance in bucket k+1 at a month end over the balance in
    bucket k at the month end before (M0→M1, M1→M2, M2→M3, M3→M3+)."""
    return RollsOut.of(roll_report(ctx.reads.monitoring, date, by))


@router.get("/v1/reports/concentration", tags=["reports"], responses=PROBLEMS)  # type: ignore[arg-type]
def concentration(
    ctx: ContextDep,
    date: DayQuery = None,
    by: Annotated[
        list[str] | None,
        Query(
            description="Dimensions (" + ", ".join(CONCENTRATION_DIMENSIONS) + "): repeat or "
            "separate with commas (default: every one)"
        ),
    ] = None,
    top: Annotated[
        str | None, Query(description=f"Borrowers to list, 1 to {TOP_KEPT} (default 10)")
    ] = None,
) -> ConcentrationOut:
    """The book's concentration on a date: the top N borrowers (customer ids and masks) and
    their share, per dimension the HHI and each segment's share, flagged above the configured
    limit (`monitoring_concentration_limits`)."""
    return ConcentrationOut.of(concentration_report(ctx.reads.monitoring, date, by, top))


@router.get("/v1/reports/stress", tags=["reports"], responses=PROBLEMS)  # type: ignore[arg-type]
def stress(
    ctx: ContextDep,
    date: DayQuery = None,
    scenario: Annotated[
        str | None,
        Query(
            description="A shipped scenario (" + ", ".join(shipped_names()) + "); baseline "
            "by default"
        ),
    ] = None,
    months: Annotated[
        str | None, Query(description=f"Horizon, 1 to {MAX_HORIZON} (default: the scenario's)")
    ] = None,
) -> StressOut:
    """A stress test of the book of `date`: the scenario's PD multipliers, income shock and
    collateral haircut applied month by month over the horizon, giving projected defaults,
    losses, required provisions against those held, coverage and capital need; and the
    collections the schedules expect each month against those made (docs/stress-testing.md)."""
    return StressOut.of(stress_report(ctx.reads.stress, date, scenario, None, months))
