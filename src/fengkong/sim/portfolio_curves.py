"""Curves drawn from a run's month-end loan snapshots (`RunStats.snapshots`): vintage curves by
booking cohort, roll rates between consecutive month ends, and the principal at or beyond a
number of days past due. Pure functions over `RunStats`; shares are plain floats (they are
ratios, not money).

States: an active loan is in its delinquency bucket (the platform's "M0" current, "M1" 1-30
days past due, "M2", "M3", "M3+" 91 and over; "C" … "M7+" read as well); a loan that is no
longer active is in its status ("settled", "written_off", …)."""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import pairwise

from fengkong.sim.stats import LoanSnapshot, MonthStats, RunStats

ACTIVE = "active"
SETTLED = "settled"
WRITTEN_OFF = "written_off"
DPD_30 = 30  # "30+": ever or now at 30 days past due or more
DPD_90 = 90  # "M3+": 90 days past due or more
BUCKET_DAYS = 30  # each bucket after the first spans 30 days: M1 1-30, M2 31-60, …

_BUCKET = re.compile(r"M(\d+)(\+)?")
_CLOSED_ORDER = (SETTLED, WRITTEN_OFF)

RollCounts = dict[str, Counter[str]]
RollRates = dict[str, dict[str, float]]


def month_number(month: str) -> int:
    """A month label ("2027-03") as a count that increases by one per calendar month."""
    year, mon = month.split("-")
    return int(year) * 12 + int(mon) - 1


def months_on_book(booked_month: str, month: str) -> int:
    """Months from the booking month to `month` (0 at the booking month's end)."""
    return month_number(month) - month_number(booked_month)


def bucket_key(state: str) -> tuple[int, int] | None:
    """A bucket's place: C and M0 first, then M1, M2, …, with "Mn+" just after "Mn"; None for a
    state that is no bucket (settled, written off, …)."""
    if state in ("C", "M0"):
        return (0, 0)
    found = _BUCKET.fullmatch(state)
    return (int(found[1]), int(bool(found[2]))) if found else None


def bucket_ladder(stats: RunStats) -> list[str]:
    """Every bucket the run's loans were in, from current to worst."""
    names = {loan.bucket for loans in stats.snapshots.values() for loan in loans}
    for month in stats.months:
        names.update(month.end_principal_by_bucket, month.end_loans_by_bucket)
    return sorted((n for n in names if bucket_key(n) is not None), key=state_order)


def bucket_floor(bucket: str, ladder: Sequence[str]) -> int | None:
    """The fewest days past due a loan in `bucket` can have, buckets after the first spanning
    30 days each: C/M0 → 0, M1 → 1, M2 → 31, …; "Mn+" starts where "Mn" ends when the ladder
    has an "Mn" (the platform's M3+ is 91 days or more), else where "Mn" would start (M7+)."""
    key = bucket_key(bucket)
    if key is None:
        return None
    rank, plus = key
    if rank == 0:
        return 0
    if plus and f"M{rank}" in ladder:
        rank += 1
    return BUCKET_DAYS * (rank - 1) + 1


def state_order(state: str) -> tuple[int, int, int, str]:
    """Sort key: buckets from current to worst, then settled, written off, any other status."""
    key = bucket_key(state)
    if key is not None:
        return (0, *key, state)
    if state in _CLOSED_ORDER:
        return (1, _CLOSED_ORDER.index(state), 0, state)
    return (2, 0, 0, state)


def state_of(loan: LoanSnapshot) -> str:
    """The bucket of an active loan, else its status."""
    return loan.bucket if loan.status == ACTIVE else loan.status


def snapshot_months(stats: RunStats) -> list[str]:
    return sorted(stats.snapshots)


# ---- vintage --------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Vintage:
    """A booking cohort: the principal it booked and, by months on book, the part of it ever bad."""

    booked_month: str
    amount: int  # fen
    bad_by_mob: tuple[tuple[int, int], ...]  # (months on book, fen ever bad by then)

    def curve(self) -> list[tuple[int, float]]:
        return [(mob, bad / self.amount) for mob, bad in self.bad_by_mob]


