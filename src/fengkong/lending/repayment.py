"""Repayment (还款): cash applied by the waterfall (`post_repayment`), early settlement at the
quoted amount (`settle_loan`, 提前结清), and the reversal of the latest repayment
(`reverse_repayment`, 冲正). Each is one unit of work: the loan's new state, its journal entries,
the repayment row (whose unique key is the request's idempotency) and the audit record commit
together; a draw's line is brought in step in the same transaction.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import date
from typing import Any

from fengkong.core.errors import Conflict, FieldError, Invalid, NotFound
from fengkong.core.ids import new_id
from fengkong.core.money import CURRENCY, Fen
from fengkong.ledger.journal import JournalEntry
from fengkong.lending.config import LendingConfig
from fengkong.lending.errors import LoanNotFound, PaymentExceedsAmountDue
from fengkong.lending.loan import RepaymentApplied, positive_amount
from fengkong.lending.ports import LoanFileUnitOfWork, RepaymentUnitOfWork
from fengkong.lending.posting import entries_for
from fengkong.lending.provisioning import provision_to_target, with_state
from fengkong.lending.records import LoanRecord, LoanStage, RepaymentKind, RepaymentRecord
from fengkong.lending.services import (
    SYSTEM,
    Services,
    check_currency,
    check_key,
    load_loan,
    post,
    request_hash,
    require_stage,
    retrying,
    sync_line,
)
from fengkong.lending.waterfall import SettlementQuote, apply_repayment, settle, settlement_quote
from fengkong.lending.waterfall import reverse_repayment as reverse_repayment_state


@dataclass(frozen=True, slots=True)
class RepaymentPosted:
    repayment_id: str
    loan_id: str
    amount: Fen
    kind: RepaymentKind
    business_date: date
    status: str
    allocated: Mapping[str, int]  # by component
    to_credit: Fen
    loan_stage: LoanStage
    replayed: bool = False

    def as_dict(self) -> dict[str, Any]:
        return {
            "repayment_id": self.repayment_id,
            "loan_id": self.loan_id,
            "amount_fen": int(self.amount),
            "kind": self.kind.value,
            "business_date": self.business_date.isoformat(),
            "status": self.status,
            "allocated": dict(self.allocated),
            "to_credit_fen": int(self.to_credit),
            "loan_stage": self.loan_stage.value,
        }

    @classmethod
    def of(cls, record: RepaymentRecord, replayed: bool) -> RepaymentPosted:
        r = record.result
        return cls(
            repayment_id=record.repayment_id,
            loan_id=record.loan_id,
            amount=record.amount,
            kind=record.kind,
            business_date=record.business_date,
            status=record.status,
            allocated=dict(r["allocated"]),
            to_credit=Fen(r["to_credit_fen"]),
            loan_stage=LoanStage(r["loan_stage"]),
            replayed=replayed,
        )


def _replayed(existing: RepaymentRecord, key: str, hashed: str) -> RepaymentPosted:
    if existing.request_hash != hashed:
        raise Conflict(f"idempotency key {key!r} was already used for a different request")
    return RepaymentPosted.of(existing, replayed=True)


def post_repayment(
    loan_id: str,
    amount: int,
    idempotency_key: str,
    svc: Services[RepaymentUnitOfWork],
    *,
    currency: str = CURRENCY,
    actor: str = SYSTEM,
) -> RepaymentPosted:
    """Apply cash received today by the waterfall; the excess is held as unapplied credit."""
    return _take_payment(
        loan_id, amount, idempotency_key, svc, RepaymentKind.REPAYMENT, currency, actor
    )


def settle_loan(
    loan_id: str,
    amount: int,
    idempotency_key: str,
    svc: Services[RepaymentUnitOfWork],
    *,
    currency: str = CURRENCY,
    actor: str = SYSTEM,
) -> RepaymentPosted:
    """提前结清 at `settlement_quote`'s payable amount (or more: the excess stays as credit)."""
    return _take_payment(
        loan_id, amount, idempotency_key, svc, RepaymentKind.SETTLEMENT, currency, actor
    )


