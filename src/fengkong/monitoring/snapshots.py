"""Daily portfolio snapshots: written by end of day, read by `fengkong report portfolio` and
`GET /v1/reports/portfolio`, rebuilt by `fengkong report rebuild`.

End of day's last servicing job (`snapshot_step`) reads every loan booked by the date, active,
settled or written off, as that date's end of day left it (`PortfolioBook.loan_facts`), aggregates them
(`figures.snapshot`) and replaces the date's rows in one transaction: a rerun of the date after
a crash writes the same rows again. Beside the rows it stores the *mark* of the book it read:
the number of loans and the sum of their revisions, which every write to a loan moves (a
repayment, a write-off, a new booking, the next end of day's accrual).

Rebuilding (`rebuild`). The loans table keeps each loan's current state only, but the books
remember the past: each repayment, restructuring and reversal a state keeps carries the
positions it replaced, and the journal is append-only and dated. So a rebuild recomputes any completed date
from the books as they were at its end (`monitoring.as_of.facts_as_of`: the stage by the
state's close date, days past due, bucket and class by end of day's own rule on the positions
as of the date, principal and allowance from the loan's journal balances, reserve by its rate),
aggregates them with the same `figures.snapshot` and replaces the date's rows: the figures end
of day wrote (tested over a book's whole life), or, under a changed rule or LGD, the corrected
ones; a date without a snapshot (end of day ran without the step) is written fresh. What a
state stored before it kept them does not remember is `facts_as_of`'s limit.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Protocol

from fengkong.audit.port import AuditAppender
from fengkong.core.clock import Clock
from fengkong.core.errors import Conflict, FieldError, Invalid, NotFound
from fengkong.core.filters import among
from fengkong.core.uow import UnitOfWork
from fengkong.lending.config import LendingConfig
from fengkong.monitoring.as_of import LoanHistory, facts_as_of
from fengkong.monitoring.facts import LoanFacts
from fengkong.monitoring.figures import (
    DEFAULT_LGD,
    DIMENSIONS,
    TOP_KEPT,
    Exposure,
    PortfolioSnapshot,
    SegmentFigures,
    snapshot,
)
from fengkong.onboarding.application import PersonalDataVault
from fengkong.onboarding.party import PartyTokens

SnapshotRow = tuple[str, str, SegmentFigures]  # dimension, segment, figures
DatedRow = tuple[date, str, SegmentFigures]  # business date, segment, figures
_MARK_READS = 3  # tries at reading the loans without a write landing in between


@dataclass(frozen=True, slots=True)
class BookMark:
    """The loan book's state, in two numbers: loans stored, and the sum of their revisions."""

    loans: int
    revisions: int

    def __str__(self) -> str:
        return f"{self.loans}:{self.revisions}"


@dataclass(frozen=True, slots=True)
class SnapshotBook:
    """What a date's snapshot was taken on: when, how many loans it read, the book's mark, and
    the LGD its expected loss used."""

    business_date: date
    taken_at: datetime
    loans: int
    book_mark: str
    lgd: Decimal


class PortfolioStore(Protocol):
    """The books as monitoring reads them, and the snapshots it keeps."""

    def loan_facts(self, on: date) -> Iterable[LoanFacts]:
        """Every loan booked on or before `on` that is active, settled or written off, as stored now."""
        ...

    def loan_histories(self, on: date) -> Iterable[LoanHistory]:
        """Every loan booked on or before `on` that is active, settled or written off now, with
        its state and its journal balances at the end of `on`, streamed."""
        ...

    def first_booked_on(self) -> date | None:
        """The payout day of the first loan paid out; None before any."""
        ...

    def book_mark(self) -> BookMark: ...
    def last_completed_eod(self) -> date | None: ...
    def replace_snapshot(
        self, rows: Sequence[SnapshotRow], book: SnapshotBook, borrowers: Sequence[Exposure] = ()
    ) -> None:
        """Delete the date's rows, borrowers and book, and insert these (never commits)."""
        ...

    def snapshot_book(self, on: date) -> SnapshotBook | None: ...
    def snapshot_rows(self, on: date, dimensions: Sequence[str]) -> list[SnapshotRow]: ...
    def snapshot_span(self) -> tuple[date, date] | None:
        """The first and last dates that have a snapshot; None before the first."""
        ...

    def snapshot_dates(self, until: date) -> list[date]:
        """The dates that have a snapshot, up to `until`, in order."""
        ...

    def dimension_rows(self, dates: Sequence[date], dimension: str) -> list[DatedRow]:
        """Every segment of `dimension` on each of `dates`, by date then segment."""
        ...

    def top_borrowers(self, on: date, n: int) -> list[Exposure]:
        """The `n` largest borrowers kept with the snapshot of `on`, largest first."""
        ...

    def party_tokens(self, customers: Sequence[str]) -> Mapping[str, PartyTokens]:
        """By customer id, the party of the customer's latest application."""
        ...


