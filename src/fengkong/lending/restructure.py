"""Restructuring: term extension (展期) and re-amortisation (重新摊还) of the outstanding principal.

The loan is accrued through the restructuring date first. Then:
- every unpaid principal part of the old schedule moves into a new schedule built from that date,
  whose principal parts sum exactly to the principal outstanding;
- arrears stay owed as they were: interest, fees and penalty already charged on old instalments
  remain due on their old dates (nothing is capitalised, so no interest is charged on interest);
- interest of the current period not yet earned is waived on the old instalment, because the new
  schedule charges interest from the restructuring date.

A monthly-basis loan restructured between due dates gets a new schedule whose first (broken)
period is charged by the day count (`InterestBasis.FIRST_PERIOD_DAILY`): charging a full month of
interest for a few days would overcharge the borrower. The reason is recorded on the state.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from decimal import Decimal

from fengkong.core.errors import Conflict, FieldError, Invalid
from fengkong.core.money import Fen
from fengkong.lending.accrual import accrue
from fengkong.lending.loan import (
    LoanState,
    Restructured,
    RestructureKind,
    Restructuring,
    Transition,
    positions_for,
    require_active,
    require_not_backdated,
)
from fengkong.lending.schedule import InterestBasis, RepaymentMethod, add_months, build_schedule


class NothingToRestructure(Conflict):
    pass


def remaining_terms(state: LoanState, on: date) -> int:
    """Instalments not yet due on `on` that still carry unpaid principal."""
    return sum(1 for p in state.positions if p.due > on and p.outstanding.principal > 0)


def reamortise(
    state: LoanState,
    on: date,
    new_terms: int,
    reason: str,
    *,
    annual_rate: Decimal | None = None,
    method: RepaymentMethod | None = None,
    first_due: date | None = None,
    kind: RestructureKind = RestructureKind.REAMORTISATION,
) -> Transition:
    """Spread the principal outstanding on `on` over `new_terms` monthly instalments.

    `first_due` defaults to the next due date of the old schedule (keeping the borrower's day of
    the month), or a month after `on` when the old schedule has run out.
    """
    require_active(state, "restructure")
    require_not_backdated(state, on, "restructure")
    if not isinstance(reason, str) or not reason.strip():
        raise Invalid((FieldError(("reason",), "a restructuring needs a reason"),))
    accrued = accrue(state, on)
    before = accrued.state
    outstanding = before.principal_outstanding
    if outstanding == 0:
        raise NothingToRestructure(f"loan {state.loan_id} has no principal outstanding")
    rate = before.terms.annual_rate if annual_rate is None else annual_rate
    new_method = before.terms.repayment_method if method is None else method
    if first_due is None:
        upcoming = [p.due for p in before.positions if p.due > on]
        first_due = min(upcoming) if upcoming else add_months(on, 1)
    basis = before.terms.interest_basis
    if basis is InterestBasis.MONTHLY and first_due != add_months(on, 1):
        basis = InterestBasis.FIRST_PERIOD_DAILY
    schedule = build_schedule(
        new_method,
        outstanding,
        rate,
        new_terms,
        on,
        first_due,
        basis=basis,
        day_count=before.terms.day_count,
    )
    offset = max(p.number for p in before.positions)
    renumbered = tuple(replace(i, number=i.number + offset) for i in schedule)

    old_positions = []
    for position in before.positions:
        moved = position.outstanding.principal
        charged = replace(position.charged, principal=Fen(position.charged.principal - moved))
        waived = position.interest_waived
        if position.due > on:
            waived = Fen(position.instalment.interest - position.charged.interest)
        old_positions.append(replace(position, charged=charged, interest_waived=waived))

    record = Restructuring(
        on=on,
        kind=kind,
        reason=reason.strip(),
        outstanding_principal=outstanding,
        old_terms=remaining_terms(before, on),
        new_terms=new_terms,
        annual_rate=rate,
        method=new_method,
        first_new_instalment=offset + 1,
        prior_positions=before.positions,
        revision_after=before.revision + 1,
    )
    after = replace(
        before,
        terms=replace(before.terms, annual_rate=rate, repayment_method=new_method),
        positions=(*old_positions, *positions_for(renumbered, on)),
        revision=before.revision + 1,
        restructurings=(*before.restructurings, record),
    )
    return Transition(after, (*accrued.events, Restructured(on, record)))


def extend_term(state: LoanState, on: date, extra_terms: int, reason: str) -> Transition:
    """展期: the instalments still to come plus `extra_terms` more, same rate and method."""
    if isinstance(extra_terms, bool) or not isinstance(extra_terms, int) or extra_terms < 1:
        raise Invalid((FieldError(("extra_terms",), f"must be ≥ 1 month: {extra_terms!r}"),))
    new_terms = remaining_terms(accrue(state, on).state, on) + extra_terms
    return reamortise(state, on, new_terms, reason, kind=RestructureKind.EXTENSION)