def _refuse_beyond_due(amount: int, record: LoanRecord, today: date, config: LendingConfig) -> None:
    """Refuse a payment above the configured largest one, or above what settles the loan today
    plus the overpayment allowance: money that large is a typo or an attack, not a payment, and
    would otherwise sit on the loan as unapplied credit."""
    if amount > config.max_payment:
        raise PaymentExceedsAmountDue(
            (
                FieldError(
                    ("amount",),
                    f"at most {config.max_payment} fen in one payment: {amount}",
                    "payment_exceeds_amount_due",
                ),
            )
        )
    due = settlement_quote(record.state, today, config.settlement).payable
    ceiling = due + config.overpayment_allowance
    if amount > ceiling:
        raise PaymentExceedsAmountDue(
            (
                FieldError(
                    ("amount",),
                    f"{amount} fen is more than the {due} fen that settle the loan today"
                    + (
                        f" plus the {config.overpayment_allowance} fen allowed over it"
                        if config.overpayment_allowance
                        else ""
                    ),
                    "payment_exceeds_amount_due",
                ),
            )
        )


def _take_payment(
    loan_id: str,
    amount: int,
    idempotency_key: str,
    svc: Services[RepaymentUnitOfWork],
    kind: RepaymentKind,
    currency: str,
    actor: str,
) -> RepaymentPosted:
    key = check_key(idempotency_key)
    check_currency(currency)
    if kind is RepaymentKind.REPAYMENT:
        positive_amount(amount)
    elif isinstance(amount, bool) or not isinstance(amount, int) or amount < 0:
        raise Invalid((FieldError(("amount",), f"must be fen ≥ 0: {amount!r}"),))
    hashed = request_hash(
        {"op": kind.value, "loan_id": loan_id, "amount": amount, "currency": currency}
    )

    def attempt() -> RepaymentPosted:
        with svc.uow() as uow:
            # Reads in one round trip and writes in another (see `record_repayment`): the
            # journal entries' keys derive from the new repayment id, so they are fresh, and the
            # request's idempotency is the repayment row's unique key, checked here first, once
            # the loan is locked (a concurrent retry with this key has committed or not begun).
            existing, record = uow.lending.repayment_and_loan(key, loan_id)
            if existing is not None:
                return _replayed(existing, key, hashed)
            if record is None:
                raise LoanNotFound(f"no loan {loan_id!r}")
            require_stage(record, LoanStage.ACTIVE, f"take a {kind.value}")
            today = svc.clock.business_date()
            _refuse_beyond_due(amount, record, today, svc.config)
            repayment_id = new_id("rp", svc.clock)
            if kind is RepaymentKind.REPAYMENT:
                moved = apply_repayment(
                    record.state, amount, today, repayment_id, svc.config.waterfall
                )
            else:
                moved = settle(
                    record.state,
                    amount,
                    today,
                    repayment_id,
                    svc.config.settlement,
                    svc.config.waterfall,
                )
            own = moved.state.repayments[-1].events
            before = moved.events[: len(moved.events) - len(own)]
            ids = lambda: new_id("je", svc.clock)  # noqa: E731
            prefix = f"loan:{loan_id}:rp:{repayment_id}"
            accrued = entries_for(loan_id, before, key=f"{prefix}:pre", new_entry_id=ids)
            paid = entries_for(loan_id, own, key=prefix, new_entry_id=ids)
            updated = with_state(record, moved.state, svc.config)
            extra: tuple[JournalEntry, ...] = ()
            if updated.stage is not LoanStage.ACTIVE:
                provisioned = provision_to_target(updated, today, prefix, ids, svc.config)
                updated, extra = provisioned.record, provisioned.entries
            now = svc.clock.now()
            allocated: dict[str, int] = {}
            to_credit = 0
            for event in own:
                if not isinstance(event, RepaymentApplied):
                    continue
                parts = event.allocation.by_component()
                for name in ("penalty", "fee", "interest", "principal"):
                    allocated[name] = allocated.get(name, 0) + int(getattr(parts, name))
                to_credit += int(event.allocation.to_credit)
            result = RepaymentPosted(
                repayment_id,
                loan_id,
                Fen(amount),
                kind,
                today,
                "applied",
                allocated,
                Fen(to_credit),
                updated.stage,
            )
            stored = RepaymentRecord(
                repayment_id=repayment_id,
                loan_id=loan_id,
                idempotency_key=key,
                request_hash=hashed,
                kind=kind,
                amount=Fen(amount),
                business_date=today,
                status="applied",
                entry_ids=tuple(e.entry_id for e in (*paid, *extra)),
                result=result.as_dict(),
            )
            saved = uow.lending.record_repayment(
                (*accrued, *paid, *extra), hashed, updated, stored, now
            )
            if record.line_id is not None:
                sync_line(uow.lending, record.line_id, saved.state, now)
            uow.audit.append(
                at=now,
                actor=actor,
                action=f"loan.{kind.value}_posted",
                subject_type="loan",
                subject_id=loan_id,
                payload={**stored.result, "idempotency_key": key},
                journal=[e.entry_id for e in (*accrued, *paid, *extra)],
            )
            uow.commit()
            return result

    return retrying(svc, attempt)


