"""Daily portfolio snapshots: written by end of day, read by `fengkong report portfolio` and
`GET /v1/reports/portfolio`, rebuilt by `fengkong report rebuild`.

End of day's last servicing job (`snapshot_step`) reads every loan booked by the date, active,
settled or written off, as that date's end of day left it (`PortfolioBook.loan_facts`), aggregates them
(`figures.snapshot`) and replaces the date's rows in one transaction: a rerun of the date after
a crash writes the same rows again. Beside the rows it stores the *mark* of the book it read:
the number of loans and the sum of their revisions, which every write to a loan moves (a
repayment, a write-off, a new booking, the next end of day's accrual).

Rebuilding. The loans table keeps each loan's current state only; a past date's days past due,
balances and classes are not in it any more (the journal and audit log hold the history, but
replaying them into a past date's delinquency is a second implementation of end of day, which
could disagree with the first). So a rebuild recomputes a date from the books only while the
book still stands as that date's end of day left it: the date must be the last completed end of
day, its snapshot must have been taken, and the book must still bear the mark stored with it
(read before and after the loans, in the rebuild's own transaction). Then the rebuild gives the
figures end of day wrote (tested), or, under a changed rule or LGD, the corrected ones. Any
other date is refused (`SnapshotNotRebuildable`), naming the date that can be rebuilt; the
stored snapshots of earlier dates stay as written. Keeping every loan's facts for every day
would lift that limit at the cost of a row per loan per day; this slice does not.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Protocol

from fengkong.audit.port import AuditAppender
from fengkong.core.clock import Clock
from fengkong.core.errors import Conflict, FieldError, Invalid, NotFound
from fengkong.core.filters import among
from fengkong.core.uow import UnitOfWork
from fengkong.monitoring.facts import LoanFacts
from fengkong.monitoring.figures import (
    DEFAULT_LGD,
    DIMENSIONS,
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


class SnapshotNotFound(NotFound):
    pass


class SnapshotDateOutOfRange(Invalid):
    pass


class UnknownDimension(Invalid):
    pass


class SnapshotNotRebuildable(Conflict):
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
    """What a rebuild did: the dates recomputed, their segments, and the dates whose figures
    came out different from those stored."""

    dates: tuple[date, ...]
    segments: int
    changed: tuple[date, ...]


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
    """Recompute the snapshots of `first`..`last` from the books and replace them, in one
    transaction, audited as `portfolio.rebuilt` by `actor`. Only a date whose book still stands
    as its end of day left it can be rebuilt (see the module's docstring): any other date in
    the range refuses the whole range (`SnapshotNotRebuildable`)."""
    low, high = _required_day(first, "from"), _required_day(last, "to")
    if low > high:
        raise Invalid((FieldError(("from",), f"{low.isoformat()} is after --to {high}"),))
    with svc.uow() as uow:
        store = uow.portfolio
        done = store.last_completed_eod()
        if done is None or high > done:
            after = "no end of day has completed" if done is None else f"the last is {done}"
            raise SnapshotDateOutOfRange(
                (FieldError(("to",), f"{high.isoformat()} has no completed end of day: {after}"),)
            )
        for day in _dates(low, high):
            _check_rebuildable(store, day, done)
        changed: list[date] = []
        segments = 0
        for day in _dates(low, high):
            before = store.snapshot_rows(day, DIMENSIONS)
            snap, mark = _read(store, day, svc.lgd)
            book = store.snapshot_book(day)
            if book is None or str(mark) != book.book_mark:
                raise SnapshotNotRebuildable(f"loans changed while {day} was being rebuilt")
            rows = snap.rows()
            store.replace_snapshot(rows, _book(snap, mark, svc.clock.now()), snap.borrowers)
            segments += len(rows)
            if rows != before:
                changed.append(day)
        uow.audit.append(
            at=svc.clock.now(),
            actor=actor,
            action="portfolio.rebuilt",
            subject_type="portfolio_snapshot",
            subject_id=f"{low.isoformat()}..{high.isoformat()}",
            payload={"segments": segments, "changed": [d.isoformat() for d in changed]},
        )
        uow.commit()
    return Rebuilt(tuple(_dates(low, high)), segments, tuple(changed))


def _check_rebuildable(store: PortfolioStore, day: date, done: date) -> None:
    if day != done:
        raise SnapshotNotRebuildable(
            f"{day.isoformat()} cannot be rebuilt: the loans keep only their current state, and "
            f"end of day has moved them on since; only the last completed end of day, "
            f"{done.isoformat()}, can be rebuilt, while no loan has changed since its snapshot"
        )
    book = store.snapshot_book(day)
    if book is None:
        raise SnapshotNotRebuildable(
            f"{day.isoformat()} has no snapshot to rebuild: its end of day ran without one, so "
            "whether the loans have changed since cannot be known"
        )
    mark = store.book_mark()
    if str(mark) != book.book_mark:
        raise SnapshotNotRebuildable(
            f"{day.isoformat()} cannot be rebuilt: loans have changed since its snapshot was "
            f"taken (book {book.book_mark}, now {mark}); its stored figures stand"
        )
