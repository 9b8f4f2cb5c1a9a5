"""The monthly risk report's figures: for one calendar month, what the portfolio reports give
(`snapshots.portfolio_report`, `curves.vintage_report` and `roll_report`,
`concentration.concentration_report`) on the month's snapshot dates, and the early-warning
alerts opened in the month. Nothing is computed here that those reports do not compute: the
monthly report is their figures, read for the month, so its numbers are theirs (one definition).

- The days: each snapshot date of the month, the whole book (`portfolio_report(day, "all")`).
- The month's last snapshot date (`last`): every dimension of its snapshot, the vintage curves
  and roll rates up to it, and its concentration.
- A month before the first snapshot, after the current month, or not `YYYY-MM` is refused
  (`Invalid` naming `month`); a month in range without a snapshot is `SnapshotNotFound`.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from fengkong.core.errors import FieldError, Invalid
from fengkong.monitoring.concentration import ConcentrationReport, concentration_report
from fengkong.monitoring.curves import CurveReport, roll_report, vintage_report
from fengkong.monitoring.early_warning import Alert
from fengkong.monitoring.figures import DIMENSIONS
from fengkong.monitoring.snapshots import (
    MonitoringServices,
    PortfolioReport,
    SnapshotDateOutOfRange,
    SnapshotNotFound,
    portfolio_report,
)

_MONTH = re.compile(r"([0-9]{4})-([0-9]{2})")
# Segments shown by the month's report: every dimension but the whole book and the vintages
# (which have their own curves).
SEGMENT_DIMENSIONS: tuple[str, ...] = tuple(d for d in DIMENSIONS if d not in ("all", "vintage"))

AlertsOpened = Callable[[date, date], Sequence[Alert]]


@dataclass(frozen=True, slots=True)
class MonthSpan:
    """A calendar month: its key (`YYYY-MM`), first and last day."""

    month: str
    first: date
    last: date


def month_span(month: str | None, today: date) -> MonthSpan:
    """The month `YYYY-MM` (default: today's), refused when malformed or after today's month."""
    text = today.strftime("%Y-%m") if month is None else month.strip()
    found = _MONTH.fullmatch(text)
    try:
        if found is None:
            raise ValueError(text)
        first = date(int(found.group(1)), int(found.group(2)), 1)
    except ValueError:  # not the shape, or no such month (2026-13, year 0)
        raise Invalid((FieldError(("month",), f"not a month (YYYY-MM): {text!r}"),)) from None
    if first > today:
        raise Invalid(
            (FieldError(("month",), f"{text} is in the future: today is {today.isoformat()}"),)
        )
    following = (first + timedelta(days=32)).replace(day=1)
    return MonthSpan(text, first, following - timedelta(days=1))


@dataclass(frozen=True, slots=True)
class MonthlyReport:
    """The figures of a month (see the module's docstring). `vintage` and `rolls` are None when
    no month end up to `last` has a snapshot yet (the curves are read at month ends)."""

    span: MonthSpan
    last: date  # the month's last snapshot date
    days: tuple[PortfolioReport, ...]  # the whole book on each snapshot date of the month
    segments: PortfolioReport  # every dimension on `last`
    vintage: CurveReport | None
    rolls: CurveReport | None
    concentration: ConcentrationReport
    alerts: tuple[Alert, ...]  # opened in the month


def _snapshot_days(svc: MonitoringServices, span: MonthSpan) -> list[date]:
    with svc.uow() as uow:
        store = uow.portfolio
        bounds = store.snapshot_span()
        if bounds is None:
            raise SnapshotNotFound("no portfolio snapshot yet: end of day writes one per date")
        if span.last < bounds[0]:
            raise SnapshotDateOutOfRange(
                (
                    FieldError(
                        ("month",),
                        f"{span.month} is before the first snapshot: snapshots run from "
                        f"{bounds[0].isoformat()} to {bounds[1].isoformat()}",
                    ),
                )
            )
        days = [d for d in store.snapshot_dates(span.last) if d >= span.first]
    if not days:
        raise SnapshotNotFound(f"no portfolio snapshot in {span.month}: its end of day ran without")
    return days


def _curves(read: Callable[[], CurveReport]) -> CurveReport | None:
    try:
        return read()
    except SnapshotNotFound:  # no month end with a snapshot yet: no curve to draw
        return None


def monthly_report(
    svc: MonitoringServices,
    month: str | None,
    today: date,
    alerts_opened: AlertsOpened | None = None,
) -> MonthlyReport:
    """The figures of `month` (`YYYY-MM`, default today's), read through the portfolio
    reports; `alerts_opened(first, last)` gives the alerts opened in the month."""
    span = month_span(month, today)
    days = _snapshot_days(svc, span)
    last = days[-1]
    return MonthlyReport(
        span=span,
        last=last,
        days=tuple(portfolio_report(svc, day, "all") for day in days),
        segments=portfolio_report(svc, last, SEGMENT_DIMENSIONS),
        vintage=_curves(lambda: vintage_report(svc, last)),
        rolls=_curves(lambda: roll_report(svc, last)),
        concentration=concentration_report(svc, last),
        alerts=tuple(alerts_opened(span.first, span.last)) if alerts_opened else (),
    )