def reverse_repayment(
    loan_id: str,
    repayment_id: str,
    idempotency_key: str,
    reason: str,
    svc: Services[RepaymentUnitOfWork],
    *,
    actor: str = SYSTEM,
) -> RepaymentPosted:
    """冲正 the latest repayment: its entries are reversed, its effect on the loan undone, and
    penalty or fees it had avoided are charged after all."""
    key = check_key(idempotency_key)
    if not isinstance(reason, str) or not reason.strip():
        raise Invalid((FieldError(("reason",), "a reversal needs a reason"),))
    hashed = request_hash({"op": "reversal", "loan_id": loan_id, "repayment_id": repayment_id})

    def attempt() -> RepaymentPosted:
        with svc.uow() as uow:
            # The loan first, locked: the repayment read after it is as the last writer left it.
            locked = uow.lending.lock_loan(loan_id)
            stored = uow.lending.get_repayment(repayment_id)
            if locked is None or stored is None or stored.loan_id != loan_id:
                raise NotFound(f"loan {loan_id!r} has no repayment {repayment_id!r}")
            if stored.status == "reversed":
                if stored.reversal_key == key and stored.reversal_request_hash == hashed:
                    return RepaymentPosted.of(stored, replayed=True)
                raise Conflict(f"repayment {repayment_id} is already reversed")
            record = locked
            today = svc.clock.business_date()
            moved = reverse_repayment_state(record.state, repayment_id, today)
            originals = [uow.journal.get(entry_id) for entry_id in stored.entry_ids]
            money = [e for e in originals if e is not None and e.kind.value != "provision"]
            money = [e for e in money if e.kind.value != "reserve"]
            ids = lambda: new_id("je", svc.clock)  # noqa: E731
            prefix = f"loan:{loan_id}:rv:{repayment_id}"
            entries = list(
                entries_for(
                    loan_id, moved.events, key=prefix, new_entry_id=ids, reversed_entries=money
                )
            )
            updated = with_state(record, moved.state, svc.config)
            if record.stage is not LoanStage.ACTIVE:  # the repayment had closed the loan
                provisioned = provision_to_target(updated, today, prefix, ids, svc.config)
                updated = provisioned.record
                entries += provisioned.entries
            now = svc.clock.now()
            posted = post(uow.journal, entries, hashed, now)
            saved = uow.lending.save_loan(updated, now)
            if record.line_id is not None:
                sync_line(uow.lending, record.line_id, saved.state, now)
            reversed_record = replace(
                stored,
                status="reversed",
                reversal_key=key,
                reversal_request_hash=hashed,
                result={**stored.result, "status": "reversed", "loan_stage": saved.stage.value},
            )
            uow.lending.save_repayment(reversed_record)
            uow.audit.append(
                at=now,
                actor=actor,
                action="loan.repayment_reversed",
                subject_type="loan",
                subject_id=loan_id,
                payload={
                    "repayment_id": repayment_id,
                    "reason": reason.strip(),
                    "entries": [e.entry_id for e in entries],
                },
                journal=posted,
            )
            uow.commit()
            return RepaymentPosted.of(reversed_record, replayed=False)

    return retrying(svc, attempt)


def quote_settlement(loan_id: str, svc: Services[LoanFileUnitOfWork]) -> SettlementQuote:
    with svc.uow() as uow:
        record = load_loan(uow.lending, loan_id)
    require_stage(record, LoanStage.ACTIVE, "quote a settlement")
    return settlement_quote(record.state, svc.clock.business_date(), svc.config.settlement)


__all__ = [
    "RepaymentPosted",
    "post_repayment",
    "quote_settlement",
    "reverse_repayment",
    "settle_loan",
]
