"""A manual write-off or a restructure, under maker-checker: an officer asks, with the reason, and
an approver other than them approves (the change is made then, in the same transaction) or
rejects it. Until approved the loan does not change.

What is asked is checked when asked, by the same pure rules the change runs (a loan that is not
active, a restructure the rules refuse, a loan with nothing to write off: refused at once), and
again when approved against the loan as it is then (a repayment meanwhile changes the numbers;
what the checker approves is the operation and its terms, run on the loan at approval).

A write-off asked for here ignores the days-past-due threshold (`delinquency.write_off` with no
policy: fraud, death, bankruptcy); end of day's write-off at the configured DPD stays automatic,
by the system actor (`lending.eod_loans`).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from fengkong.access.approvals import (
    ApprovalKind,
    ApprovalRequest,
    check_reason,
    decide,
    get_request,
    open_request,
)
from fengkong.core.actor import Actor, Role
from fengkong.core.errors import FieldError, Invalid
from fengkong.core.ids import new_id
from fengkong.lending.delinquency import write_off
from fengkong.lending.loan_day import written_off
from fengkong.lending.origination import LoanView, loan_view
from fengkong.lending.ports import LoanChangeUnitOfWork
from fengkong.lending.records import LoanRecord, LoanStage
from fengkong.lending.restructuring import apply_restructure, check_terms, restructured
from fengkong.lending.services import (
    Services,
    load_loan,
    lock_loan,
    post,
    request_hash,
    require_stage,
    retrying,
)

WRITE_OFF, RESTRUCTURE = ApprovalKind.LOAN_WRITE_OFF, ApprovalKind.LOAN_RESTRUCTURE


@dataclass(frozen=True, slots=True)
class LoanChangeDone:
    request: ApprovalRequest
    loan: LoanView


def _open(
    uow: LoanChangeUnitOfWork,
    kind: ApprovalKind,
    record: LoanRecord,
    payload: dict[str, Any],
    maker: Actor,
    reason: str,
    svc: Services[LoanChangeUnitOfWork],
) -> ApprovalRequest:
    return open_request(
        uow,
        kind,
        record.loan_id,
        {"revision": record.state.revision, **payload},
        maker=maker,
        clock=svc.clock,
        reason=reason,
    )


def request_write_off(
    loan_id: str, reason: str, maker: Actor, svc: Services[LoanChangeUnitOfWork]
) -> ApprovalRequest:
    """An officer asks for a loan to be written off (核销) now, whatever its days past due,
    with why; `Conflict` if it is not active, has nothing to write off, or a write-off of it is
    pending."""
    maker.require(Role.OFFICER, "request a write-off")
    cleaned = check_reason(reason)
    assert cleaned is not None
    with svc.uow() as uow:
        record = load_loan(uow.lending, loan_id)
        require_stage(record, LoanStage.ACTIVE, "write off")
        gone = write_off(record.state, svc.clock.business_date(), cleaned, None)  # refuses now
        outstanding = int(record.state.outstanding.total)
        request = _open(
            uow,
            WRITE_OFF,
            record,
            {"outstanding_fen": outstanding, "status_after": gone.state.status.value},
            maker,
            cleaned,
            svc,
        )
        uow.commit()
    return request


def request_restructure(
    loan_id: str,
    reason: str,
    maker: Actor,
    svc: Services[LoanChangeUnitOfWork],
    *,
    extra_terms: int | None = None,
    new_terms: int | None = None,
    annual_rate: Decimal | None = None,
) -> ApprovalRequest:
    """An officer asks for 展期 (`extra_terms`) or re-amortisation over `new_terms`, with why;
    refused at once as the change itself would be."""
    maker.require(Role.OFFICER, "request a restructure")
    check_terms(extra_terms, new_terms)
    cleaned = check_reason(reason)
    assert cleaned is not None
    with svc.uow() as uow:
        record = load_loan(uow.lending, loan_id)
        restructured(  # refuses now what the change would refuse
            record,
            cleaned,
            svc.clock.business_date(),
            extra_terms=extra_terms,
            new_terms=new_terms,
            annual_rate=annual_rate,
        )
        payload = {
            "extra_terms": extra_terms,
            "new_terms": new_terms,
            "annual_rate": None if annual_rate is None else str(annual_rate),
        }
        request = _open(uow, RESTRUCTURE, record, payload, maker, cleaned, svc)
        uow.commit()
    return request


def _rate(text: object) -> Decimal | None:
    if text is None:
        return None
    try:
        return Decimal(str(text))
    except InvalidOperation:
        raise Invalid((FieldError(("annual_rate",), "not a number"),)) from None


def _apply_write_off(
    uow: LoanChangeUnitOfWork,
    record: LoanRecord,
    request: ApprovalRequest,
    svc: Services[LoanChangeUnitOfWork],
    names: dict[str, object],
) -> LoanRecord:
    require_stage(record, LoanStage.ACTIVE, "write off")
    assert request.reason is not None
    today = svc.clock.business_date()
    key = f"loan:{record.loan_id}:manual-wo:{record.state.revision}"
    gone, entries = written_off(
        record, today, request.reason, None, key, lambda: new_id("je", svc.clock), svc.config
    )
    now = svc.clock.now()
    posted = post(uow.journal, entries, request_hash({"op": "write_off", "key": key}), now)
    saved = uow.lending.save_loan(gone, now)
    uow.audit.append(
        at=now,
        actor=str(names["checker"]),
        action="loan.written_off",
        subject_type="loan",
        subject_id=record.loan_id,
        payload={
            "reason": request.reason,
            "outstanding_fen": int(record.state.outstanding.total),
            "manual": True,
            **names,
        },
        journal=posted,
    )
    return saved


def approve_loan_change(
    request_id: str, checker: Actor, svc: Services[LoanChangeUnitOfWork]
) -> LoanChangeDone:
    """Approve a pending write-off or restructure (an approver other than who asked) and make
    it on the loan as it is now, audited with both names; `Conflict` if it cannot be made now
    (the request stays pending for the checker to reject)."""

    def attempt() -> LoanChangeDone:
        with svc.uow() as uow:
            kind = get_request(uow, request_id).kind
            request = decide(uow, request_id, kind, checker=checker, approve=True, clock=svc.clock)
            names: dict[str, object] = {
                "request_id": request.id,
                "maker": request.maker,
                "checker": request.checker,
            }
            record = lock_loan(uow.lending, request.subject)
            if kind == WRITE_OFF:
                saved = _apply_write_off(uow, record, request, svc, names)
            elif kind == RESTRUCTURE:
                p = request.payload
                assert request.reason is not None
                saved = apply_restructure(
                    uow,
                    record,
                    request.reason,
                    svc,
                    extra_terms=p.get("extra_terms"),
                    new_terms=p.get("new_terms"),
                    annual_rate=_rate(p.get("annual_rate")),
                    actor=checker.audit_name,
                    **names,
                )
            else:
                raise Invalid((FieldError(("request_id",), f"a {kind.value} request"),))
            uow.commit()
            return LoanChangeDone(request, loan_view(uow.lending, saved, svc.config))

    return retrying(svc, attempt)


def reject_loan_change(
    request_id: str, checker: Actor, reason: str, svc: Services[LoanChangeUnitOfWork]
) -> ApprovalRequest:
    """Refuse a pending write-off or restructure, with why; the loan does not change."""
    with svc.uow() as uow:
        kind = get_request(uow, request_id).kind
        if kind not in (WRITE_OFF, RESTRUCTURE):
            raise Invalid((FieldError(("request_id",), f"a {kind.value} request"),))
        request = decide(
            uow,
            request_id,
            kind,
            checker=checker,
            approve=False,
            clock=svc.clock,
            reason=reason,
        )
        uow.commit()
    return request
