"""The stress report of a date (`stress_report`): the book as the date's snapshot left it, cut
into the scenario's segments, projected over the horizon (`monitoring.stress`), with the
collections its loans' schedules expect each month against what was collected.

What it reads, so that a past date gives the same answer later:
- the date's stored snapshot (balances, five-tier mix, expected loss, allowance and reserve by
  segment), never the loans' current state, which end of day has moved on since;
- the loans active at the date's end (booked on or before it, not settled or written off by it),
  and their schedules' instalments due after it: the run-off and the amounts due;
- the collateral of those loans, at its latest valuation on or before the date;
- the month-end snapshots up to the date, for the M0→M1 roll rate;
- repayments applied (not reversed) to the book's loans after the date, up to the last end of
  day, for the months already past.
"""

from __future__ import annotations

import calendar
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import ROUND_FLOOR, Decimal
from pathlib import Path
from typing import Protocol

from fengkong.core.clock import Clock
from fengkong.core.errors import FieldError
from fengkong.core.money import Fen
from fengkong.core.uow import UnitOfWork
from fengkong.lending.config import DEFAULT_PROVISION_RATES
from fengkong.lending.delinquency import DEFAULT_CLASSIFICATION, ClassificationRules, LoanClass
from fengkong.monitoring.curves import is_month_end, roll_rates
from fengkong.monitoring.figures import rate
from fengkong.monitoring.scenario import (
    MAX_HORIZON,
    BadScenario,
    StressScenario,
    load_scenario_file,
    shipped_scenario,
)
from fengkong.monitoring.snapshots import (
    PortfolioStore,
    SnapshotNotFound,
    parse_day,
    report_day,
)
from fengkong.monitoring.stress import (
    Cell,
    CollectionMonth,
    Projection,
    amortisation,
    cell_of,
    expected_collections,
    project,
    segment_pd,
)

ROLL_MONTHS = 3  # the M0→M1 roll rate: balance-weighted over the last three month ends


@dataclass(frozen=True, slots=True)
class Instalment:
    """One instalment of a loan's schedule: when due, what is due, and the scheduled principal
    before and after it."""

    due: date
    amount_fen: Fen  # principal + interest + fee
    opening_fen: Fen
    closing_fen: Fen


@dataclass(frozen=True, slots=True)
class ScheduledLoan:
    """A loan active at the end of a date, with its instalments due after it."""

    loan_id: str
    amount_fen: Fen  # principal lent
    instalments: tuple[Instalment, ...]


class StressStore(Protocol):
    """What the stress report reads beyond the snapshots."""

    def loans_active_on(self, on: date) -> Iterable[ScheduledLoan]:
        """Loans booked on or before `on` and not settled or written off by it, with their
        instalments due after `on`, in due order."""
        ...

    def collateral_on(self, on: date) -> Iterable[tuple[str, Decimal, Fen]]:
        """(loan id, item haircut, latest valuation on or before `on`) of every valued item."""
        ...

    def collected(self, on: date, first: date, last: date) -> Iterable[tuple[date, Fen]]:
        """Per business date in `first`..`last`, the repayments applied (not reversed) to loans
        booked on or before `on`."""
        ...


class StressUnitOfWork(UnitOfWork, Protocol):
    @property
    def portfolio(self) -> PortfolioStore: ...
    @property
    def stress(self) -> StressStore: ...


@dataclass(frozen=True, slots=True)
class StressServices:
    """The stress report's wiring. The LGD is the one each date's snapshot stored, unless the
    scenario sets its own; provisioning follows lending's configured rates and classes."""

    uow: Callable[[], StressUnitOfWork]
    clock: Clock
    provision_rates: Mapping[LoanClass, Decimal] = field(
        default_factory=lambda: dict(DEFAULT_PROVISION_RATES)
    )
    classification: ClassificationRules = DEFAULT_CLASSIFICATION


@dataclass(frozen=True, slots=True)
class StressReport:
    on: date
    source: str  # `shipped` or the scenario file's path
    projection: Projection
    loans: int  # active at the date's end
    last_eod: date | None
    roll_rate: Decimal | None  # M0→M1, None without two consecutive month-end snapshots
    collections: tuple[CollectionMonth, ...]

    @property
    def scenario(self) -> StressScenario:
        return self.projection.scenario