def _is_bad(loan: LoanSnapshot, min_dpd: int) -> bool:
    return loan.status == WRITTEN_OFF or loan.days_past_due >= min_dpd


def vintages(stats: RunStats, *, min_dpd: int = DPD_30) -> list[Vintage]:
    """Each cohort with a booked amount, oldest first. A loan is ever bad from the first month
    end at which it is `min_dpd` or more days past due, or written off; it stays bad after."""
    months = snapshot_months(stats)
    booked: dict[str, tuple[str, int]] = {}
    for month in months:
        for loan in stats.snapshots[month]:
            booked.setdefault(loan.loan_id, (loan.booked_month, loan.amount))
    cohort_amount: Counter[str] = Counter()
    for cohort, amount in booked.values():
        cohort_amount[cohort] += amount
    ever_bad: set[str] = set()
    bad_amount: Counter[str] = Counter()
    points: dict[str, list[tuple[int, int]]] = defaultdict(list)
    for month in months:
        for loan in stats.snapshots[month]:
            if loan.loan_id not in ever_bad and _is_bad(loan, min_dpd):
                ever_bad.add(loan.loan_id)
                cohort, amount = booked[loan.loan_id]
                bad_amount[cohort] += amount
        for cohort in cohort_amount:
            mob = months_on_book(cohort, month)
            if mob >= 0:
                points[cohort].append((mob, bad_amount[cohort]))
    return [
        Vintage(cohort, cohort_amount[cohort], tuple(points[cohort]))
        for cohort in sorted(cohort_amount)
        if cohort_amount[cohort] > 0
    ]


def vintage_curves(stats: RunStats, *, min_dpd: int = DPD_30) -> dict[str, list[tuple[int, float]]]:
    """By booking month: (months on book, share of the cohort's booked amount ever at `min_dpd`
    days past due or more, or written off, by then). Cumulative, so never decreasing."""
    return {v.booked_month: v.curve() for v in vintages(stats, min_dpd=min_dpd)}


def m3_vintage_curves(stats: RunStats) -> dict[str, list[tuple[int, float]]]:
    """Vintage curves of loans ever 90 days past due or more (M3+), or written off."""
    return vintage_curves(stats, min_dpd=DPD_90)


def pooled_vintage(stats: RunStats, *, min_dpd: int = DPD_30) -> list[tuple[int, float]]:
    """All cohorts together: at each months on book, the ever-bad amount of the cohorts that have
    reached it over their booked amount (one curve to set beside another run's)."""
    bad: Counter[int] = Counter()
    amount: Counter[int] = Counter()
    for vintage in vintages(stats, min_dpd=min_dpd):
        for mob, bad_fen in vintage.bad_by_mob:
            bad[mob] += bad_fen
            amount[mob] += vintage.amount
    return [(mob, bad[mob] / amount[mob]) for mob in sorted(amount)]


# ---- roll rates -----------------------------------------------------------------------------


def roll_counts(stats: RunStats, month_from: str, month_to: str) -> RollCounts:
    """Loans active at `month_from`'s end and present at `month_to`'s: counts from each bucket
    to each state."""
    before = {loan.loan_id: loan for loan in stats.snapshots.get(month_from, [])}
    counts: RollCounts = defaultdict(Counter)
    for loan in stats.snapshots.get(month_to, []):
        prior = before.get(loan.loan_id)
        if prior is not None and prior.status == ACTIVE:
            counts[prior.bucket][state_of(loan)] += 1
    return counts


def _as_rates(counts: RollCounts) -> RollRates:
    rates: RollRates = {}
    for source in sorted(counts, key=state_order):
        row = counts[source]
        total = sum(row.values())
        if total:
            rates[source] = {t: row[t] / total for t in sorted(row, key=state_order)}
    return rates


