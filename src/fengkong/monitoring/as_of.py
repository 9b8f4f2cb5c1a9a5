"""A loan as a past date's end of day left it, recomputed from the books: what `report rebuild`
turns into `LoanFacts` for any date, where end of day's snapshot reads the stored loan row.

Where each figure comes from, and why it is the one end of day stored that night:
- **stage**: active until the state's `closed_on`, then its status (settled, written off). A
  loan is read only if it was paid out by the date (`booked_on` is the payout day).
- **principal outstanding** and **allowance**: the journal, the loan's balances on the loan
  principal receivable (1303) and loan loss allowance (1304) accounts over the entries of
  business dates up to the date. Every movement of either is posted the day it happens, tagged
  with the loan (the quiet batch's postings too), and end of day stores on the loan the very
  amounts it posts; the journal is append-only, so these are the date's balances for good.
- **days past due, bucket, class**: `lending.provisioning.aged` (the rule end of day stores)
  on the loan's state with its instalment positions as of the date (`lending.behaviour.
  positions_as_of`: those the first later repayment, restructuring or reversal replaced),
  accrued through the date, and only the restructurings made by then. Days past due depend on what was *due and
  unpaid*, which accrual after the date does not change.
- **general reserve**: its rate of the principal lent while active (`provision_to_target`),
  under the configured `reserve_rate`.
- **written off**: the principal the loan was written off with (a written-off loan keeps the
  positions it went with).

What the state does not remember cannot be rebuilt: a restructuring or a later-day reversal made
before states kept the positions they replace (they do now) ages the days before it on the
schedule that followed. Principal and allowance, from the journal, are exact even then.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date

from fengkong.core.money import Fen
from fengkong.lending.behaviour import positions_as_of
from fengkong.lending.config import LendingConfig
from fengkong.lending.loan import LoanState, LoanStatus
from fengkong.lending.posting import share
from fengkong.lending.provisioning import aged
from fengkong.monitoring.facts import LoanFacts

_ACTIVE = "active"


@dataclass(frozen=True, slots=True)
class LoanHistory:
    """One loan as the books hold it now, for a past date `on`: its facts as stored today (for
    the segments, the amount and the PD, which do not change), its state (with the repayments
    and restructurings it remembers), and its journal balances at the end of `on`."""

    facts: LoanFacts
    state: LoanState
    principal: Fen  # loan principal receivable at the end of `on`
    allowance: Fen  # loan loss allowance held for it at the end of `on`


def facts_as_of(history: LoanHistory, on: date, config: LendingConfig) -> LoanFacts:
    """The loan's `LoanFacts` at the end of `on` (on or after its payout): the facts end of day's
    snapshot read from the loan row that night."""
    state = history.state
    closed = state.closed_on is not None and state.closed_on <= on
    if closed and state.status is LoanStatus.WRITTEN_OFF:
        return replace(
            history.facts,
            stage=LoanStatus.WRITTEN_OFF.value,
            written_off=state.principal_outstanding,
            allowance=Fen(0),
            reserve=Fen(0),
        )
    if closed:
        return replace(
            history.facts,
            stage=state.status.value,
            principal_outstanding=Fen(0),
            written_off=Fen(0),
            allowance=Fen(0),
            reserve=Fen(0),
        )
    then = replace(
        state,
        positions=positions_as_of(state, on),
        accrued_through=on,
        status=LoanStatus.ACTIVE,
        closed_on=None,
        restructurings=tuple(r for r in state.restructurings if r.on <= on),
    )
    now = aged(then, config)
    return replace(
        history.facts,
        stage=_ACTIVE,
        principal_outstanding=history.principal,
        days_past_due=now.days_past_due,
        bucket=now.bucket,
        loan_class=now.loan_class.value,
        allowance=history.allowance,
        reserve=share(state.terms.principal, config.reserve_rate),
        written_off=Fen(0),
    )


__all__ = ["LoanHistory", "facts_as_of"]