def add_months(day: date, months: int) -> date:
    """`day` moved by whole months: a month end to a month end, else the same day (clamped)."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    last = calendar.monthrange(year, month + 1)[1]
    return date(year, month + 1, last if is_month_end(day) else min(day.day, last))


def month_windows(on: date, horizon: int) -> list[tuple[date, date]]:
    """Month m of the horizon: the day after `on` moved m − 1 months, to `on` moved m months."""
    return [
        (add_months(on, m - 1) + timedelta(days=1), add_months(on, m))
        for m in range(1, horizon + 1)
    ]


def horizon_of(months: int | str | None, scenario: StressScenario) -> int:
    if months is None:
        return scenario.horizon_months
    try:
        value = int(months)
    except ValueError:
        value = 0
    if not 1 <= value <= MAX_HORIZON:
        raise BadScenario(
            (FieldError(("months",), f"whole months from 1 to {MAX_HORIZON}, not {months!r}"),)
        )
    return value


def pick_scenario(name: str | None, file: Path | None) -> tuple[StressScenario, str]:
    """The shipped scenario `name` (default `baseline`) or the one in `file`, not both."""
    if name is not None and file is not None:
        raise BadScenario(
            (FieldError(("scenario",), "give a scenario name or a scenario file, not both"),)
        )
    if file is not None:
        return load_scenario_file(file), str(file)
    return shipped_scenario(name or "baseline"), "shipped"


def _schedule_figures(
    loans: Iterable[ScheduledLoan],
    segment_of: Mapping[str, str],
    windows: Sequence[tuple[date, date]],
) -> tuple[dict[str, list[int]], dict[str, list[int]], dict[str, Fen], int]:
    """Per segment: instalments due in each month, scheduled principal at the date and each
    month end; each loan's principal lent; and how many loans there are."""
    due: dict[str, list[int]] = defaultdict(lambda: [0] * len(windows))
    balances: dict[str, list[int]] = defaultdict(lambda: [0] * (len(windows) + 1))
    lent: dict[str, Fen] = {}
    count = 0
    for loan in loans:
        count += 1
        segment = segment_of.get(loan.loan_id)
        if segment is None:  # not in the snapshot's book (booked and closed the same day)
            continue
        lent[loan.loan_id] = loan.amount_fen
        rows = loan.instalments
        if not rows:
            continue
        balances[segment][0] += rows[0].opening_fen
        for m, (first, last) in enumerate(windows, start=1):
            due[segment][m - 1] += sum(r.amount_fen for r in rows if first <= r.due <= last)
            passed = [r for r in rows if r.due <= last]
            balances[segment][m] += passed[-1].closing_fen if passed else rows[0].opening_fen
    return dict(due), dict(balances), lent, count


def _collateral(
    items: Iterable[tuple[str, Decimal, Fen]],
    lent: Mapping[str, Fen],
    segment_of: Mapping[str, str],
) -> dict[str, Fen]:
    """Per segment, the lending value of its active loans' collateral, each loan's capped at the
    principal it was lent."""
    per_loan: dict[str, Decimal] = defaultdict(Decimal)
    for loan_id, haircut, value in items:
        if loan_id in lent:
            per_loan[loan_id] += Decimal(value) * (1 - haircut)
    per_segment: dict[str, int] = defaultdict(int)
    for loan_id, worth in per_loan.items():
        # Down to the fen: a lending value is what a sale would at least bring.
        capped = min(worth, Decimal(lent[loan_id]))
        per_segment[segment_of[loan_id]] += int(capped.to_integral_value(ROUND_FLOOR))
    return {s: Fen(v) for s, v in per_segment.items()}


def _roll_rate(store: PortfolioStore, on: date) -> Decimal | None:
    ends = [d for d in store.snapshot_dates(on) if is_month_end(d)]
    points = [
        p
        for p in roll_rates(store.dimension_rows(ends, "all"))
        if p.from_bucket == "M0" and p.from_fen is not None and p.to_fen is not None
    ][-ROLL_MONTHS:]
    return rate(sum(p.to_fen or 0 for p in points), sum(p.from_fen or 0 for p in points))


