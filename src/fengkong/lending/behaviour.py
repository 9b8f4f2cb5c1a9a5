"""Behaviour scoring (贷后行为评分): what the books say about a borrower since booking, as of
any date, and the contract between the model that scores it and the end-of-day step that acts
on the score.

`behaviour_facts` is the one definition of the behaviour features: the training table (built
from the books as of past month ends, `rescoring.training_table`) and the nightly re-score (as
of the business date) both call it, so a model never meets a feature computed two ways.

The books remember enough to look back: each repayment a loan state keeps carries the
instalment positions it replaced, so the positions as of a past date are those the first later
repayment replaced. Days past due only grow between repayments, so the worst over a window is
reached just before one of its repayments or at its end. A restructuring keeps what it replaced
too (since it was kept), so a date before one sees the old schedule, and so does a reversal.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, fields, replace
from datetime import date, timedelta
from decimal import Decimal
from typing import Any, Protocol

from fengkong.lending.delinquency import days_past_due
from fengkong.lending.line import CreditLine, LineChangeKind
from fengkong.lending.loan import InstalmentPosition, LoanState, LoanStatus
from fengkong.lending.records import LoanRecord

# The model registry's name for the behaviour model (its champion scores the book nightly).
BEHAVIOUR_MODEL = "behaviour"
RECENT_DAYS = 90  # "recent": the worst DPD and the draws of the last 90 days
DAYS_PER_MONTH = 30.4375  # an average month, to count months between two dates


@dataclass(frozen=True, slots=True)
class BehaviourFacts:
    """One borrower's repayment behaviour as of a date, from the loans and lines alone.

    Counts are whole numbers; shares are in [0, 1]; nothing here is money in fen, so that a
    model sees the same magnitudes whatever the book's size.
    """

    months_on_book: int  # since the borrower's first disbursement
    active_loans: int  # loans and draws not settled or written off
    instalments_due: int  # instalments whose due date has passed
    instalments_late: int  # of those, paid after the grace days or not yet paid
    instalments_unpaid: int  # of those, still not paid in full
    days_past_due: int  # the worst over the borrower's loans on the date
    worst_days_past_due: int  # the worst ever reached
    worst_days_past_due_90d: int  # the worst reached in the last 90 days
    months_since_late: int  # since the last late instalment's due date; months on book if none
    repaid_share: float  # principal repaid / principal disbursed
    utilisation: float  # drawn / limit over the borrower's lines; 0 without a line
    draws_90d: int  # line draws in the last 90 days
    fraud_hits: int  # black-list hits on the borrower's keys since booking

    def features(self) -> dict[str, float]:
        """The model's inputs, by name."""
        return {k: float(v) for k, v in asdict(self).items()}

    @classmethod
    def from_features(cls, features: Mapping[str, float]) -> BehaviourFacts:
        """The facts back from `features()` (as stored beside a score)."""
        kinds = {f.name: f.type for f in fields(cls)}
        values: dict[str, Any] = {
            name: float(features[name]) if kinds[name] == "float" else int(features[name])
            for name in kinds
        }
        return cls(**values)


FEATURES: tuple[str, ...] = tuple(f.name for f in fields(BehaviourFacts))


@dataclass(frozen=True, slots=True)
class BorrowerBook:
    """Everything the books hold on one borrower: their loans and draws (with full states),
    their credit lines, and the dates their keys hit the black list."""

    customer: str
    loans: tuple[LoanRecord, ...]
    lines: tuple[CreditLine, ...] = ()
    blacklist_hits: tuple[date, ...] = ()


# ---- a loan as of a past date ------------------------------------------------------------------