class PortfolioUnitOfWork(UnitOfWork, Protocol):
    @property
    def portfolio(self) -> PortfolioStore: ...
    @property
    def audit(self) -> AuditAppender: ...


@dataclass(frozen=True, slots=True)
class MonitoringServices:
    uow: Callable[[], PortfolioUnitOfWork]
    clock: Clock
    lgd: Decimal = DEFAULT_LGD
    vault: PersonalDataVault | None = None  # to mask the largest borrowers; ids only without
    # Per dimension (`region`, `product`, `channel`, `industry`), the largest share one segment
    # may hold.
    concentration_limits: Mapping[str, Decimal] | None = None
    # The buckets, classification and reserve rate a rebuild ages loans by (end of day's).
    lending: LendingConfig = field(default_factory=LendingConfig)


class SnapshotNotFound(NotFound):
    pass


class SnapshotDateOutOfRange(Invalid):
    pass


class UnknownDimension(Invalid):
    pass


class BookMovedDuringSnapshot(Conflict):
    pass


@dataclass(frozen=True, slots=True)
class PortfolioReport:
    """A stored snapshot as read: its date, what it was taken on, and the rows asked for."""

    book: SnapshotBook
    rows: tuple[SnapshotRow, ...]


@dataclass(frozen=True, slots=True)
class Rebuilt:
    """What a rebuild did: the dates recomputed, their segments, the dates whose figures came
    out different from those stored, and the dates that had no snapshot (written fresh)."""

    dates: tuple[date, ...]
    segments: int
    changed: tuple[date, ...]
    fresh: tuple[date, ...] = ()

    def outcome(self, day: date) -> str:
        """`new`, `changed` or `unchanged`: what the rebuild did to `day`'s figures."""
        if day in self.fresh:
            return "new"
        return "changed" if day in self.changed else "unchanged"


def _read(store: PortfolioStore, on: date, lgd: Decimal) -> tuple[PortfolioSnapshot, BookMark]:
    """The snapshot of `on` from the loans, with the book's mark, read again until no write lands
    between the mark before and the mark after."""
    for _ in range(_MARK_READS):
        before = store.book_mark()
        snap = snapshot(store.loan_facts(on), on, lgd)
        if store.book_mark() == before:
            return snap, before
    raise BookMovedDuringSnapshot(
        f"loans kept changing while the snapshot of {on.isoformat()} was read; run it again"
    )


def _book(snap: PortfolioSnapshot, mark: BookMark, taken_at: datetime) -> SnapshotBook:
    return SnapshotBook(snap.business_date, taken_at, snap.loans, str(mark), snap.lgd)


def take_snapshot(on: date, svc: MonitoringServices) -> Mapping[str, int]:
    """Write the snapshot of `on` from the loans as they stand, replacing any of that date."""
    with svc.uow() as uow:
        snap, mark = _read(uow.portfolio, on, svc.lgd)
        rows = snap.rows()
        uow.portfolio.replace_snapshot(rows, _book(snap, mark, svc.clock.now()), snap.borrowers)
        uow.commit()
    return {"snapshot_segments": len(rows)}


def snapshot_step(svc: MonitoringServices) -> Callable[[date], Mapping[str, int]]:
    """End of day's snapshot job for each date (run after the servicing jobs)."""
    return lambda on: take_snapshot(on, svc)


def parse_day(value: str | date | None, loc: str) -> date | None:
    """An ISO date (YYYY-MM-DD), or None when not given; else `Invalid` naming `loc`."""
    if value is None or isinstance(value, date):
        return value
    try:
        return date.fromisoformat(value.strip())
    except ValueError:
        raise Invalid(
            (FieldError((loc,), f"not a date (YYYY-MM-DD): {value.strip()!r}"),)
        ) from None


def _required_day(value: str | date, loc: str) -> date:
    day = parse_day(value, loc)
    if day is None:  # only for a None that the signature forbids
        raise Invalid((FieldError((loc,), "a date is required"),))
    return day


def dimensions_of(by: Iterable[str] | str | None) -> tuple[str, ...]:
    """The dimensions asked for (repeated or comma-separated), every one when none is."""
    errors: list[FieldError] = []
    found = among(by, DIMENSIONS, "by", errors)
    if errors:
        raise UnknownDimension(tuple(errors))
    return found or DIMENSIONS


