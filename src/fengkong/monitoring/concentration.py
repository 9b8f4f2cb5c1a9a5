"""Concentration of the book on a date, from its snapshot: the largest borrowers and their share,
and by region, product, channel and industry the Herfindahl–Hirschman index and each segment's
share, against the configured limits.

- Shares are of the principal outstanding of the active loans (the `all` segment's).
- Top N: the N borrowers (customers: holders of one resident ID, `onboarding.party`) with the
  most principal outstanding; the snapshot keeps the `figures.TOP_KEPT` largest, so N runs from 1
  to that. Borrowers go out as their customer id and masks, never in clear.
- HHI = Σ shareᵢ² over a dimension's segments, between 1/segments (even) and 1 (one segment
  holds everything); `unknown` (a channel, region or industry not kept) counts as one segment.
- Limits: the setting `monitoring_concentration_limits`, per dimension the largest share one
  segment may hold (`{"region": "0.35"}`); a segment holding more is a breach.

Rates are decimals to six places, half-up; None when nothing is outstanding.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from fengkong.core.errors import FieldError, Invalid
from fengkong.core.filters import among
from fengkong.core.money import Fen
from fengkong.monitoring.figures import TOP_KEPT, Exposure, SegmentFigures, rate
from fengkong.monitoring.snapshots import (
    MonitoringServices,
    SnapshotNotFound,
    UnknownDimension,
    parse_day,
    report_day,
)
from fengkong.onboarding.party import MaskedParty, masked_party

CONCENTRATION_DIMENSIONS: tuple[str, ...] = ("region", "product", "channel", "industry")
DEFAULT_TOP = 10
_PLACES = Decimal("0.000001")


def concentration_limits(limits: Mapping[str, Any] | None) -> dict[str, Decimal]:
    """The limits as configured, checked: dimensions among `CONCENTRATION_DIMENSIONS`, each a
    share in (0, 1]. `Invalid` names every bad entry."""
    errors: list[FieldError] = []
    checked: dict[str, Decimal] = {}
    for dimension, value in (limits or {}).items():
        loc = ("monitoring_concentration_limits", dimension)
        if dimension not in CONCENTRATION_DIMENSIONS:
            errors.append(
                FieldError(loc, "not a dimension with limits", allowed=CONCENTRATION_DIMENSIONS)
            )
            continue
        try:
            share = Decimal(str(value))
        except ArithmeticError:
            share = Decimal("NaN")
        if not (share.is_finite() and Decimal(0) < share <= Decimal(1)):
            errors.append(FieldError(loc, f"a share in (0, 1] is required: {value!r}"))
            continue
        checked[dimension] = share
    if errors:
        raise Invalid(tuple(errors))
    return checked


def hhi(balances: Iterable[int]) -> Decimal | None:
    """Σ shareᵢ² of the balances, to six places; None when they sum to 0."""
    amounts = [Decimal(b) for b in balances]
    total = sum(amounts, Decimal(0))
    if total == 0:
        return None
    return sum(((b / total) ** 2 for b in amounts), Decimal(0)).quantize(_PLACES, ROUND_HALF_UP)


@dataclass(frozen=True, slots=True)
class SegmentShare:
    segment: str
    outstanding_fen: Fen
    share: Decimal | None
    breached: bool  # holds more than the dimension's limit


@dataclass(frozen=True, slots=True)
class DimensionConcentration:
    dimension: str
    hhi: Decimal | None
    limit: Decimal | None  # None: no limit configured
    segments: tuple[SegmentShare, ...]  # largest first

    @property
    def breaches(self) -> tuple[SegmentShare, ...]:
        return tuple(s for s in self.segments if s.breached)


def dimension_concentration(
    dimension: str, segments: Mapping[str, SegmentFigures], limit: Decimal | None
) -> DimensionConcentration:
    """The HHI and shares of one dimension's segments, each checked against `limit`."""
    total = sum(f.outstanding_fen for f in segments.values())
    shares = [
        SegmentShare(
            segment=name,
            outstanding_fen=f.outstanding_fen,
            share=(share := rate(f.outstanding_fen, total)),
            breached=limit is not None and share is not None and share > limit,
        )
        for name, f in segments.items()
    ]
    shares.sort(key=lambda s: (-s.outstanding_fen, s.segment))
    return DimensionConcentration(
        dimension, hhi(f.outstanding_fen for f in segments.values()), limit, tuple(shares)
    )