def positions_as_of(state: LoanState, on: date) -> tuple[InstalmentPosition, ...]:
    """The instalment positions at the end of `on`: those the first change after `on` replaced
    (a repayment, a restructuring, a reversed repayment or its reversal), or today's when none
    came after. A restructuring stored before it kept what it replaced is passed over: its old
    schedule is not known."""
    # Each change as (date, order within the date, positions it replaced). Revisions give the
    # order within a day: every change leaves revision + 1, but a reversal sets it back, so a
    # change's key is twice its revision; a reversed repayment and its reversal, between which
    # nothing but accrual can happen, sit just before what followed the reversal (2k - 1), in
    # the order they were reversed.
    later: list[tuple[date, tuple[int, int, int], tuple[InstalmentPosition, ...]]] = [
        (r.on, (2 * r.revision_after, 0, 0), r.prior_positions)
        for r in state.repayments
        if r.on > on
    ]
    later += [
        (r.on, (2 * r.revision_after, 0, 0), r.prior_positions)
        for r in state.restructurings
        if r.on > on and r.prior_positions
    ]
    for k, undone in enumerate(state.reversed_repayments):
        order = 2 * undone.repayment.revision_after - 1
        if undone.repayment.on > on:
            later.append((undone.repayment.on, (order, k, 0), undone.repayment.prior_positions))
        if undone.on > on:
            later.append((undone.on, (order, k, 1), undone.prior_positions))
    if not later:
        return state.positions
    return min(later, key=lambda change: (change[0], change[1]))[2]


def _open_on(record: LoanRecord, on: date) -> bool:
    closed = record.state.closed_on
    return record.booked_on <= on and (closed is None or closed > on)


def _dpd(state: LoanState, positions: tuple[InstalmentPosition, ...], on: date) -> int:
    return days_past_due(replace(state, positions=positions, status=LoanStatus.ACTIVE), on)


def dpd_as_of(record: LoanRecord, on: date) -> int:
    """The loan's days past due at the end of `on` (0 before booking and once closed)."""
    if not _open_on(record, on):
        return 0
    return _dpd(record.state, positions_as_of(record.state, on), on)


def worst_dpd_between(record: LoanRecord, first: date, last: date) -> int:
    """The most days past due the loan was on any day of `first`…`last`."""
    state = record.state
    if state.closed_on is not None and state.status is not LoanStatus.SETTLED:
        # written off: as far behind as on the day it went, and no further
        last = min(last, state.closed_on)
    elif state.closed_on is not None:
        last = min(last, state.closed_on - timedelta(days=1))
    if last < first or record.booked_on > last:
        return 0
    worst = _dpd(state, positions_as_of(state, last), last)
    for repayment in state.repayments:
        if first <= repayment.on <= last:
            worst = max(worst, _dpd(state, repayment.prior_positions, repayment.on))
    return worst


def paid_in_full_on(state: LoanState) -> dict[int, date]:
    """The day each instalment was first paid in full by a repayment (credit the end of day
    applies from an overpayment is not a repayment: such an instalment has no date here)."""
    paid: dict[int, date] = {}
    for i, repayment in enumerate(state.repayments):
        later = state.repayments[i + 1 :]
        after = later[0].prior_positions if later else state.positions
        if later and later[0].on == repayment.on:
            continue  # the day's last repayment says how the day ended
        for position in after:
            if position.scheduled_unpaid == 0 and position.number not in paid:
                paid[position.number] = repayment.on
    return paid


