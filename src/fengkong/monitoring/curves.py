"""Vintage curves and roll (flow) rates, from the daily snapshots taken at month ends.

A **vintage** is the loans booked in one month (the snapshots' `vintage` segment). At each month
end on or after it, `months_on_book` is the number of whole months since the booking month (0 at
the end of the booking month itself), and its cumulative rates are

    M1+ = (principal outstanding of its loans past M1, DPD > 30, + principal written off so far)
          / principal originated in the vintage;
    M3+ the same past M3, DPD > 90,

so a loan that goes bad stays counted once written off. The thresholds are the snapshots' M1+
and M3+ (`monitoring.figures`).

A **roll rate** from bucket k to bucket k+1 at month end t is the balance in bucket k+1 at t over
the balance in bucket k at the month end before (M0→M1, M1→M2, M2→M3, M3→M3+). The snapshots
keep balances by bucket, not which loan moved where, so a ratio is a flow only in aggregate: the
M3+ balance at t also holds loans that were past M3 already, and that rate can exceed 1.

Only calendar month ends with a snapshot count; a month end without one leaves its points out
(and the rolls into the next month). Snapshots stored before originated principal and balances
by bucket were kept give None for what they lack: not available, never 0.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from itertools import pairwise

from fengkong.core.errors import FieldError
from fengkong.core.filters import among
from fengkong.core.money import Fen
from fengkong.monitoring.figures import BUCKETS, SegmentFigures, rate
from fengkong.monitoring.snapshots import (
    DatedRow,
    MonitoringServices,
    SnapshotNotFound,
    UnknownDimension,
    parse_day,
    report_day,
)

ROLLS: tuple[tuple[str, str], ...] = tuple(pairwise(BUCKETS))  # (from, to), M0→M1 … M3→M3+
ROLL_DIMENSIONS: tuple[str, ...] = ("all", "product", "channel", "region", "industry", "score_band")


def is_month_end(day: date) -> bool:
    return (day + timedelta(days=1)).day == 1


def _month_index(day: date) -> int:
    return day.year * 12 + day.month - 1


def months_on_book(vintage: str, month_end: date) -> int:
    """Whole months from the vintage's month (`YYYY-MM`) to `month_end`'s month."""
    year, month = (int(part) for part in vintage.split("-"))
    return _month_index(month_end) - (year * 12 + month - 1)


@dataclass(frozen=True, slots=True)
class VintagePoint:
    """One vintage at one month end: what it originated, what is bad, and the cumulative rates
    (None where the snapshot does not carry what they need, or nothing was originated)."""

    vintage: str
    months_on_book: int
    month_end: date
    originated_fen: Fen | None
    m1_plus_fen: Fen  # past M1 at the month end + written off so far
    m3_plus_fen: Fen  # past M3 at the month end + written off so far
    written_off_fen: Fen

    @property
    def m1_plus_rate(self) -> Decimal | None:
        return None if self.originated_fen is None else rate(self.m1_plus_fen, self.originated_fen)

    @property
    def m3_plus_rate(self) -> Decimal | None:
        return None if self.originated_fen is None else rate(self.m3_plus_fen, self.originated_fen)


def vintage_curves(rows: Iterable[DatedRow]) -> list[VintagePoint]:
    """The points of every vintage at every month end among `rows` (`vintage` segments; rows of
    other dates are left out), by vintage then months on book."""
    points = [
        VintagePoint(
            vintage=vintage,
            months_on_book=months_on_book(vintage, day),
            month_end=day,
            originated_fen=f.originated_fen,
            m1_plus_fen=Fen(f.m1_plus_fen + f.written_off_fen),
            m3_plus_fen=Fen(f.m3_plus_fen + f.written_off_fen),
            written_off_fen=f.written_off_fen,
        )
        for day, vintage, f in rows
        if is_month_end(day) and months_on_book(vintage, day) >= 0
    ]
    return sorted(points, key=lambda p: (p.vintage, p.months_on_book))


@dataclass(frozen=True, slots=True)
class RollPoint:
    """The roll from one bucket to the next into `month_end`, for one segment."""

    segment: str
    month_end: date
    from_bucket: str
    to_bucket: str
    from_fen: Fen | None  # in `from_bucket` at the month end before; None: not available
    to_fen: Fen | None  # in `to_bucket` at `month_end`

    @property
    def rate(self) -> Decimal | None:
        if self.from_fen is None or self.to_fen is None:
            return None
        return rate(self.to_fen, self.from_fen)


def roll_rates(rows: Iterable[DatedRow]) -> list[RollPoint]:
    """Per segment, the rolls into each month end whose previous month end is among `rows`
    (other dates are left out), by segment, month end and bucket."""
    by_segment: dict[str, dict[date, SegmentFigures]] = {}
    for day, segment, f in rows:
        if is_month_end(day):
            by_segment.setdefault(segment, {})[day] = f
    points: list[RollPoint] = []
    for segment in sorted(by_segment):
        ends = by_segment[segment]
        for day in sorted(ends):
            before = ends.get(day.replace(day=1) - timedelta(days=1))
            if before is None:
                continue
            now = ends[day]
            for low, high in ROLLS:
                points.append(
                    RollPoint(
                        segment=segment,
                        month_end=day,
                        from_bucket=low,
                        to_bucket=high,
                        from_fen=None if before.bucket_fen is None else before.bucket_fen[low],
                        to_fen=None if now.bucket_fen is None else now.bucket_fen[high],
                    )
                )
    return points


@dataclass(frozen=True, slots=True)
class CurveReport:
    """What a vintage or roll report read: up to which date, the month ends it found, and its
    points."""

    until: date
    month_ends: tuple[date, ...]
    vintages: tuple[VintagePoint, ...] = ()
    rolls: tuple[RollPoint, ...] = ()


def _month_end_rows(
    svc: MonitoringServices, on: str | date | None, dimension: str
) -> tuple[date, tuple[date, ...], list[DatedRow]]:
    day = parse_day(on, "date")
    with svc.uow() as uow:
        store = uow.portfolio
        until = report_day(store, day)
        ends = tuple(d for d in store.snapshot_dates(until) if is_month_end(d))
        if not ends:
            raise SnapshotNotFound(
                f"no month-end snapshot on or before {until.isoformat()}: the curves are read at "
                "month ends"
            )
        rows = store.dimension_rows(ends, dimension)
    return until, ends, rows


def vintage_report(svc: MonitoringServices, on: str | date | None = None) -> CurveReport:
    """Every vintage's curve over the month ends up to `on` (default: the last snapshot)."""
    until, ends, rows = _month_end_rows(svc, on, "vintage")
    return CurveReport(until, ends, vintages=tuple(vintage_curves(rows)))


def roll_dimension(by: str | None) -> str:
    """The dimension rolls are read by (default the whole book); `UnknownDimension` otherwise."""
    errors: list[FieldError] = []
    found = among(by, ROLL_DIMENSIONS, "by", errors)
    if errors or len(found) > 1:
        raise UnknownDimension(
            tuple(errors)
            or (FieldError(("by",), "one dimension at a time", allowed=ROLL_DIMENSIONS),)
        )
    return found[0] if found else "all"


def roll_report(
    svc: MonitoringServices, on: str | date | None = None, by: str | None = None
) -> CurveReport:
    """The roll rates into every month end up to `on` (default: the last snapshot), for the
    whole book or each segment of `by`."""
    dimension = roll_dimension(by)
    until, ends, rows = _month_end_rows(svc, on, dimension)
    return CurveReport(until, ends, rolls=tuple(roll_rates(rows)))
