"""A portfolio snapshot's figures (`SegmentFigures`) for every segment of every dimension, from
the loans' facts: `snapshot(facts, on, lgd)`, pure, one pass over the loans.

Which loans count where:
- Balance figures (outstanding, overdue, M1+, M3+, the five-tier mix, expected loss, allowance
  and reserve) count active loans only; settled, cancelled and not yet disbursed loans carry no
  balance, and written-off loans are off the books.
- Overdue: days past due ≥ 1. M1+: past the M1 bucket, DPD > 30 (the "30+" figure). M3+: past
  M3, DPD > 90 (the "90+" figure). Their rates are by balance (of the outstanding principal);
  the overdue rate is also given by count (of the active loans).
- Written off: every loan written off by the date (cumulative), with the principal written off;
  write-off rate = written off / (outstanding + written off), by principal.
- Expected loss = PD × LGD × EAD, with EAD the principal outstanding, PD the loan's decision's
  and LGD the deployment's (`monitoring_lgd`, 0.45 by default: the Basel foundation-IRB figure
  for senior unsecured claims, and this book's loans are unsecured consumer credit), rounded
  half-up to the fen per loan (so segments add up to their total). Loans whose decision has no
  PD are counted apart (`no_pd_loans`, `no_pd_fen`) and add nothing to it.
- Coverage = (allowance + general reserve) / expected loss; `allowance_coverage` the allowance
  alone. A rate whose denominator is 0 is None.
- Originated: every loan paid out (active, settled or written off) by the date, and its
  principal (the amount lent): a vintage's denominator (`monitoring.curves`).
- Balance by DPD bucket (`bucket_fen`, M0 to M3+) of the active loans: the roll rates'.
- Borrowers: how many customers have an active loan; the largest of them by principal
  outstanding (`TOP_KEPT`) are kept beside the segments (`PortfolioSnapshot.borrowers`).
  Snapshots stored before these figures existed lack them: they read as None, not available.

Money is integer fen; rates are `Decimal`, six places, half-up.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from fengkong.core.money import Fen, to_fen
from fengkong.lending.delinquency import DEFAULT_BUCKETS, LoanClass
from fengkong.monitoring.facts import LoanFacts

DIMENSIONS: tuple[str, ...] = (
    "all",
    "product",
    "channel",
    "region",
    "industry",
    "vintage",
    "score_band",
)
DEFAULT_LGD = Decimal("0.45")
OVERDUE_DPD = 1
M1_PLUS_DPD = 31  # past M1 (1-30 days)
M3_PLUS_DPD = 91  # past M3 (61-90 days)
CLASSES: tuple[str, ...] = tuple(c.value for c in LoanClass)
BUCKETS: tuple[str, ...] = tuple(t.name for t in DEFAULT_BUCKETS)
TOP_KEPT = 20  # borrowers kept per snapshot, the largest first
_RATE_PLACES = Decimal("0.000001")
_ACTIVE = "active"
_WRITTEN_OFF = "written_off"
_ORIGINATED = (_ACTIVE, "settled", _WRITTEN_OFF)  # paid out: what a vintage originated


def rate(numerator: int, denominator: int) -> Decimal | None:
    """numerator / denominator to six places, half-up; None for a zero denominator."""
    if denominator == 0:
        return None
    return (Decimal(numerator) / Decimal(denominator)).quantize(_RATE_PLACES, ROUND_HALF_UP)


def expected_loss(facts: LoanFacts, lgd: Decimal) -> Fen:
    """PD × LGD × EAD of one active loan, to the fen (half-up); 0 without a PD."""
    if facts.pd is None:
        return Fen(0)
    return to_fen(facts.pd * lgd * facts.principal_outstanding, ROUND_HALF_UP)


@dataclass(frozen=True, slots=True)
class ClassMix:
    """Active loans of one five-tier class: how many, and their principal outstanding."""

    loans: int
    fen: Fen


@dataclass(frozen=True, slots=True)
class SegmentFigures:
    """The figures of one segment on one business date (see the module's docstring)."""

    active_loans: int
    outstanding_fen: Fen
    overdue_loans: int
    overdue_fen: Fen
    m1_plus_fen: Fen
    m3_plus_fen: Fen
    written_off_loans: int
    written_off_fen: Fen
    classes: Mapping[str, ClassMix]
    expected_loss_fen: Fen
    no_pd_loans: int
    no_pd_fen: Fen
    allowance_fen: Fen
    reserve_fen: Fen
    # Added after the first snapshots were stored: None when read from one of those.
    originated_loans: int | None = None
    originated_fen: Fen | None = None
    bucket_fen: Mapping[str, Fen] | None = None
    borrowers: int | None = None

    @property
    def overdue_rate_count(self) -> Decimal | None:
        return rate(self.overdue_loans, self.active_loans)

    @property
    def overdue_rate_balance(self) -> Decimal | None:
        return rate(self.overdue_fen, self.outstanding_fen)

    @property
    def m1_plus_rate(self) -> Decimal | None:
        return rate(self.m1_plus_fen, self.outstanding_fen)

    @property
    def m3_plus_rate(self) -> Decimal | None:
        return rate(self.m3_plus_fen, self.outstanding_fen)

    @property
    def write_off_rate(self) -> Decimal | None:
        return rate(self.written_off_fen, self.outstanding_fen + self.written_off_fen)

    @property
    def coverage(self) -> Decimal | None:
        return rate(self.allowance_fen + self.reserve_fen, self.expected_loss_fen)

    @property
    def allowance_coverage(self) -> Decimal | None:
        return rate(self.allowance_fen, self.expected_loss_fen)

    def as_dict(self) -> dict[str, Any]:
        """The figures as stored (counts and fen; rates are derived when read)."""
        return {
            "active_loans": self.active_loans,
            "outstanding_fen": int(self.outstanding_fen),
            "overdue_loans": self.overdue_loans,
            "overdue_fen": int(self.overdue_fen),
            "m1_plus_fen": int(self.m1_plus_fen),
            "m3_plus_fen": int(self.m3_plus_fen),
            "written_off_loans": self.written_off_loans,
            "written_off_fen": int(self.written_off_fen),
            "classes": {
                name: {"loans": mix.loans, "fen": int(mix.fen)}
                for name, mix in self.classes.items()
            },
            "expected_loss_fen": int(self.expected_loss_fen),
            "no_pd_loans": self.no_pd_loans,
            "no_pd_fen": int(self.no_pd_fen),
            "allowance_fen": int(self.allowance_fen),
            "reserve_fen": int(self.reserve_fen),
            **_present(
                originated_loans=self.originated_loans,
                originated_fen=self.originated_fen,
                bucket_fen=None
                if self.bucket_fen is None
                else {name: int(fen) for name, fen in self.bucket_fen.items()},
                borrowers=self.borrowers,
            ),
        }

    @classmethod
    def from_dict(cls, doc: Mapping[str, Any]) -> SegmentFigures:
        classes = doc["classes"]
        return cls(
            active_loans=int(doc["active_loans"]),
            outstanding_fen=Fen(int(doc["outstanding_fen"])),
            overdue_loans=int(doc["overdue_loans"]),
            overdue_fen=Fen(int(doc["overdue_fen"])),
            m1_plus_fen=Fen(int(doc["m1_plus_fen"])),
            m3_plus_fen=Fen(int(doc["m3_plus_fen"])),
            written_off_loans=int(doc["written_off_loans"]),
            written_off_fen=Fen(int(doc["written_off_fen"])),
            classes={
                name: ClassMix(int(classes[name]["loans"]), Fen(int(classes[name]["fen"])))
                for name in CLASSES
            },
            expected_loss_fen=Fen(int(doc["expected_loss_fen"])),
            no_pd_loans=int(doc["no_pd_loans"]),
            no_pd_fen=Fen(int(doc["no_pd_fen"])),
            allowance_fen=Fen(int(doc["allowance_fen"])),
            reserve_fen=Fen(int(doc["reserve_fen"])),
            originated_loans=_int(doc.get("originated_loans")),
            originated_fen=_fen(doc.get("originated_fen")),
            bucket_fen=None
            if doc.get("bucket_fen") is None
            else {name: Fen(int(doc["bucket_fen"].get(name, 0))) for name in BUCKETS},
            borrowers=_int(doc.get("borrowers")),
        )

    def rates(self) -> dict[str, Decimal | None]:
        return {
            "overdue_rate_count": self.overdue_rate_count,
            "overdue_rate_balance": self.overdue_rate_balance,
            "m1_plus_rate": self.m1_plus_rate,
            "m3_plus_rate": self.m3_plus_rate,
            "write_off_rate": self.write_off_rate,
            "coverage": self.coverage,
            "allowance_coverage": self.allowance_coverage,
        }


def _present(**values: Any) -> dict[str, Any]:
    return {name: value for name, value in values.items() if value is not None}


def _int(value: Any) -> int | None:
    return None if value is None else int(value)


def _fen(value: Any) -> Fen | None:
    return None if value is None else Fen(int(value))


@dataclass(frozen=True, slots=True)
class Exposure:
    """One borrower's active loans on a date: the customer id, how many, their principal."""

    customer: str
    loans: int
    outstanding_fen: Fen


# The sums a segment keeps, by position in its tally (`_Tally.sums`).
_SUMS: tuple[str, ...] = (
    "originated_loans",
    "originated_fen",
    "written_off_loans",
    "written_off_fen",
    "active_loans",
    "outstanding_fen",
    "overdue_loans",
    "overdue_fen",
    "m1_plus_fen",
    "m3_plus_fen",
    "no_pd_loans",
    "no_pd_fen",
    "expected_loss_fen",
    "allowance_fen",
    "reserve_fen",
)
_AT = {name: k for k, name in enumerate(_SUMS)}


@dataclass(frozen=True, slots=True)
class _Share:
    """What one loan adds to every segment it falls in: computed once per loan, then added to
    each of its segments (a loan is in one segment of every dimension)."""

    sums: tuple[tuple[int, int], ...]  # (position in `_SUMS`, amount)
    active: bool
    balance: int
    bucket: str
    loan_class: str
    customer: str | None


def _share(f: LoanFacts, lgd: Decimal) -> _Share:
    sums: list[tuple[int, int]] = []
    if f.stage in _ORIGINATED:
        sums += ((_AT["originated_loans"], 1), (_AT["originated_fen"], f.amount))
    active = f.stage == _ACTIVE
    if f.stage == _WRITTEN_OFF:
        sums += ((_AT["written_off_loans"], 1), (_AT["written_off_fen"], f.written_off))
    balance = f.principal_outstanding if active else 0
    if active:
        sums += ((_AT["active_loans"], 1), (_AT["outstanding_fen"], balance))
        if f.days_past_due >= OVERDUE_DPD:
            sums += ((_AT["overdue_loans"], 1), (_AT["overdue_fen"], balance))
        if f.days_past_due >= M1_PLUS_DPD:
            sums.append((_AT["m1_plus_fen"], balance))
        if f.days_past_due >= M3_PLUS_DPD:
            sums.append((_AT["m3_plus_fen"], balance))
        if f.pd is None:
            sums += ((_AT["no_pd_loans"], 1), (_AT["no_pd_fen"], balance))
        else:
            sums.append((_AT["expected_loss_fen"], expected_loss(f, lgd)))
        sums += ((_AT["allowance_fen"], f.allowance), (_AT["reserve_fen"], f.reserve))
    return _Share(tuple(sums), active, balance, f.bucket, f.loan_class, f.customer)


@dataclass(slots=True)
class _Tally:
    """A segment's running sums while the loans go by."""

    sums: list[int] = field(default_factory=lambda: [0] * len(_SUMS))
    classes: dict[str, list[int]] = field(default_factory=lambda: {c: [0, 0] for c in CLASSES})
    buckets: dict[str, int] = field(default_factory=lambda: dict.fromkeys(BUCKETS, 0))
    customers: set[str] = field(default_factory=set)

    def take(self, share: _Share) -> None:
        sums = self.sums
        for at, amount in share.sums:
            sums[at] += amount
        if not share.active:
            return
        self.buckets[share.bucket] = self.buckets.get(share.bucket, 0) + share.balance
        if share.customer is not None:
            self.customers.add(share.customer)
        mix = self.classes.setdefault(share.loan_class, [0, 0])
        mix[0] += 1
        mix[1] += share.balance

    def figures(self) -> SegmentFigures:
        c = dict(zip(_SUMS, self.sums, strict=True))
        return SegmentFigures(
            active_loans=c["active_loans"],
            outstanding_fen=Fen(c["outstanding_fen"]),
            overdue_loans=c["overdue_loans"],
            overdue_fen=Fen(c["overdue_fen"]),
            m1_plus_fen=Fen(c["m1_plus_fen"]),
            m3_plus_fen=Fen(c["m3_plus_fen"]),
            written_off_loans=c["written_off_loans"],
            written_off_fen=Fen(c["written_off_fen"]),
            classes={name: ClassMix(n, Fen(fen)) for name, (n, fen) in self.classes.items()},
            expected_loss_fen=Fen(c["expected_loss_fen"]),
            no_pd_loans=c["no_pd_loans"],
            no_pd_fen=Fen(c["no_pd_fen"]),
            allowance_fen=Fen(c["allowance_fen"]),
            reserve_fen=Fen(c["reserve_fen"]),
            originated_loans=c["originated_loans"],
            originated_fen=Fen(c["originated_fen"]),
            bucket_fen={name: Fen(fen) for name, fen in self.buckets.items()},
            borrowers=len(self.customers),
        )


@dataclass(frozen=True, slots=True)
class PortfolioSnapshot:
    """The figures of every segment of every dimension on `business_date`, and how many loans
    were read. `segments[dimension][segment]`; dimension `all` has the one segment `all`."""

    business_date: date
    lgd: Decimal
    loans: int
    segments: Mapping[str, Mapping[str, SegmentFigures]]
    borrowers: tuple[Exposure, ...] = ()  # the `TOP_KEPT` largest, largest first

    def rows(self) -> list[tuple[str, str, SegmentFigures]]:
        """(dimension, segment, figures), dimensions in `DIMENSIONS` order, segments sorted."""
        return [
            (dimension, segment, self.segments[dimension][segment])
            for dimension in DIMENSIONS
            for segment in sorted(self.segments.get(dimension, {}))
        ]


def snapshot(facts: Iterable[LoanFacts], on: date, lgd: Decimal = DEFAULT_LGD) -> PortfolioSnapshot:
    """Aggregate the loans' facts of `on` by every dimension, in one pass. Dimension `all` always
    has its segment, even for an empty book; other segments exist where a loan falls."""
    if not Decimal(0) < lgd <= Decimal(1):
        raise ValueError(f"LGD must be in (0, 1]: {lgd}")
    tallies: dict[str, dict[str, _Tally]] = {d: {} for d in DIMENSIONS}
    tallies["all"]["all"] = _Tally()
    read = 0
    exposures: dict[str, list[int]] = {}
    for f in facts:
        read += 1
        if f.stage == _ACTIVE and f.customer is not None:
            held = exposures.setdefault(f.customer, [0, 0])
            held[0] += 1
            held[1] += f.principal_outstanding
        share = _share(f, lgd)
        for dimension in DIMENSIONS:
            segment = f.segment(dimension)
            tally = tallies[dimension].get(segment)
            if tally is None:
                tally = tallies[dimension][segment] = _Tally()
            tally.take(share)
    segments = {
        dimension: {segment: t.figures() for segment, t in by_segment.items()}
        for dimension, by_segment in tallies.items()
    }
    return PortfolioSnapshot(on, lgd, read, segments, largest(exposures))


def largest(exposures: Mapping[str, list[int]], kept: int = TOP_KEPT) -> tuple[Exposure, ...]:
    """The `kept` borrowers with the most principal outstanding, ties by customer id."""
    ranked = sorted(exposures.items(), key=lambda item: (-item[1][1], item[0]))
    return tuple(Exposure(c, n, Fen(fen)) for c, (n, fen) in ranked[:kept])
