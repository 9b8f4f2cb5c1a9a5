"""Credit lines (授信额度) as use cases: open a line, on an approved application or not
(`open_line`); draw on it (`draw`, 支用: each draw is booked as its own loan on its own schedule,
then paid out); freeze, unfreeze, reduce, re-limit or close it (`change_line`); reverse a
rule's disputed action for an officer (`reinstate_line`); read it (`get_line`). The line's rules themselves are `lending.line`'s pure functions.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from decimal import Decimal

from fengkong.core.actor import officer_audit_name
from fengkong.core.errors import Conflict, FieldError, Invalid, NotFound
from fengkong.core.ids import new_id
from fengkong.core.money import CURRENCY, Fen, format_fen
from fengkong.lending.approval import settled
from fengkong.lending.disbursement import Disbursement, disburse
from fengkong.lending.errors import NotApproved, SecuredOfferNotForLines
from fengkong.lending.funds import seal_fund_use
from fengkong.lending.line import CreditLine
from fengkong.lending.line import close as close_line_state
from fengkong.lending.line import draw as draw_line
from fengkong.lending.line import freeze as freeze_line_state
from fengkong.lending.line import open_line as open_line_state
from fengkong.lending.line import reduce as reduce_line_state
from fengkong.lending.line import relimit as relimit_line_state
from fengkong.lending.line import unfreeze as unfreeze_line_state
from fengkong.lending.line_reinstate import reinstate, rule_batch
from fengkong.lending.loan import positive_amount
from fengkong.lending.origination import LoanView, loan_view
from fengkong.lending.ports import DrawUnitOfWork, LineUnitOfWork
from fengkong.lending.posting import refuse_deducted_fee
from fengkong.lending.product import ProductKind
from fengkong.lending.provisioning import with_state
from fengkong.lending.records import DrawRecord, LineRecord, LoanRecord, LoanStage
from fengkong.lending.secured_offer import SECURED
from fengkong.lending.services import (
    SYSTEM,
    Services,
    check_currency,
    check_key,
    load_line,
    load_loan,
    lock_line,
    request_hash,
    retrying,
)
from fengkong.lending.use_of_funds import Payee, check_fund_use


def get_line(line_id: str, svc: Services[LineUnitOfWork]) -> CreditLine:
    with svc.uow() as uow:
        return load_line(uow.lending, line_id).line


def open_line(
    limit: int,
    annual_rate: Decimal,
    idempotency_key: str,
    svc: Services[LineUnitOfWork],
    *,
    product_code: str | None = None,
    application_id: str | None = None,
    actor: str = SYSTEM,
) -> CreditLine:
    """Open a line; with `application_id`, on that approved application, whose applicant is then
    the line's borrower, for a limit up to the approved amount."""
    key = check_key(idempotency_key)
    code = product_code or next(
        (p.code for p in svc.config.products if p.kind is ProductKind.REVOLVING_LINE), ""
    )
    product = svc.config.product(code)
    document: dict[str, object] = {
        "op": "open_line",
        "limit": limit,
        "rate": str(annual_rate),
        "product": code,
    }
    if application_id is not None:
        document["application_id"] = application_id
    hashed = request_hash(document)

    def attempt() -> CreditLine:
        with svc.uow() as uow:
            existing = uow.lending.line_by_key(key)
            if existing is not None:
                if existing.request_hash != hashed:
                    raise Conflict(f"idempotency key {key!r} was already used differently")
                return existing.line
            if application_id is not None:
                _check_line_application(uow, application_id, limit)
            line = open_line_state(
                new_id("line", svc.clock), product, limit, annual_rate, svc.clock.business_date()
            )
            now = svc.clock.now()
            uow.lending.add_line(LineRecord(line, key, hashed, application_id=application_id), now)
            payload: dict[str, object] = {
                "limit_fen": int(line.limit),
                "annual_rate": str(annual_rate),
            }
            if application_id is not None:
                payload["application_id"] = application_id
            uow.audit.append(
                at=now,
                actor=actor,
                action="line.opened",
                subject_type="credit_line",
                subject_id=line.line_id,
                payload=payload,
            )
            uow.commit()
            return line

    return retrying(svc, attempt)


