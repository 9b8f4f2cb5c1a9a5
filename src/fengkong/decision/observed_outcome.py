"""The observed outcome of an approved application, from its booked loan: bad when the loan
was written off or was ever 90 or more days past due (the DPD at the last end of day, and the DPD
just before each repayment on record); good when it is settled, or has been on book for the
performance window (12 months) without going bad; otherwise, or when it was never paid out,
unknown. The back-test counts these beside the model's expected bad rate."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Protocol

from fengkong.core.errors import FieldError, Invalid
from fengkong.lending.delinquency import instalment_days_past_due
from fengkong.lending.loan import LoanState, LoanStatus


@dataclass(frozen=True, slots=True)
class OutcomeRule:
    """When a booked loan counts as bad, and when a good one has been watched long enough."""

    bad_days_past_due: int = 90
    performance_months: int = 12

    def __post_init__(self) -> None:
        if self.bad_days_past_due < 1:
            raise Invalid((FieldError(("bad_days_past_due",), "must be ≥ 1"),))
        if self.performance_months < 0:
            raise Invalid((FieldError(("performance_months",), "must be ≥ 0"),))


DEFAULT_OUTCOME_RULE = OutcomeRule()
NEVER_FUNDED = ("pending_disbursement", "cancelled")  # lending.records.LoanStage values


class BookedLoan(Protocol):
    """What the back-test reads of a loan (`lending.records.LoanRecord` has it)."""

    @property
    def stage(self) -> str: ...  # `LoanStage`: pending_disbursement, active, … cancelled
    @property
    def state(self) -> LoanState: ...
    @property
    def booked_on(self) -> date: ...
    @property
    def days_past_due(self) -> int: ...  # at the last end of day


def worst_days_past_due(loan: BookedLoan) -> int:
    """The most days past due the loan is known to have reached: at the last end of day, and just
    before each repayment on record (when a past-due instalment was cured)."""
    worst = loan.days_past_due
    for repayment in loan.state.repayments:
        for position in repayment.prior_positions:
            worst = max(worst, instalment_days_past_due(position, repayment.on))
    return worst


def _months_between(start: date, end: date) -> int:
    months = (end.year - start.year) * 12 + end.month - start.month
    return months - (end.day < start.day)


def observed_outcome(loan: BookedLoan, rule: OutcomeRule = DEFAULT_OUTCOME_RULE) -> bool | None:
    """True when bad, False when known good, None when it is too early to tell (or the loan was
    never paid out)."""
    if loan.stage in NEVER_FUNDED:
        return None
    state = loan.state
    if state.status is LoanStatus.WRITTEN_OFF:
        return True
    if worst_days_past_due(loan) >= rule.bad_days_past_due:
        return True
    if state.status is LoanStatus.SETTLED:
        return False
    watched = _months_between(loan.booked_on, state.accrued_through)
    return False if watched >= rule.performance_months else None
