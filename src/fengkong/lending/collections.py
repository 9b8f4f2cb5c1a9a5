"""The collections queue (催收队列): delinquent loans ordered by risk, officers' actions, and
promises to pay.

- End of day opens a case for each active loan at or past `collections_min_dpd`, refreshes its
  DPD, bucket and overdue amount, and closes it once the loan is current again (or closed) and no
  flag (an unmet margin call, say) holds it open.
- Order: worse DPD bucket first; then higher PD (or, with no PD, lower score; cases with neither
  come last in their bucket); then the larger overdue amount; then loan id.
- A promise to pay (承诺还款) is kept once repayments since it was made reach its amount by its
  date, and broken when its date passes short of it. Every change is audited.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from fengkong.core.actor import officer_audit_name
from fengkong.core.errors import FieldError, Invalid, NotFound
from fengkong.core.ids import new_id
from fengkong.core.money import Fen
from fengkong.lending.delinquency import Tier
from fengkong.lending.loan import positive_amount
from fengkong.lending.records import LoanStage
from fengkong.lending.servicing import (
    SYSTEM,
    ServicingServices,
    overdue_amount,
    require_loan,
    require_text,
)
from fengkong.lending.servicing_ports import CollectionsUnitOfWork
from fengkong.lending.servicing_records import (
    CaseStatus,
    CollectionAction,
    CollectionActionKind,
    CollectionCase,
    PromiseStatus,
    PromiseToPay,
)

if TYPE_CHECKING:
    from fengkong.lending.records import LoanRecord

NO_FEN = Fen(0)


def queue_key(case: CollectionCase) -> tuple[Any, ...]:
    if case.pd is not None:
        risk: tuple[int, Decimal] = (0, -case.pd)
    elif case.score is not None:
        risk = (1, Decimal(case.score))
    else:
        risk = (2, Decimal(0))
    return (-case.bucket_rank, risk, -case.overdue, case.loan_id)


def order_queue(cases: Sequence[CollectionCase]) -> tuple[CollectionCase, ...]:
    return tuple(sorted(cases, key=queue_key))


def promise_outcome(promise: PromiseToPay, paid: int, on: date) -> PromiseToPay:
    """The promise as of `on`, given what was repaid since it was made (up to its date)."""
    if promise.status is not PromiseStatus.OPEN:
        return promise
    if paid >= promise.amount:
        return replace(promise, status=PromiseStatus.KEPT, paid=Fen(paid), closed_on=on)
    if on > promise.promised_on:
        return replace(promise, status=PromiseStatus.BROKEN, paid=Fen(paid), closed_on=on)
    return replace(promise, paid=Fen(paid))


# ---- use cases ----------------------------------------------------------------------------------


def collection_queue(
    svc: ServicingServices, *, status: CaseStatus = CaseStatus.OPEN, limit: int = 100
) -> tuple[CollectionCase, ...]:
    with svc.uow() as uow:
        return order_queue(uow.servicing.cases(CaseStatus(status)))[:limit]


@dataclass(frozen=True, slots=True)
class WorkItem:
    """A case of the queue with the last action an officer recorded on it (None before any)."""

    case: CollectionCase
    last_action: CollectionAction | None


def collection_work_list(
    svc: ServicingServices, *, status: CaseStatus = CaseStatus.OPEN, limit: int = 100
) -> tuple[WorkItem, ...]:
    """The queue in its order (`collection_queue`), each case with its last action: the
    officers' work list, read in one unit of work."""
    with svc.uow() as uow:
        cases = order_queue(uow.servicing.cases(CaseStatus(status)))[:limit]
        items = []
        for case in cases:
            actions = uow.servicing.actions_for(case.loan_id)
            items.append(WorkItem(case, actions[-1] if actions else None))
        return tuple(items)


@dataclass(frozen=True, slots=True)
class CaseView:
    case: CollectionCase
    actions: tuple[CollectionAction, ...]
    promises: tuple[PromiseToPay, ...]


def get_case(loan_id: str, svc: ServicingServices) -> CaseView:
    with svc.uow() as uow:
        require_loan(uow, loan_id)
        case: CollectionCase | None = uow.servicing.get_case(loan_id)
        if case is None:
            raise NotFound(f"loan {loan_id!r} has no collections case")
        return CaseView(
            case,
            tuple(uow.servicing.actions_for(loan_id)),
            tuple(uow.servicing.promises_for(loan_id)),
        )


def record_action(
    loan_id: str, kind: str, note: str, officer: str, svc: ServicingServices
) -> CollectionAction:
    try:
        chosen = CollectionActionKind(kind)
    except ValueError:
        allowed = ", ".join(k.value for k in CollectionActionKind)
        raise Invalid((FieldError(("kind",), f"one of {allowed}"),)) from None
    who = require_text(officer, "officer", 80)
    text = require_text(note, "note", 2000)
    with svc.uow() as uow:
        require_loan(uow, loan_id)
        action = CollectionAction(
            new_id("cact", svc.clock), loan_id, chosen, text, who, svc.clock.business_date()
        )
        now = svc.clock.now()
        uow.servicing.add_action(action, now)
        uow.audit.append(
            at=now,
            actor=officer_audit_name(who),
            action="collections.action",
            subject_type="loan",
            subject_id=loan_id,
            payload={"action_id": action.action_id, "kind": chosen.value},
        )
        uow.commit()
        return action