def _check_line_application(uow: LineUnitOfWork, application_id: str, limit: int) -> None:
    application = uow.applications.get(application_id)
    automatic = uow.decisions.for_application(application_id)
    if application is None or automatic is None:
        raise NotFound(f"no application {application_id!r}")
    decision = settled(automatic, uow.officer_decisions)
    if decision.outcome == SECURED:
        raise SecuredOfferNotForLines(application_id)
    if decision.outcome != "approve" or decision.approved_amount is None:
        raise NotApproved(f"application {application_id} was not approved ({decision.outcome})")
    if limit > decision.approved_amount:
        raise Invalid(
            (
                FieldError(
                    ("limit",),
                    f"above the approved amount {format_fen(Fen(decision.approved_amount))} "
                    f"of application {application_id}",
                ),
            )
        )


@dataclass(frozen=True, slots=True)
class DrawResult:
    line: CreditLine
    loan: LoanView
    disbursement: Disbursement


def draw(
    line_id: str,
    amount: int,
    terms: int,
    idempotency_key: str,
    svc: Services[DrawUnitOfWork],
    *,
    currency: str = CURRENCY,
    actor: str = SYSTEM,
    purpose: str | None = None,
    payee: Payee | None = None,
) -> DrawResult:
    """支用: book the draw as its own loan on its own schedule, then pay it out.

    The draw states its `purpose`, one of the line's product's (`use_of_funds`); when the
    product requires entrusted payment for the amount, the `payee` is required and the money
    goes to them (受托支付). Both are stored with the draw, the payee sealed."""
    key = check_key(idempotency_key)
    check_currency(currency)
    cash = positive_amount(amount)
    document: dict[str, object] = {
        "op": "draw",
        "line_id": line_id,
        "amount": cash,
        "terms": terms,
    }
    # Only when stated, so a draw's key keeps its hash from before purposes were stated.
    if purpose is not None:
        document["purpose"] = purpose
    if payee is not None:
        document["payee"] = [payee.name, payee.account, payee.bank]
    hashed = request_hash(document)

    def attempt() -> str:
        with svc.uow() as uow:
            # The line first, locked: draws on it wait their turn, and a concurrent retry with
            # this key has committed its draw (seen below) or not begun.
            line_record = lock_line(uow.lending, line_id)
            existing = uow.lending.draw_by_key(key)
            if existing is not None:
                if existing.request_hash != hashed:
                    raise Conflict(f"idempotency key {key!r} was already used differently")
                return existing.loan_id
            product = line_record.line.product
            refuse_deducted_fee(product)
            stated = check_fund_use(product.use_of_funds, cash, purpose, payee)
            today = svc.clock.business_date()
            loan_id = new_id("loan", svc.clock)
            score = uow.lending.behaviour_score_of_line(line_id)
            rate = svc.config.draw_rate(line_record.line, None if score is None else score.score)
            drawn = draw_line(line_record.line, cash, terms, today, loan_id, annual_rate=rate)
            state = drawn.loan.state
            record = replace(
                with_state(
                    LoanRecord(loan_id, state, LoanStage.ACTIVE, today, cash, line_id=line_id),
                    state,
                    svc.config,
                ),
                stage=LoanStage.PENDING_DISBURSEMENT,
            )
            now = svc.clock.now()
            uow.lending.add_loan(record, now)
            uow.lending.set_instalments(loan_id, [p.instalment for p in state.positions])
            uow.lending.save_line(replace(line_record, line=drawn.line), now)
            uow.lending.add_draw(DrawRecord(loan_id, line_id, key, hashed, cash, terms, today), now)
            use = seal_fund_use(loan_id, line_id, stated, product.use_of_funds, svc.vault)
            uow.funds.add_fund_use(use, now)
            uow.audit.append(
                at=now,
                actor=actor,
                action="line.drawn",
                subject_type="credit_line",
                subject_id=line_id,
                payload={
                    "loan_id": loan_id,
                    "amount_fen": int(cash),
                    "terms": terms,
                    "annual_rate": str(rate),
                    "purpose": use.purpose,
                    "entrusted_payment": use.entrusted,
                    # what priced it, for replay: the borrower's latest behaviour score
                    "behaviour_score": None
                    if score is None
                    else {
                        "score": score.score,
                        "business_date": score.business_date.isoformat(),
                        "model_version": score.model_version,
                    },
                },
            )
            uow.commit()
            return loan_id

    loan_id = retrying(svc, attempt)
    paid = disburse(loan_id, f"draw:{key}", svc, actor)
    with svc.uow() as uow:
        lending = uow.lending
        view = loan_view(lending, load_loan(lending, loan_id), svc.config)
        return DrawResult(load_line(lending, line_id).line, view, paid)