@dataclass(frozen=True, slots=True)
class TopBorrower:
    rank: int
    customer: str
    masked: MaskedParty | None  # None without the vault, or the customer's party not found
    loans: int
    outstanding_fen: Fen
    share: Decimal | None


@dataclass(frozen=True, slots=True)
class ConcentrationReport:
    business_date: date
    outstanding_fen: Fen
    borrowers: int | None  # customers with an active loan; None: the snapshot predates it
    top: tuple[TopBorrower, ...]
    top_n: int
    top_fen: Fen
    top_share: Decimal | None  # None when not available (snapshot predates it, nothing owed)
    dimensions: tuple[DimensionConcentration, ...]

    @property
    def breaches(self) -> tuple[tuple[str, SegmentShare], ...]:
        return tuple((d.dimension, s) for d in self.dimensions for s in d.breaches)


def top_count(top: int | str | None) -> int:
    """How many borrowers to list: 1 to `TOP_KEPT`, `DEFAULT_TOP` when not given."""
    if top is None:
        return DEFAULT_TOP
    try:
        n = int(top)
    except ValueError:
        n = 0
    if not 1 <= n <= TOP_KEPT:
        raise Invalid(
            (FieldError(("top",), f"a number from 1 to {TOP_KEPT} is required: {top!r}"),)
        )
    return n


def concentration_dimensions(by: Iterable[str] | str | None) -> tuple[str, ...]:
    errors: list[FieldError] = []
    found = among(by, CONCENTRATION_DIMENSIONS, "by", errors)
    if errors:
        raise UnknownDimension(tuple(errors))
    return found or CONCENTRATION_DIMENSIONS


def _top(
    exposures: list[Exposure], outstanding: Fen, parties: Mapping[str, MaskedParty]
) -> tuple[TopBorrower, ...]:
    return tuple(
        TopBorrower(
            rank=k,
            customer=e.customer,
            masked=parties.get(e.customer),
            loans=e.loans,
            outstanding_fen=e.outstanding_fen,
            share=rate(e.outstanding_fen, outstanding),
        )
        for k, e in enumerate(exposures, start=1)
    )


def concentration_report(
    svc: MonitoringServices,
    on: str | date | None = None,
    by: Iterable[str] | str | None = None,
    top: int | str | None = None,
) -> ConcentrationReport:
    """The concentration on `on` (default: the last snapshot) by the dimensions `by` (default
    region, product, channel and industry), with the `top` largest borrowers (default 10)."""
    day = parse_day(on, "date")
    dimensions = concentration_dimensions(by)
    n = top_count(top)
    limits = concentration_limits(svc.concentration_limits)
    with svc.uow() as uow:
        store = uow.portfolio
        day = report_day(store, day)
        if store.snapshot_book(day) is None:
            raise SnapshotNotFound(
                f"no portfolio snapshot of {day.isoformat()}: its end of day ran without one"
            )
        rows = store.dimension_rows((day,), "all")
        whole = rows[0][2] if rows else None
        by_dimension = {
            d: {s: f for _, s, f in store.dimension_rows((day,), d)} for d in dimensions
        }
        exposures = store.top_borrowers(day, n)
        tokens = store.party_tokens([e.customer for e in exposures]) if svc.vault else {}
    vault = svc.vault
    parties = {} if vault is None else {c: masked_party(t, vault) for c, t in tokens.items()}
    outstanding = Fen(0) if whole is None else whole.outstanding_fen
    borrowers = None if whole is None else whole.borrowers
    top_fen = Fen(sum(e.outstanding_fen for e in exposures))
    return ConcentrationReport(
        business_date=day,
        outstanding_fen=outstanding,
        borrowers=borrowers,
        top=_top(exposures, outstanding, parties),
        top_n=n,
        top_fen=top_fen,
        # A snapshot without the borrower count predates the borrowers kept beside it.
        top_share=None if borrowers is None else rate(top_fen, outstanding),
        dimensions=tuple(
            dimension_concentration(d, by_dimension[d], limits.get(d)) for d in dimensions
        ),
    )
