"""A figure's path over the days before a date: the stored snapshots of the `days` calendar days
up to `on`, for every segment of one dimension, read in one query (the dashboard's trend chart
and its segment view)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from fengkong.core.errors import FieldError, Invalid
from fengkong.monitoring.snapshots import (
    DatedRow,
    MonitoringServices,
    dimensions_of,
    parse_day,
    report_day,
)

MAX_DAYS = 732


@dataclass(frozen=True, slots=True)
class Trend:
    """The snapshots of `dimension` on the dates from `first` to `last` that have one."""

    first: date
    last: date
    dimension: str
    rows: tuple[DatedRow, ...]


def trend(
    svc: MonitoringServices,
    on: str | date | None = None,
    days: int = 90,
    dimension: str = "all",
) -> Trend:
    """The snapshots of the `days` days up to `on` (default: the last snapshot's date), every
    segment of `dimension`; refused as the portfolio report refuses a date, a dimension or a
    span out of 1..732 days."""
    if not 1 <= days <= MAX_DAYS:
        raise Invalid((FieldError(("days",), f"{days} is not between 1 and {MAX_DAYS}"),))
    found = dimensions_of(dimension)
    if len(found) != 1:
        raise Invalid((FieldError(("by",), "one dimension, not several"),))
    chosen = found[0]
    day = parse_day(on, "date")
    with svc.uow() as uow:
        store = uow.portfolio
        last = report_day(store, day)
        first = last - timedelta(days=days - 1)
        dates = [d for d in store.snapshot_dates(last) if d >= first]
        rows = tuple(store.dimension_rows(dates, chosen)) if dates else ()
    return Trend(first, last, chosen, rows)


def snapshot_span(svc: MonitoringServices) -> tuple[date, date] | None:
    """The first and last dates with a snapshot; None before the first."""
    with svc.uow() as uow:
        return uow.portfolio.snapshot_span()
