"""Paying out a booked loan: the loan the contract describes, from its own terms.

A loan is booked (`loan.book_loan`) when the offer is accepted, under the product the offer was
priced with: a policy's product, a line's product, or one of the configured products. When the
money leaves, nothing is looked up again. Another product that happens to share the code and
version (a policy's `cash_loan@1` charging 1 % beside a configured `cash_loan@1` charging 0.5 %)
would otherwise give the positions and the ledger a fee, grace days and late fee other than the
contract's. The only thing a later payout day changes is the dates: the schedule is rebuilt from
the booked principal, rate, number of instalments, spread fee and conventions to run from it.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date

from fengkong.core.errors import FieldError, Invalid
from fengkong.core.money import Fen
from fengkong.lending.loan import Disbursed, LoanState, Transition, positions_for
from fengkong.lending.schedule import Instalment, build_schedule


def booked_schedule(state: LoanState) -> tuple[Instalment, ...]:
    """The instalments the loan was booked (or last rescheduled) with."""
    return tuple(p.instalment for p in state.positions)


def schedule_from(state: LoanState, on: date) -> tuple[Instalment, ...]:
    """The booked schedule moved to start on `on`: same principal, rate, number of instalments,
    fee parts and conventions; unchanged when `on` is the day the loan was booked for."""
    booked = booked_schedule(state)
    if on == state.terms.disbursed_on:
        return booked
    terms = state.terms
    return build_schedule(
        terms.repayment_method,
        terms.principal,
        terms.annual_rate,
        len(booked),
        on,
        basis=terms.interest_basis,
        day_count=terms.day_count,
        fee=Fen(sum(i.fee for i in booked)),
    )


def disburse_booked(state: LoanState, on: date, paid_out: Fen) -> Transition:
    """The booked loan `state` paid out on `on` (`paid_out` reaching the borrower), with its
    schedule run from that day. Nothing has accrued or been paid on a booked loan yet."""
    if on < state.terms.disbursed_on:
        raise Invalid(
            (FieldError(("on",), f"a loan booked on {state.terms.disbursed_on} is paid out {on}"),)
        )
    if state.repayments or any(p.paid.total or p.charged.interest for p in state.positions):
        raise Invalid((FieldError(("loan",), f"loan {state.loan_id} is already running"),))
    if not 0 < paid_out <= state.terms.principal:
        raise Invalid((FieldError(("paid_out",), f"must be 1..principal fen: {paid_out}"),))
    schedule = schedule_from(state, on)
    running = replace(
        state,
        terms=replace(state.terms, disbursed_on=on),
        positions=positions_for(schedule, on),
        accrued_through=on,
    )
    fee_receivable = Fen(sum(i.fee for i in schedule))
    return Transition(running, (Disbursed(on, state.terms.principal, paid_out, fee_receivable),))


__all__ = ["booked_schedule", "disburse_booked", "schedule_from"]