def portfolio_report(
    svc: MonitoringServices, on: str | date | None = None, by: Iterable[str] | str | None = None
) -> PortfolioReport:
    """The stored snapshot of `on` (default: the last one), its dimensions `by` (default: all).
    A date before the first snapshot or after the last completed end of day is refused
    (`SnapshotDateOutOfRange`); a date between without one is `SnapshotNotFound`."""
    day = parse_day(on, "date")
    dimensions = dimensions_of(by)
    with svc.uow() as uow:
        store = uow.portfolio
        day = report_day(store, day)
        book = store.snapshot_book(day)
        if book is None:
            raise SnapshotNotFound(
                f"no portfolio snapshot of {day.isoformat()}: its end of day ran without one"
            )
        rows = tuple(store.snapshot_rows(day, dimensions))
    return PortfolioReport(book, rows)


def report_day(store: PortfolioStore, day: date | None) -> date:
    """The date a report reads: `day`, or the last snapshot's. `SnapshotNotFound` before the
    first snapshot; `SnapshotDateOutOfRange` for a date before it or after the last end of day."""
    span = store.snapshot_span()
    if span is None:
        raise SnapshotNotFound("no portfolio snapshot yet: end of day writes one per date")
    first, last = span
    day = last if day is None else day
    newest = max(store.last_completed_eod() or last, last)
    if day < first or day > newest:
        why = "before the first snapshot" if day < first else "after the last end of day"
        raise SnapshotDateOutOfRange(
            (
                FieldError(
                    ("date",),
                    f"{day.isoformat()} is {why}: snapshots run from {first.isoformat()} "
                    f"to {last.isoformat()}",
                ),
            )
        )
    return day


def _dates(first: date, last: date) -> list[date]:
    return [first + timedelta(days=k) for k in range((last - first).days + 1)]


def rebuild(first: str | date, last: str | date, svc: MonitoringServices, actor: str) -> Rebuilt:
    """Recompute the snapshots of `first`..`last` from the books as they were at the end of each
    date (`rebuild_snapshot`) and replace them, in one transaction, audited as
    `portfolio.rebuilt` by `actor`. Refused (`SnapshotDateOutOfRange`): a date after the last
    completed end of day, or before the first loan was paid out."""
    low, high = _required_day(first, "from"), _required_day(last, "to")
    if low > high:
        raise Invalid((FieldError(("from",), f"{low.isoformat()} is after --to {high}"),))
    with svc.uow() as uow:
        store = uow.portfolio
        _check_range(store, low, high)
        changed: list[date] = []
        fresh: list[date] = []
        segments = 0
        for day in _dates(low, high):
            had = store.snapshot_book(day) is not None
            before = (store.snapshot_rows(day, DIMENSIONS), store.top_borrowers(day, TOP_KEPT))
            snap = rebuild_snapshot(store, day, svc)
            rows = snap.rows()
            mark = store.book_mark()  # the book it was read from: today's
            store.replace_snapshot(rows, _book(snap, mark, svc.clock.now()), snap.borrowers)
            segments += len(rows)
            if not had:
                fresh.append(day)
            elif (rows, list(snap.borrowers)) != before:
                changed.append(day)
        uow.audit.append(
            at=svc.clock.now(),
            actor=actor,
            action="portfolio.rebuilt",
            subject_type="portfolio_snapshot",
            subject_id=f"{low.isoformat()}..{high.isoformat()}",
            payload={
                "segments": segments,
                "changed": [d.isoformat() for d in changed],
                "new": [d.isoformat() for d in fresh],
            },
        )
        uow.commit()
    return Rebuilt(tuple(_dates(low, high)), segments, tuple(changed), tuple(fresh))


def rebuild_snapshot(store: PortfolioStore, on: date, svc: MonitoringServices) -> PortfolioSnapshot:
    """The snapshot of `on` from the books as they were at its end (`as_of.facts_as_of` of
    every loan paid out by then), streamed, not stored."""
    facts = (facts_as_of(h, on, svc.lending) for h in store.loan_histories(on))
    return snapshot(facts, on, svc.lgd)


def _check_range(store: PortfolioStore, low: date, high: date) -> None:
    done = store.last_completed_eod()
    if done is None or high > done:
        after = "no end of day has completed" if done is None else f"the last is {done}"
        raise SnapshotDateOutOfRange(
            (FieldError(("to",), f"{high.isoformat()} has no completed end of day: {after}"),)
        )
    first = store.first_booked_on()
    if first is None or low < first:
        why = "no loan has been paid out" if first is None else f"the first was on {first}"
        raise SnapshotDateOutOfRange(
            (FieldError(("from",), f"{low.isoformat()} is before the first loan: {why}"),)
        )
