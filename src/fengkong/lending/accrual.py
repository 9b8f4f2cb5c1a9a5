"""Daily accrual (计提): contract interest, late fees and penalty interest, one business date at a
time, idempotent for a date.

Accruing date `d` recognises what the loan has earned up to and including `d`:
- Contract interest of an instalment is recognised pro rata over its period by the loan's day
  count: through `d` the instalment has accrued `interest × yf(period_start, d) / yf(period_start,
  due)`, HALF_UP from the exact value (`earned_interest`, the one definition end of day's quiet
  batch applies to whole columns), so by the due date it has accrued exactly its scheduled
  interest whatever the basis (monthly or daily). The day's amount is the change in that
  cumulative figure, so catching up several days gives the same total as accruing each.
- From the day after the grace days (`d > due + grace_days`), principal still unpaid accrues
  penalty interest (罚息) at the penalty rate by the day count, `overdue × yf(d − 1, d)`. The exact
  sum is kept, and the penalty charged is its HALF_UP rounding, so no fraction of a fen is lost
  day by day. Penalty is not charged back over the grace days, and none is charged on overdue
  interest (no compounding).
- The same day an instalment is first found unpaid after the grace days, its late fee is billed.

Accruing a date the loan is already accrued through changes nothing and returns no events;
accruing a later date catches up every missed day in order. Settled and written-off loans accrue
nothing.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta
from fractions import Fraction

from fengkong.core.money import HALF_UP, Fen, IntegersT, half_up_quotient, to_fen
from fengkong.lending.daycount import elapsed_share, year_fraction_exact
from fengkong.lending.loan import (
    FeeCharged,
    FeeKind,
    InstalmentPosition,
    InterestAccrued,
    LoanState,
    LoanStatus,
    LoanTerms,
    MoneyEvent,
    PenaltyAccrued,
    Transition,
)

ONE_DAY = timedelta(days=1)


def accrue(state: LoanState, through: date) -> Transition:
    """Accrue every day after `state.accrued_through` up to and including `through`."""
    if state.status is not LoanStatus.ACTIVE or through <= state.accrued_through:
        return Transition(state)
    positions = list(state.positions)
    events: list[MoneyEvent] = []
    day = state.accrued_through + ONE_DAY
    while day <= through:
        for index, position in enumerate(positions):
            positions[index] = accrue_day(position, day, state.terms, events)
        day += ONE_DAY
    return Transition(
        replace(state, positions=tuple(positions), accrued_through=through), tuple(events)
    )


def earned_interest(
    interest: IntegersT, elapsed: IntegersT | int, period: IntegersT | int
) -> IntegersT:
    """Contract interest an instalment of `interest` fen has earned once `elapsed` of its
    `period` has run (`0 ≤ elapsed ≤ period`, `period > 0`, in one unit: the two parts of a
    ratio of year fractions, or actual days where the day count makes them a day ratio):
    `interest × elapsed / period`, HALF_UP to the fen from the exact value (ADR 0001).

    Integers give one loan's figure; integer columns (Polars expressions) give a batch's, row
    for row the same: the quiet end of day calls this very function on its columns."""
    return half_up_quotient(interest * elapsed, period)


def interest_accrued_through(position: InstalmentPosition, day: date, terms: LoanTerms) -> Fen:
    """Contract interest the instalment has earned up to and including `day` (cumulative)."""
    ceiling = position.instalment.interest - position.interest_waived
    if day <= position.period_start:
        return Fen(0)
    if day >= position.due:
        return Fen(ceiling)
    share = elapsed_share(position.period_start, day, position.due, terms.day_count)
    if share == 0:
        return Fen(0)
    interest = int(position.instalment.interest)  # a plain int: the rule also takes columns
    earned = earned_interest(interest, share.numerator, share.denominator)
    return Fen(min(earned, ceiling))


def penalty_starts(position: InstalmentPosition, terms: LoanTerms) -> date:
    """The first day that can accrue penalty interest on this instalment."""
    return position.due + timedelta(days=terms.grace_days + 1)


def accrue_day(
    position: InstalmentPosition, day: date, terms: LoanTerms, events: list[MoneyEvent]
) -> InstalmentPosition:
    """The position after accruing `day`; the day's events are appended to `events`."""
    if position.is_closed:
        return position
    charged = position.charged
    number = position.number

    earned = interest_accrued_through(position, day, terms)
    if earned > charged.interest:
        events.append(InterestAccrued(day, number, Fen(earned - charged.interest)))
        charged = replace(charged, interest=earned)

    late_fee_charged = position.late_fee_charged
    penalty_base = position.penalty_base
    if day >= penalty_starts(position, terms):
        if not late_fee_charged and position.scheduled_unpaid > 0:
            late_fee_charged = True
            overdue = replace(position, charged=charged).scheduled_unpaid
            fee = terms.late_fee.amount(overdue)
            if fee > 0:
                events.append(FeeCharged(day, number, FeeKind.LATE, fee))
                charged = replace(charged, fee=Fen(charged.fee + fee))
        overdue_principal = charged.principal - position.paid.principal
        if overdue_principal > 0:
            day_fraction = year_fraction_exact(day - ONE_DAY, day, terms.day_count)
            penalty_base += overdue_principal * day_fraction
            penalty = to_fen(penalty_base * Fraction(terms.penalty_annual_rate), HALF_UP)
            if penalty > charged.penalty:
                events.append(PenaltyAccrued(day, number, Fen(penalty - charged.penalty)))
                charged = replace(charged, penalty=penalty)

    return replace(
        position,
        charged=charged,
        late_fee_charged=late_fee_charged,
        penalty_base=penalty_base,
    )
