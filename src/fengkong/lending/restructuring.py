"""Restructuring a running loan (`restructure`): 展期 by extra terms, or re-amortisation over a
new number of terms, by the pure rules of `lending.restructure`, with the reason recorded in the
loan's state and its audit record."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from fengkong.core.errors import FieldError, Invalid
from fengkong.core.ids import new_id
from fengkong.lending.loan import Transition
from fengkong.lending.origination import LoanView, loan_view
from fengkong.lending.ports import RepaymentUnitOfWork
from fengkong.lending.posting import entries_for
from fengkong.lending.provisioning import with_state
from fengkong.lending.records import LoanRecord, LoanStage
from fengkong.lending.restructure import extend_term, reamortise
from fengkong.lending.services import (
    SYSTEM,
    Services,
    lock_loan,
    post,
    request_hash,
    require_stage,
    retrying,
)


def restructure(
    loan_id: str,
    reason: str,
    svc: Services[RepaymentUnitOfWork],
    *,
    extra_terms: int | None = None,
    new_terms: int | None = None,
    annual_rate: Decimal | None = None,
    actor: str = SYSTEM,
) -> LoanView:
    """展期 (`extra_terms`) or re-amortisation over `new_terms`, with the reason recorded, at
    once. A person asks for it through `loan_changes.request_restructure`, which an approver
    approves; this is the change itself."""
    check_terms(extra_terms, new_terms)

    def attempt() -> LoanView:
        with svc.uow() as uow:
            record = lock_loan(uow.lending, loan_id)
            saved = apply_restructure(
                uow,
                record,
                reason,
                svc,
                extra_terms=extra_terms,
                new_terms=new_terms,
                annual_rate=annual_rate,
                actor=actor,
            )
            uow.commit()
            return loan_view(uow.lending, saved, svc.config)

    return retrying(svc, attempt)


def check_terms(extra_terms: int | None, new_terms: int | None) -> None:
    if (extra_terms is None) == (new_terms is None):
        raise Invalid((FieldError(("extra_terms",), "give extra_terms or new_terms, not both"),))


def restructured(
    record: LoanRecord,
    reason: str,
    today: date,
    *,
    extra_terms: int | None,
    new_terms: int | None,
    annual_rate: Decimal | None,
) -> Transition:
    """The loan's state restructured on `today` (pure: refuses what the rules refuse)."""
    require_stage(record, LoanStage.ACTIVE, "restructure")
    if extra_terms is not None:
        return extend_term(record.state, today, extra_terms, reason)
    assert new_terms is not None
    return reamortise(record.state, today, new_terms, reason, annual_rate=annual_rate)


def apply_restructure(
    uow: RepaymentUnitOfWork,
    record: LoanRecord,
    reason: str,
    svc: Services[RepaymentUnitOfWork],
    *,
    extra_terms: int | None,
    new_terms: int | None,
    annual_rate: Decimal | None,
    actor: str,
    **audit: object,
) -> LoanRecord:
    """Restructure `record` in the caller's unit of work: post, save and audit (`audit` adds to
    the record: who asked and who approved)."""
    loan_id = record.loan_id
    moved = restructured(
        record,
        reason,
        svc.clock.business_date(),
        extra_terms=extra_terms,
        new_terms=new_terms,
        annual_rate=annual_rate,
    )
    ids = lambda: new_id("je", svc.clock)  # noqa: E731
    key = f"loan:{loan_id}:rs:{moved.state.revision}"
    entries = entries_for(loan_id, moved.events, key=key, new_entry_id=ids)
    now = svc.clock.now()
    posted = post(uow.journal, entries, request_hash({"op": "restructure", "key": key}), now)
    saved = uow.lending.save_loan(with_state(record, moved.state, svc.config), now)
    uow.lending.set_instalments(loan_id, [p.instalment for p in moved.state.positions])
    done = moved.state.restructurings[-1]
    uow.audit.append(
        at=now,
        actor=actor,
        action="loan.restructured",
        subject_type="loan",
        subject_id=loan_id,
        payload={
            "kind": done.kind.value,
            "reason": done.reason,
            "outstanding_principal_fen": int(done.outstanding_principal),
            "old_terms": done.old_terms,
            "new_terms": done.new_terms,
            "annual_rate": str(done.annual_rate),
            **audit,
        },
        journal=posted,
    )
    return saved


__all__ = ["apply_restructure", "check_terms", "restructure", "restructured"]
