"""Reports: `GET /v1/reports/portfolio`, a day's portfolio snapshot by segment
(`monitoring.snapshots`). A bad date or dimension is a 422 naming what is allowed; a date with
no snapshot, or none yet, is a 404."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from fengkong.api.deps import ContextDep
from fengkong.api.report_schemas import PortfolioOut
from fengkong.monitoring.figures import DIMENSIONS
from fengkong.monitoring.snapshots import portfolio_report

router = APIRouter()

PROBLEMS = {
    404: {"description": "No snapshot of that date, or none yet"},
    422: {"description": "A malformed date, a date outside the snapshots, an unknown dimension"},
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
    return PortfolioOut.of(portfolio_report(ctx.monitoring, date, by))