def change_line(
    line_id: str,
    action: str,
    reason: str,
    svc: Services[LineUnitOfWork],
    *,
    officer: str = "",
    new_limit: int | None = None,
    actor: str = SYSTEM,
) -> CreditLine:
    """freeze, unfreeze (officers only: the appeal path), reduce, limit (lower or, by an officer,
    raise) or close a line."""
    today = svc.clock.business_date()

    def apply(line: CreditLine) -> CreditLine:
        if action == "freeze":
            return freeze_line_state(line, reason, today, officer)
        if action == "unfreeze":
            return unfreeze_line_state(line, reason, officer, today)
        if action == "reduce":
            if new_limit is None:
                raise Invalid((FieldError(("new_limit",), "required to reduce a line"),))
            return reduce_line_state(line, new_limit, reason, today, officer)
        if action == "limit":
            if new_limit is None:
                raise Invalid((FieldError(("new_limit",), "required to change a limit"),))
            return relimit_line_state(line, new_limit, reason, today, officer)
        if action == "close":
            return close_line_state(line, reason, today, officer)
        raise Invalid((FieldError(("action",), "one of freeze, unfreeze, reduce, limit, close"),))

    def attempt() -> CreditLine:
        with svc.uow() as uow:
            record = lock_line(uow.lending, line_id)
            changed = apply(record.line)
            now = svc.clock.now()
            uow.lending.save_line(replace(record, line=changed), now)
            uow.audit.append(
                at=now,
                actor=actor if not officer else officer_audit_name(officer),
                action=f"line.{action}",
                subject_type="credit_line",
                subject_id=line_id,
                payload={
                    "reason": reason,
                    "limit_before_fen": int(record.line.limit),
                    "limit_after_fen": int(changed.limit),
                    "status": changed.status.value,
                },
            )
            uow.commit()
            return changed

    return retrying(svc, attempt)


def reinstate_line(
    line_id: str,
    reason: str,
    svc: Services[LineUnitOfWork],
    *,
    officer: str,
    acknowledge_blacklist: bool = False,
    actor: str = SYSTEM,
) -> CreditLine:
    """复核恢复: an officer reverses the line's latest automatic action on the borrower's dispute
    (`line_reinstate.reinstate`: a freeze lifted, a reduction restored, a rule's close reopened;
    a black-list action only with `acknowledge_blacklist`). The rules that fired stay quiet on
    the line for `LineRules.reinstate_cooldown_days`. Audited as `line.reinstated`."""
    today = svc.clock.business_date()

    def attempt() -> CreditLine:
        with svc.uow() as uow:
            record = lock_line(uow.lending, line_id)
            batch = rule_batch(record.line)
            changed = reinstate(
                record.line, reason, officer, today, acknowledge_blacklist=acknowledge_blacklist
            )
            now = svc.clock.now()
            uow.lending.save_line(replace(record, line=changed), now)
            uow.audit.append(
                at=now,
                actor=officer_audit_name(officer.strip()),
                action="line.reinstated",
                subject_type="credit_line",
                subject_id=line_id,
                payload={
                    "reason": reason.strip(),
                    "reversed": [
                        {"on": c.on.isoformat(), "kind": c.kind.value, "reason": c.reason}
                        for c in batch
                    ],
                    "limit_before_fen": int(record.line.limit),
                    "limit_after_fen": int(changed.limit),
                    "status": changed.status.value,
                    "acknowledge_blacklist": acknowledge_blacklist,
                    "cooldown_days": svc.config.line_rules.reinstate_cooldown_days,
                    "requested_by": actor,
                    "notify": "borrower",
                },
            )
            uow.commit()
            return changed

    return retrying(svc, attempt)


__all__ = ["DrawResult", "change_line", "draw", "get_line", "open_line", "reinstate_line"]