_OPEN_DIMENSIONS = ("product", "channel")  # no fixed vocabulary: checked against the book


def _check_segments(scenario: StressScenario, present: Sequence[str]) -> None:
    """Products and channels have no fixed list: one the book of the date does not have is
    taken for a typo. Score bands, vintages and regions were checked when the file was read."""
    if scenario.by not in _OPEN_DIMENSIONS:
        return
    unknown = [s for s in scenario.multipliers if s not in present]
    if unknown:
        raise BadScenario(
            tuple(
                FieldError(
                    ("pd_multipliers", "segments", s),
                    f"the book has no {scenario.by} segment {s!r} on this date; it has "
                    + ", ".join(present),
                    "enum",
                    tuple(present),
                )
                for s in unknown
            )
        )


def stress_report(
    svc: StressServices,
    on: str | date | None = None,
    scenario: str | None = None,
    scenario_file: Path | None = None,
    months: int | str | None = None,
) -> StressReport:
    """The scenario applied to the book of `on` (default: the last snapshot) over `months`
    (default: the scenario's horizon). Dates are refused as for the portfolio report."""
    chosen, source = pick_scenario(scenario, scenario_file)
    horizon = horizon_of(months, chosen)
    day = parse_day(on, "date")
    dimension = chosen.by or "all"
    with svc.uow() as uow:
        store = uow.portfolio
        day = report_day(store, day)
        book = store.snapshot_book(day)
        if book is None:
            raise SnapshotNotFound(
                f"no portfolio snapshot of {day.isoformat()}: its end of day ran without one"
            )
        rows = {seg: f for _, seg, f in store.snapshot_rows(day, (dimension,))}
        whole = store.snapshot_rows(day, ("all",))
        _check_segments(chosen, sorted(rows))
        segment_of = {f.loan_id: f.segment(dimension) for f in store.loan_facts(day)}
        windows = month_windows(day, horizon)
        due, balances, lent, count = _schedule_figures(
            uow.stress.loans_active_on(day), segment_of, windows
        )
        collateral = _collateral(uow.stress.collateral_on(day), lent, segment_of)
        roll = _roll_rate(store, day)
        last_eod = store.last_completed_eod()
        collected: dict[date, int] = {}
        if last_eod is not None and last_eod > day:
            collected = dict(
                uow.stress.collected(day, windows[0][0], min(last_eod, windows[-1][1]))
            )
    lgd = chosen.lgd if chosen.lgd is not None else book.lgd
    book_pd = segment_pd(whole[0][2], book.lgd) if whole else None
    cells: list[Cell] = [
        cell_of(
            seg,
            f,
            book.lgd,
            book_pd,
            collateral.get(seg, Fen(0)),
            amortisation(balances.get(seg, []), horizon),
        )
        for seg, f in sorted(rows.items())
        if f.outstanding_fen > 0
    ]
    projection = project(cells, chosen, lgd, horizon, svc.provision_rates, svc.classification)
    expected = expected_collections(due, projection.cells, roll)
    collections = _collections(windows, due, expected, collected, last_eod)
    return StressReport(day, source, projection, count, last_eod, roll, collections)


def _collections(
    windows: Sequence[tuple[date, date]],
    due: Mapping[str, Sequence[int]],
    expected: Sequence[Fen],
    collected: Mapping[date, int],
    last_eod: date | None,
) -> tuple[CollectionMonth, ...]:
    """Each month's scheduled, expected and (once begun by the last end of day) collected."""
    return tuple(
        CollectionMonth(
            month=m,
            first_day=first,
            last_day=last,
            scheduled_fen=Fen(sum(v[m - 1] for v in due.values())),
            expected_fen=expected[m - 1] if m <= len(expected) else Fen(0),
            collected_fen=None
            if last_eod is None or first > last_eod
            else Fen(sum(v for d, v in collected.items() if first <= d <= last)),
            complete=last_eod is not None and last <= last_eod,
        )
        for m, (first, last) in enumerate(windows, start=1)
    )