def _months(first: date, last: date) -> int:
    return max(0, int((last - first).days // DAYS_PER_MONTH))


def _limit_on(line: CreditLine, on: date) -> int:
    limit = 0
    for change in line.history:
        if change.on <= on:
            limit = change.limit_after
    return limit


def _line_open_on(line: CreditLine, on: date) -> bool:
    opened = any(c.on <= on for c in line.history)
    closed = any(c.kind is LineChangeKind.CLOSED and c.on <= on for c in line.history)
    return opened and not closed


# ---- the features ------------------------------------------------------------------------------


def behaviour_facts(book: BorrowerBook, on: date) -> BehaviourFacts:
    """The borrower's facts at the end of `on`, from what the books held then."""
    booked = [r for r in book.loans if r.booked_on <= on and r.state.terms.principal > 0]
    first = min((r.booked_on for r in booked), default=on)
    on_book = _months(first, on)
    due = late = unpaid = dpd = drawn = 0
    last_late: date | None = None
    principal = repaid = 0
    for record in booked:
        state = record.state
        grace = timedelta(days=state.terms.grace_days)
        positions = positions_as_of(state, on)  # once a loan: the costly part of the facts
        principal += state.terms.principal
        repaid += sum(int(p.paid.principal) for p in positions)
        if _open_on(record, on):
            dpd = max(dpd, _dpd(state, positions, on))  # `dpd_as_of`, on these positions
            if record.line_id is not None:
                drawn += int(sum(p.outstanding.principal for p in positions))
        paid_on = paid_in_full_on(state)
        for position in positions:
            if position.due >= on:
                continue
            due += 1
            still_owed = position.scheduled_unpaid > 0
            unpaid += still_owed
            settled_on = None if still_owed else paid_on.get(position.number)
            if (still_owed and on > position.due + grace) or (
                settled_on is not None and settled_on > position.due + grace
            ):
                late += 1
                last_late = position.due if last_late is None else max(last_late, position.due)
    recent = on - timedelta(days=RECENT_DAYS - 1)
    limit = sum(_limit_on(line, on) for line in book.lines if _line_open_on(line, on))
    return BehaviourFacts(
        months_on_book=on_book,
        active_loans=sum(_open_on(r, on) for r in booked),
        instalments_due=due,
        instalments_late=late,
        instalments_unpaid=unpaid,
        days_past_due=dpd,
        worst_days_past_due=max((worst_dpd_between(r, r.booked_on, on) for r in booked), default=0),
        worst_days_past_due_90d=max((worst_dpd_between(r, recent, on) for r in booked), default=0),
        months_since_late=on_book if last_late is None else _months(last_late, on),
        repaid_share=round(repaid / principal, 6) if principal else 0.0,
        utilisation=round(min(1.0, drawn / limit), 6) if limit else 0.0,
        draws_90d=sum(1 for r in booked if r.line_id is not None and r.booked_on >= recent),
        fraud_hits=sum(1 for hit in book.blacklist_hits if hit <= on),
    )


def went_bad(book: BorrowerBook, after: date, last: date, bad_dpd: int) -> bool:
    """Whether any of the borrower's loans booked by `after` reached `bad_dpd` days past due
    on a day in (`after`, `last`]: the outcome a behaviour model learns to foresee."""
    first = after + timedelta(days=1)
    return any(
        worst_dpd_between(r, first, last) >= bad_dpd for r in book.loans if r.booked_on <= after
    )


# ---- scores ------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class BehaviourScore:
    """One borrower's re-score on a date: the score the line rules read, and what it was made
    of, so that the action it caused can be explained and replayed."""

    customer: str
    business_date: date
    score: int  # points: higher is safer, as the application scorecard's
    pd: Decimal  # the calibrated probability of default
    model_version: str
    reasons: tuple[str, ...]  # reason codes, most adverse first
    facts: BehaviourFacts


@dataclass(frozen=True, slots=True)
class Scored:
    score: int
    pd: Decimal
    reasons: tuple[str, ...]


class BehaviourModel(Protocol):
    """The champion behaviour model, loaded: scores many borrowers' facts at once."""

    @property
    def version(self) -> str: ...

    def score_facts(self, facts: Sequence[BehaviourFacts]) -> list[Scored]: ...


def active_customers(books: Iterable[BorrowerBook], on: date) -> list[BorrowerBook]:
    """The borrowers with a loan open or a line not closed at the end of `on`."""
    return [
        b
        for b in books
        if any(_open_on(r, on) for r in b.loans) or any(_line_open_on(x, on) for x in b.lines)
    ]


__all__ = [
    "BEHAVIOUR_MODEL",
    "FEATURES",
    "BehaviourFacts",
    "BehaviourModel",
    "BehaviourScore",
    "BorrowerBook",
    "Scored",
    "active_customers",
    "behaviour_facts",
    "dpd_as_of",
    "paid_in_full_on",
    "positions_as_of",
    "went_bad",
    "worst_dpd_between",
]
