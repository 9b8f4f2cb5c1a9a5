"""Concentration limits at decision time: the share of the book the application's industry and
region would hold with this loan, against the limits monitoring reports against.

The book is the latest daily portfolio snapshot (`monitoring.snapshots`, written by end of day):
each segment's principal outstanding by industry and by region. It is read once per snapshot
date and kept (`ConcentrationCache`): a decision asks only whether a newer snapshot has been
taken, and at most once per `recheck`. The read happens only for a policy that names a
`concentration.*` fact (`needs_concentration`): the consumer path never pays for it.

Facts (declared in `decision.catalogue`):

- `concentration.industry_share`, `concentration.region_share`: the segment's share of the
  principal outstanding after adding this loan's amount, (segment + amount) ÷ (book + amount),
  to six places;
- `concentration.industry_over_limit`, `concentration.region_over_limit`: that share is above
  the dimension's limit (`monitoring_concentration_limits`, keyed by dimension: `{"industry":
  "0.30", "region": "0.35"}`); false when the dimension has no limit;
- `concentration.snapshot_date`: the snapshot's business date.

Without a snapshot yet, none of them is present: the policy says so (business-v1 refers).

Monitoring sits above decision: this module declares the port (`BookSegments`) and `db/`
implements it over the snapshot tables.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Protocol

from fengkong.core.clock import Clock
from fengkong.core.money import Fen

CONCENTRATION_PREFIX = "concentration."
LIMITED_DIMENSIONS: tuple[str, ...] = ("industry", "region")
UNKNOWN_SEGMENT = "unknown"  # as the snapshot names an application stored without one
DEFAULT_RECHECK = timedelta(seconds=60)
_PLACES = Decimal("0.000001")


@dataclass(frozen=True, slots=True)
class BookSegments:
    """A snapshot's principal outstanding: the whole book's and, by dimension, each segment's."""

    business_date: date
    outstanding_fen: Fen
    segments: Mapping[str, Mapping[str, Fen]]  # dimension → segment → outstanding


class SnapshotSegments(Protocol):
    """The daily snapshots as a decision reads them (implemented in `db/`)."""

    def latest_snapshot_date(self) -> date | None:
        """The business date of the latest snapshot; None before the first."""
        ...

    def segments_on(self, day: date, dimensions: Iterable[str]) -> BookSegments:
        """The book of `day`'s snapshot by `dimensions`."""
        ...


class ConcentrationCache:
    """The latest snapshot's segments, read once per snapshot date; whether a newer one exists is
    asked at most once per `recheck` (end of day writes one a day)."""

    def __init__(
        self,
        source: SnapshotSegments,
        clock: Clock,
        limits: Mapping[str, Decimal] | None = None,
        *,
        recheck: timedelta = DEFAULT_RECHECK,
    ) -> None:
        self.source = source
        self.clock = clock
        self.limits: Mapping[str, Decimal] = dict(limits or {})
        self.recheck = recheck
        self._book: BookSegments | None = None
        self._checked_at: datetime | None = None
        self._lock = threading.Lock()
        self.reads = 0  # snapshot reads so far (a test counts them)

    def current(self) -> BookSegments | None:
        now = self.clock.now()
        with self._lock:
            if self._checked_at is not None and now - self._checked_at < self.recheck:
                return self._book
            latest = self.source.latest_snapshot_date()
            self._checked_at = now
            if latest is None:
                self._book = None
            elif self._book is None or self._book.business_date != latest:
                self._book = self.source.segments_on(latest, LIMITED_DIMENSIONS)
                self.reads += 1
            return self._book


def needs_concentration(facts_needed: Iterable[str]) -> bool:
    """Whether a policy reading these facts reads any `concentration.*` one."""
    return any(name.startswith(CONCENTRATION_PREFIX) for name in facts_needed)


def share_after(segment: int, book: int, amount: int) -> Decimal:
    """The segment's share of the book once `amount` is added to both, to six places."""
    total = book + amount
    if total <= 0:
        return Decimal(0)
    return (Decimal(segment + amount) / Decimal(total)).quantize(_PLACES, ROUND_HALF_UP)


def concentration_facts(
    book: BookSegments,
    *,
    industry: str | None,
    region: str | None,
    amount: Fen,
    limits: Mapping[str, Decimal],
) -> dict[str, object]:
    """The facts of an application of `amount` in `industry` and `region` against `book`."""
    facts: dict[str, object] = {
        "concentration.snapshot_date": book.business_date.isoformat(),
    }
    for dimension, segment in (("industry", industry), ("region", region)):
        held = book.segments.get(dimension, {}).get(segment or UNKNOWN_SEGMENT, Fen(0))
        share = share_after(int(held), int(book.outstanding_fen), int(amount))
        limit = limits.get(dimension)
        facts[f"concentration.{dimension}_share"] = share
        facts[f"concentration.{dimension}_over_limit"] = limit is not None and share > limit
    return facts
