"""Paying out a booked loan: the loan the contract describes, from its own terms.

A loan is booked (`loan.book_loan`) when the offer is accepted, under the product the offer was
priced with: a policy's product, a line's product, or one of the configured products. When the
money leaves, nothing is looked up again. Another product that happens to share the code and
version (a policy's `cash_loan@1` charging 1 % beside a configured `cash_loan@1` charging 0.5 %)
would otherwise give the positions and the ledger a fee, grace days and late fee other than the
contract's. The only thing a later payout day changes is the dates: the schedule is rebuilt from
the booked principal, rate, number of instalments, spread fee and conventions to run from it.

`disburse` is the use case: the payout is stored (pending) before the channel is called, each
failed attempt is recorded, and after `LendingConfig.payout_attempts` failures the booking is
reversed. A successful payout posts the disbursement, provisions the loan and commits both with
the payout and its audit record.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date

from fengkong.core.errors import Conflict, FieldError, Invalid
from fengkong.core.ids import new_id
from fengkong.core.money import Fen
from fengkong.lending.funds import payee_of, record_payout, state_fund_use
from fengkong.lending.loan import Disbursed, LoanState, Transition, positions_for
from fengkong.lending.payment import PayoutStatus
from fengkong.lending.ports import DisbursementUnitOfWork
from fengkong.lending.posting import entries_for
from fengkong.lending.provisioning import provision_to_target, with_state
from fengkong.lending.records import LoanStage, PayoutRecord
from fengkong.lending.schedule import Instalment, build_schedule
from fengkong.lending.services import (
    SYSTEM,
    Services,
    check_key,
    load_loan,
    lock_loan,
    post,
    release_draw,
    request_hash,
    require_stage,
    retrying,
)
from fengkong.lending.use_of_funds import Payee


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


# ---- the use case ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Disbursement:
    loan_id: str
    payout: PayoutRecord
    stage: LoanStage


def disburse(
    loan_id: str,
    idempotency_key: str,
    svc: Services[DisbursementUnitOfWork],
    actor: str = SYSTEM,
    *,
    purpose: str | None = None,
    payee: Payee | None = None,
) -> Disbursement:
    """Pay a booked loan out through the channel. The payout is stored (pending) before the
    channel is called, each failed attempt is recorded, and after `payout_attempts` failures the
    booking is reversed (the loan is cancelled): a payout is never lost in between.

    The loan's use of funds is stated first (`funds.state_fund_use`: `purpose` and `payee`,
    checked against its product; a draw stated them when it was booked), in the transaction
    that stores the payout; under entrusted payment the channel is told to pay the payee."""
    key = check_key(idempotency_key)
    payout = _start_payout(loan_id, key, svc, actor, purpose, payee)
    if payout.status is not PayoutStatus.PENDING:
        with svc.uow() as uow:
            return Disbursement(loan_id, payout, load_loan(uow.lending, loan_id).stage)
    with svc.uow() as uow:
        to = payee_of(uow.funds.get_fund_use(loan_id), svc.vault)
    while True:
        # Only an entrusted payout names a payee: a channel that knows no payees still pays
        # the borrower's loans.
        named = {} if to is None else {"payee": to}
        result = svc.channel.payout(payout.payout_id, loan_id, payout.amount, **named)
        payout = replace(
            payout,
            attempts=payout.attempts + 1,
            reference=result.reference or None,
            last_error=result.error or None,
        )
        if result.succeeded:
            return _complete_payout(payout, svc, actor)
        if payout.attempts >= svc.config.payout_attempts:
            return _fail_payout(payout, svc, actor)
        with svc.uow() as uow:
            uow.lending.save_payout(payout, svc.clock.now())
            uow.commit()


def _start_payout(
    loan_id: str,
    key: str,
    svc: Services[DisbursementUnitOfWork],
    actor: str,
    purpose: str | None,
    payee: Payee | None,
) -> PayoutRecord:
    def attempt() -> PayoutRecord:
        with svc.uow() as uow:
            record = lock_loan(uow.lending, loan_id)
            existing = uow.lending.payout_by_key(key)
            if existing is not None:
                if existing.loan_id != loan_id:
                    raise Conflict(f"idempotency key {key!r} was used for another loan")
                return existing
            require_stage(record, LoanStage.PENDING_DISBURSEMENT, "disburse")
            pending = [p for p in uow.lending.payouts_for_loan(loan_id) if p.status == "pending"]
            if pending:
                return pending[0]  # a payout interrupted earlier: carry on with it
            now = svc.clock.now()
            use = state_fund_use(
                uow.funds, uow.applications, record, purpose, payee, svc.config, svc.vault, now
            )
            payout = PayoutRecord(
                payout_id=new_id("po", svc.clock),
                loan_id=loan_id,
                idempotency_key=key,
                amount=record.amount,
                status=PayoutStatus.PENDING,
            )
            uow.lending.save_payout(payout, now)
            payload: dict[str, object] = {
                "payout_id": payout.payout_id,
                "amount_fen": int(payout.amount),
            }
            if use.purpose is not None:
                payload["purpose"] = use.purpose
            if use.entrusted:
                payload["entrusted_payment"] = {
                    "payee": use.payee_name_mask,
                    "account": use.payee_account_mask,
                    "bank": use.payee_bank,
                }
            uow.audit.append(
                at=now,
                actor=actor,
                action="payout.requested",
                subject_type="loan",
                subject_id=loan_id,
                payload=payload,
            )
            uow.commit()
            return payout

    return retrying(svc, attempt)


def _complete_payout(
    payout: PayoutRecord, svc: Services[DisbursementUnitOfWork], actor: str
) -> Disbursement:
    def attempt() -> Disbursement:
        with svc.uow() as uow:
            record = lock_loan(uow.lending, payout.loan_id)
            if record.stage is not LoanStage.PENDING_DISBURSEMENT:
                stored = uow.lending.payout_by_key(payout.idempotency_key) or payout
                return Disbursement(record.loan_id, stored, record.stage)
            today = svc.clock.business_date()
            # The loan as booked, never a product looked up again by its code: the schedule
            # runs from the day the money leaves, rebuilt from the booked terms and fee when
            # that is not the booking day. The whole amount is paid out: a fee deducted from
            # the payout is refused at booking (`refuse_deducted_fee`).
            booked = disburse_booked(record.state, today, record.amount)
            if today != record.booked_on:
                uow.lending.set_instalments(record.loan_id, booked_schedule(booked.state))
            disbursed = next(e for e in booked.events if isinstance(e, Disbursed))
            key = f"loan:{record.loan_id}:disburse"
            ids = lambda: new_id("je", svc.clock)  # noqa: E731
            entries = list(entries_for(record.loan_id, booked.events, key=key, new_entry_id=ids))
            updated = with_state(record, booked.state, svc.config)
            provisioned = provision_to_target(updated, today, key, ids, svc.config)
            entries += provisioned.entries
            now = svc.clock.now()
            request = request_hash({"op": "disburse", "payout_id": payout.payout_id})
            entry_ids = post(uow.journal, entries, request, now)
            done = replace(payout, status=PayoutStatus.SUCCEEDED)
            uow.lending.save_payout(done, now)
            saved = uow.lending.save_loan(replace(provisioned.record, booked_on=today), now)
            record_payout(uow.funds, record, today, disbursed.paid_out, now)
            uow.audit.append(
                at=now,
                actor=actor,
                action="loan.disbursed",
                subject_type="loan",
                subject_id=record.loan_id,
                payload={
                    "payout_id": payout.payout_id,
                    "reference": payout.reference,
                    "attempts": payout.attempts,
                    "principal_fen": int(disbursed.principal),
                    "paid_out_fen": int(disbursed.paid_out),
                    "allowance_fen": int(saved.allowance),
                    "reserve_fen": int(saved.reserve),
                    "rescheduled": today != record.booked_on,
                    "entries": list(entry_ids),
                },
                journal=entry_ids,
            )
            uow.commit()
            return Disbursement(record.loan_id, done, saved.stage)

    return retrying(svc, attempt)


def _fail_payout(
    payout: PayoutRecord, svc: Services[DisbursementUnitOfWork], actor: str
) -> Disbursement:
    def attempt() -> Disbursement:
        with svc.uow() as uow:
            record = lock_loan(uow.lending, payout.loan_id)
            failed = replace(payout, status=PayoutStatus.FAILED)
            now = svc.clock.now()
            uow.lending.save_payout(failed, now)
            saved = uow.lending.save_loan(replace(record, stage=LoanStage.CANCELLED), now)
            if record.line_id is not None:
                release_draw(uow.lending, record.line_id, record.loan_id, now)
            uow.audit.append(
                at=now,
                actor=actor,
                action="loan.disbursement_failed",
                subject_type="loan",
                subject_id=record.loan_id,
                payload={
                    "payout_id": payout.payout_id,
                    "attempts": payout.attempts,
                    "error": payout.last_error,
                    "outcome": "booking reversed; no money moved",
                },
            )
            uow.commit()
            return Disbursement(record.loan_id, failed, saved.stage)

    return retrying(svc, attempt)


__all__ = ["Disbursement", "booked_schedule", "disburse", "disburse_booked", "schedule_from"]