def roll_rates(stats: RunStats, month_from: str, month_to: str) -> RollRates:
    """From each bucket at `month_from`'s end, the share (by count) of its loans in each state at
    `month_to`'s end; each row sums to 1. Settled and written-off loans are states of their own."""
    return _as_rates(roll_counts(stats, month_from, month_to))


def consecutive_months(stats: RunStats) -> list[tuple[str, str]]:
    """Pairs of snapshot months one calendar month apart."""
    return [
        (a, b)
        for a, b in pairwise(snapshot_months(stats))
        if month_number(b) - month_number(a) == 1
    ]


def average_roll_rates(stats: RunStats) -> RollRates:
    """Roll rates over every consecutive pair of month ends, counts pooled (so a month with many
    loans weighs more than a month with few)."""
    pooled: RollCounts = defaultdict(Counter)
    for month_from, month_to in consecutive_months(stats):
        for source, row in roll_counts(stats, month_from, month_to).items():
            pooled[source].update(row)
    return _as_rates(pooled)


def forward_roll(rates: RollRates, source: str, ladder: Sequence[str]) -> float | None:
    """The share of `source`'s loans that moved on to the next bucket of `ladder`; None when
    `source` had no loans or is the last bucket."""
    row = rates.get(source)
    if row is None or source not in ladder or source == ladder[-1]:
        return None
    return row.get(ladder[ladder.index(source) + 1], 0.0)


def forward_rolls_by_month(stats: RunStats, first: int = 3) -> dict[str, list[tuple[str, float]]]:
    """For the run's first `first` buckets (C→M1, M1→M2, M2→M3): (month rolled into, forward
    roll rate) for each consecutive month pair where the source bucket had loans."""
    ladder = bucket_ladder(stats)
    pairs = [(ladder[i], ladder[i + 1]) for i in range(min(first, len(ladder) - 1))]
    curves: dict[str, list[tuple[str, float]]] = {f"{a}→{b}": [] for a, b in pairs}
    for month_from, month_to in consecutive_months(stats):
        rates = roll_rates(stats, month_from, month_to)
        for source, target in pairs:
            share = forward_roll(rates, source, ladder)
            if share is not None:
                curves[f"{source}→{target}"].append((month_to, share))
    return curves


# ---- the book at a month's end ---------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class BookAtEnd:
    """Active principal at a month's end, in all and at or beyond 1, 30 and 90 days past due."""

    principal: int
    past_due: int  # 1+ days (M1+)
    dpd_30: int
    dpd_90: int  # M3+


def book_at_end(stats: RunStats, month: MonthStats) -> BookAtEnd:
    """From the month's snapshot where there is one; otherwise from its principal by bucket,
    where a bucket counts when its fewest days past due reach the threshold (`bucket_floor`: so
    30+ is M2 and after, 31 days or more)."""
    loans = stats.snapshots.get(month.month)
    if loans is not None:
        active = [loan for loan in loans if loan.status == ACTIVE]

        def at(days: int) -> int:
            return sum(x.principal_outstanding for x in active if x.days_past_due >= days)

        return BookAtEnd(
            sum(x.principal_outstanding for x in active), at(1), at(DPD_30), at(DPD_90)
        )

    ladder = bucket_ladder(stats)

    def in_buckets(days: int) -> int:
        return sum(
            fen
            for bucket, fen in month.end_principal_by_bucket.items()
            if (floor := bucket_floor(bucket, ladder)) is not None and floor >= days
        )

    return BookAtEnd(
        month.end_principal_outstanding, in_buckets(1), in_buckets(DPD_30), in_buckets(DPD_90)
    )


__all__ = [
    "DPD_30",
    "DPD_90",
    "BookAtEnd",
    "Vintage",
    "average_roll_rates",
    "book_at_end",
    "bucket_floor",
    "bucket_key",
    "bucket_ladder",
    "consecutive_months",
    "forward_roll",
    "forward_rolls_by_month",
    "m3_vintage_curves",
    "months_on_book",
    "pooled_vintage",
    "roll_counts",
    "roll_rates",
    "state_of",
    "state_order",
    "vintage_curves",
    "vintages",
]