def record_promise(
    loan_id: str, amount: int, promised_on: date, officer: str, svc: ServicingServices
) -> PromiseToPay:
    cash = positive_amount(amount)
    who = require_text(officer, "officer", 80)
    today = svc.clock.business_date()
    if promised_on < today:
        raise Invalid((FieldError(("promised_on",), "a promise is for today or later"),))
    with svc.uow() as uow:
        record = require_loan(uow, loan_id)
        if record.stage is not LoanStage.ACTIVE:
            raise Invalid((FieldError(("loan_id",), f"loan is {record.stage.value}"),))
        promise = PromiseToPay(new_id("ptp", svc.clock), loan_id, cash, promised_on, today, who)
        now = svc.clock.now()
        uow.servicing.add_promise(promise, now)
        uow.audit.append(
            at=now,
            actor=officer_audit_name(who),
            action="collections.promise",
            subject_type="loan",
            subject_id=loan_id,
            payload={
                "promise_id": promise.promise_id,
                "amount_fen": int(cash),
                "promised_on": promised_on.isoformat(),
            },
        )
        uow.commit()
        return promise


def set_flag(
    uow: CollectionsUnitOfWork,
    loan_id: str,
    flag: str,
    on: date,
    raised: bool,
    buckets: Sequence[Tier],
) -> None:
    """Raise (or lower) a flag that keeps a loan in the queue whatever its DPD; the caller audits."""
    case: CollectionCase | None = uow.servicing.get_case(loan_id)
    if case is None:
        if not raised:
            return
        case = _case_for(require_loan(uow, loan_id), on, None, None, buckets)
    flags = (
        tuple(sorted(set(case.flags) | {flag}))
        if raised
        else tuple(f for f in case.flags if f != flag)
    )
    reopened = case.status is CaseStatus.CLOSED and raised
    uow.servicing.save_case(
        replace(
            case,
            flags=flags,
            status=CaseStatus.OPEN if raised else case.status,
            opened_on=on if reopened else case.opened_on,
            closed_on=None if raised else case.closed_on,
            updated_on=on,
        )
    )


def _bucket_rank(bucket: str, buckets: Sequence[Tier]) -> int:
    names = [t.name for t in buckets]
    return names.index(bucket) if bucket in names else 0


def _case_for(
    record: LoanRecord, on: date, score: int | None, pd: Decimal | None, buckets: Sequence[Tier]
) -> CollectionCase:
    return CollectionCase(
        loan_id=record.loan_id,
        status=CaseStatus.OPEN,
        opened_on=on,
        days_past_due=record.days_past_due,
        bucket=record.bucket,
        bucket_rank=_bucket_rank(record.bucket, buckets),
        overdue=overdue_amount(record.state, on),
        updated_on=on,
        score=score,
        pd=pd,
    )


def collections_step(day: date, svc: ServicingServices) -> Mapping[str, int]:
    """Settle promises due, then open, refresh and close cases."""
    counts = {"cases_opened": 0, "cases_closed": 0, "promises_kept": 0, "promises_broken": 0}
    buckets = svc.lending.config.buckets
    with svc.uow() as uow:
        now = svc.clock.now()
        for promise in uow.servicing.open_promises():
            paid = uow.servicing.repaid_between(
                promise.loan_id, promise.made_on, min(day, promise.promised_on)
            )
            after = promise_outcome(promise, paid, day)
            if after == promise:
                continue
            uow.servicing.save_promise(after)
            if after.status is not PromiseStatus.OPEN:
                counts[f"promises_{after.status.value}"] += 1
                uow.audit.append(
                    at=now,
                    actor=SYSTEM,
                    action=f"collections.promise_{after.status.value}",
                    subject_type="loan",
                    subject_id=promise.loan_id,
                    payload={
                        "promise_id": promise.promise_id,
                        "amount_fen": int(promise.amount),
                        "paid_fen": int(after.paid),
                        "business_date": day.isoformat(),
                    },
                )
        delinquent = uow.servicing.delinquent_loans(svc.config.collections_min_dpd)
        seen: set[str] = set()
        for loan_id, score, pd in delinquent:
            record = uow.lending.get_loan(loan_id)
            if record is None:
                continue
            seen.add(loan_id)
            fresh = _case_for(record, day, score, pd, buckets)
            case: CollectionCase | None = uow.servicing.get_case(loan_id)
            if case is not None and case.status is CaseStatus.OPEN:
                fresh = replace(fresh, opened_on=case.opened_on, flags=case.flags)
            else:
                counts["cases_opened"] += 1
                uow.audit.append(
                    at=now,
                    actor=SYSTEM,
                    action="collections.case_opened",
                    subject_type="loan",
                    subject_id=loan_id,
                    payload={
                        "business_date": day.isoformat(),
                        "days_past_due": fresh.days_past_due,
                        "bucket": fresh.bucket,
                        "overdue_fen": int(fresh.overdue),
                    },
                )
                if case is not None:
                    fresh = replace(fresh, flags=case.flags)
            uow.servicing.save_case(fresh)
        for case in uow.servicing.cases(CaseStatus.OPEN):
            if case.loan_id in seen:
                continue
            record = uow.lending.get_loan(case.loan_id)
            active = record is not None and record.stage is LoanStage.ACTIVE
            if case.flags and active:
                assert record is not None
                uow.servicing.save_case(
                    replace(
                        _case_for(record, day, case.score, case.pd, buckets),
                        opened_on=case.opened_on,
                        flags=case.flags,
                    )
                )
                continue
            uow.servicing.save_case(replace(case, status=CaseStatus.CLOSED, closed_on=day))
            counts["cases_closed"] += 1
            uow.audit.append(
                at=now,
                actor=SYSTEM,
                action="collections.case_closed",
                subject_type="loan",
                subject_id=case.loan_id,
                payload={
                    "business_date": day.isoformat(),
                    "loan_stage": None if record is None else record.stage.value,
                },
            )
        uow.commit()
    return counts
