"""Which business dates end of day may run, what a run reports (`EodReport`) and how it tells a
shell its progress (`EodMeter`).

End of day moves the books to a date: it accrues interest through it, ages loans into their
buckets and writes off what is past due. So a date is refused when
- it is after the clock's business date (`EodDateInFuture`), unless the caller asks for a
  simulation on purpose: a date run ahead of the clock moves every loan into a future that has
  not happened (a 2027 date on a 2026 book ages loans by months and sends them to M3);
- it is before the last completed end of day (`EodDateBeforeLastRun`): the books are already
  closed past it, and running it again would not undo what later dates did.
The last completed date itself is accepted and does nothing (a run is idempotent for its date).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any, Protocol

from fengkong.core.errors import Conflict, FieldError, Invalid


class EodDateInFuture(Invalid):
    """The date is after today's business date and no simulation was asked for."""

    def __init__(self, requested: date, today: date) -> None:
        super().__init__(
            (
                FieldError(
                    ("date",),
                    f"{requested.isoformat()} is after today's business date "
                    f"{today.isoformat()}; end of day does not run ahead of the clock unless "
                    "asked to simulate",
                    "date_in_future",
                ),
            )
        )
        self.requested, self.today = requested, today


class EodDateBeforeLastRun(Conflict):
    """The date is before the last completed end of day."""

    def __init__(self, requested: date, last_done: date) -> None:
        super().__init__(
            f"end of day {requested.isoformat()} is before the last completed end of day "
            f"{last_done.isoformat()}; the books are closed past it and it cannot run again"
        )
        self.requested, self.last_done = requested, last_done


def check_eod_date(
    requested: date, today: date, last_done: date | None, *, simulate: bool = False
) -> None:
    """Raise if end of day may not run `requested` (see the module's docstring)."""
    if requested > today and not simulate:
        raise EodDateInFuture(requested, today)
    if last_done is not None and requested < last_done:
        raise EodDateBeforeLastRun(requested, last_done)


# The headline figures of a run, summed over its dates: loan-days closed (each accrued), bucket
# moves, lines frozen and closed, loans written off, journal entries and their postings.
SUMMARY = (
    "loans",
    "bucket_moves",
    "lines_frozen",
    "lines_closed",
    "written_off",
    "entries",
    "postings",
)


@dataclass(frozen=True, slots=True)
class EodReport:
    """What `run_end_of_day` did: the dates it ran, each date's totals, and their `summary`."""

    requested: date
    ran: tuple[date, ...]
    already_done: bool
    totals: Mapping[str, Mapping[str, int]] = field(default_factory=dict)
    simulated: bool = False  # `requested` is after `today`: run ahead of the clock on purpose
    today: date | None = None  # the clock's business date when the run started

    @property
    def summary(self) -> dict[str, int]:
        return {k: sum(int(t.get(k, 0)) for t in self.totals.values()) for k in SUMMARY}

    def as_dict(self) -> dict[str, Any]:
        return {
            "requested": self.requested.isoformat(),
            "today": None if self.today is None else self.today.isoformat(),
            "simulated": self.simulated,
            "ran": [d.isoformat() for d in self.ran],
            "already_done": self.already_done,
            "summary": self.summary,
            "totals": {d: dict(t) for d, t in self.totals.items()},
        }


def dates_to_run(requested: date, last_done: date | None) -> tuple[date, ...]:
    """The catch-up: every date after the last completed run up to `requested`, in order."""
    if last_done is None or last_done >= requested:
        return (requested,)
    days = (requested - last_done).days
    return tuple(last_done + timedelta(days=k) for k in range(1, days + 1))


class EodMeter(Protocol):
    """Told how far a run has come; a shell draws it (a progress bar), the domain only counts."""

    def begin_date(self, business_date: date, loans: int, dates_left: int) -> None:
        """A date starts: `loans` wait for it, and `dates_left` dates (this one included) remain."""
        ...

    def begin_step(self, name: str, label: str) -> None:
        """A step of `lending.eod_steps.EOD_STEPS` starts (again for each partition of a
        partition step): its `name` and its `label` for people (Chinese, then English)."""
        ...

    def advance(self, loans: int) -> None:
        """`loans` more loans were closed for the date and committed."""
        ...
