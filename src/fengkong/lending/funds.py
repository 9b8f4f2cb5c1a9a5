"""Use of funds as use cases: the purpose and payee stored with a draw or loan (sealed by the
vault), the payee a payout instruction names, the payout recorded (`record_payout`), receipts
attached and read (`attach_receipt`, `fund_use_view`). The rules are `lending.use_of_funds`'s;
the line rule that freezes on missing receipts is `lending.receipts_trigger`.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta

from fengkong.core.errors import Conflict, NotFound, Unavailable
from fengkong.core.ids import new_id
from fengkong.core.money import Fen
from fengkong.lending.config import LendingConfig
from fengkong.lending.line_reinstate import reinstate as reinstate_state
from fengkong.lending.line_reinstate import rule_batch
from fengkong.lending.loan import LoanState
from fengkong.lending.ports import ApplicationReader, FundsUnitOfWork, FundUseStore
from fengkong.lending.records import LoanRecord
from fengkong.lending.services import (
    SYSTEM,
    Services,
    load_loan,
    lock_line,
    lock_loan,
    retrying,
)
from fengkong.lending.use_of_funds import (
    APPLICATION_PURPOSES,
    DEFAULT_USE_OF_FUNDS,
    Coverage,
    FundUse,
    FundUseRequest,
    Payee,
    Receipt,
    UseOfFundsRules,
    check_fund_use,
    check_receipt,
    coverage,
    normal_name,
)
from fengkong.onboarding.application import PersonalDataVault
from fengkong.onboarding.masking import mask_bank_card, mask_name

RECEIPTS_MISSING = "RECEIPTS_MISSING"  # the reason code of the line rule's freeze
AUTO_REINSTATER = "system:receipts"  # who lifts that freeze when the product says so


def rules_of(state: LoanState, config: LendingConfig) -> UseOfFundsRules:
    """The use-of-funds rules of the product a loan was booked under (the catalogue holds each
    `code@version` once); the default for a loan of no known product."""
    try:
        product = config.product(state.terms.product_code, state.terms.product_version or None)
    except NotFound:
        return DEFAULT_USE_OF_FUNDS
    return product.use_of_funds


def _vault(vault: PersonalDataVault | None) -> PersonalDataVault:
    if vault is None:
        raise Unavailable("no personal-data vault is wired to seal the payee's details")
    return vault


def seal_fund_use(
    loan_id: str,
    line_id: str | None,
    request: FundUseRequest,
    rules: UseOfFundsRules,
    vault: PersonalDataVault | None,
) -> FundUse:
    """The stored form of a checked purpose and payee: the payee's name and account as vault
    tokens with masks, the name's blind index for matching receipts."""
    use = FundUse(
        loan_id=loan_id,
        line_id=line_id,
        purpose=request.purpose,
        entrusted=request.entrusted,
        receipts_required=rules.receipts_required,
        receipts_within_days=rules.receipts_within_days,
    )
    payee = request.payee
    if payee is None:
        return use
    sealer = _vault(vault)
    return replace(
        use,
        payee_name_enc=sealer.encrypt("payee_name", payee.name),
        payee_name_bidx=sealer.blind_index("payee_name", normal_name(payee.name)),
        payee_name_mask=mask_name(payee.name),
        payee_account_enc=sealer.encrypt("payee_account", payee.account),
        payee_account_mask=mask_bank_card(payee.account),
        payee_bank=payee.bank,
    )


def payee_of(use: FundUse | None, vault: PersonalDataVault | None) -> Payee | None:
    """The payee a payout instruction names, in clear for the channel only; None when the
    borrower is paid."""
    if use is None or not use.entrusted or use.payee_account_enc is None:
        return None
    sealer = _vault(vault)
    return Payee(
        sealer.decrypt("payee_name", use.payee_name_enc or ""),
        sealer.decrypt("payee_account", use.payee_account_enc),
        use.payee_bank or "",
    )


def state_fund_use(
    funds: FundUseStore,
    applications: ApplicationReader,
    record: LoanRecord,
    purpose: str | None,
    payee: Payee | None,
    config: LendingConfig,
    vault: PersonalDataVault | None,
    now: datetime,
) -> FundUse:
    """Store the purpose and payee of a loan paid out on its own (a draw states them when it is
    booked): checked against its product's rules, the application's purpose when none is
    stated and the product lists it. A loan whose use is stored keeps it."""
    stored = funds.get_fund_use(record.loan_id)
    if stored is not None:
        if purpose is not None or payee is not None:
            raise Conflict(f"the use of funds of {record.loan_id} was stated when it was drawn")
        return stored
    rules = rules_of(record.state, config)
    if purpose is None and record.application_id is not None:
        application = applications.get(record.application_id)
        mapped = None if application is None else APPLICATION_PURPOSES.get(application.purpose)
        if mapped is not None and rules.purpose(mapped) is not None:
            purpose = mapped
    request = check_fund_use(rules, record.amount, purpose, payee)
    use = seal_fund_use(record.loan_id, record.line_id, request, rules, vault)
    funds.add_fund_use(use, now)
    return use


def record_payout(
    funds: FundUseStore, record: LoanRecord, on: date, paid_out: Fen, now: datetime
) -> FundUse:
    """The payout on `on` of `paid_out` fen, on the loan's use of funds: from it, receipts are
    due (when asked for). A loan with no stored use (paid before uses were stated) gets one."""
    use = funds.get_fund_use(record.loan_id)
    if use is None:
        use = FundUse(record.loan_id, record.line_id, None, False)
        funds.add_fund_use(use, now)
    # the days stored with the use: the terms the draw was made under
    due = on + timedelta(days=use.receipts_within_days) if use.receipts_required else None
    paid = replace(use, paid_on=on, paid_out=paid_out, receipts_due_on=due)
    funds.save_fund_use(paid, now)
    return paid


# ---- receipts -----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class FundUseView:
    """A draw's or loan's use of funds as people see it: purpose, payee (masked), receipts and
    what they cover."""

    use: FundUse
    receipts: tuple[Receipt, ...]
    coverage: Coverage
    # The receipt just attached lifted its line's freeze for missing receipts (the product's
    # `unfreeze_on_receipts`): the borrower is to be told (`receipts_trigger.add_receipt`).
    line_reinstated: bool = False


def _use_of(funds: FundUseStore, loan_id: str) -> FundUse:
    use = funds.get_fund_use(loan_id)
    if use is None:
        raise Conflict(f"loan {loan_id} has no use of funds recorded: it is not paid out yet")
    return use


def _check_draw(record: LoanRecord, line_id: str | None) -> None:
    if line_id is not None and record.line_id != line_id:
        raise NotFound(f"no draw {record.loan_id!r} on credit line {line_id!r}")


def fund_use_view(
    loan_id: str, svc: Services[FundsUnitOfWork], *, line_id: str | None = None
) -> FundUseView:
    """The use of funds of loan `loan_id` (of draw `loan_id` on `line_id`)."""
    with svc.uow() as uow:
        _check_draw(load_loan(uow.lending, loan_id), line_id)
        use = _use_of(uow.funds, loan_id)
        receipts = uow.funds.receipts(loan_id)
        return FundUseView(use, receipts, coverage(use, receipts, svc.clock.business_date()))


@dataclass(frozen=True, slots=True)
class ReceiptIn:
    """A receipt as given: number, date, amount in fen, the payee it names, and the uploaded
    file's name and sha256."""

    number: str
    issued_on: date
    amount: int
    payee_name: str
    file_name: str
    sha256: str


def attach_receipt(
    loan_id: str,
    receipt: ReceiptIn,
    svc: Services[FundsUnitOfWork],
    *,
    line_id: str | None = None,
    actor: str = SYSTEM,
) -> FundUseView:
    """Attach a receipt to a paid-out draw or loan, checked (`use_of_funds.receipt_errors`):
    amount within what is not yet covered, dated on or after the payout, naming the entrusted
    payee when there is one. Audited `funds.receipt_attached`. When the receipts now cover the
    payout and the product says so, a line frozen for missing receipts is reinstated."""
    vault = _vault(svc.vault)
    today = svc.clock.business_date()

    def attempt() -> FundUseView:
        with svc.uow() as uow:
            # Locked: a concurrent receipt for the same payout waits, then sees this one's
            # cover, so together they never exceed the payout.
            record = lock_loan(uow.lending, loan_id)
            _check_draw(record, line_id)
            use = _use_of(uow.funds, loan_id)
            if use.paid_on is None:
                raise Conflict(f"loan {loan_id} is not paid out yet: no receipt is due")
            known = uow.funds.receipts(loan_id)
            name = receipt.payee_name.strip() if isinstance(receipt.payee_name, str) else ""
            given = Receipt(
                number=receipt.number.strip() if isinstance(receipt.number, str) else "",
                issued_on=receipt.issued_on,
                amount=Fen(receipt.amount),
                payee_name=name,
                file_name=receipt.file_name.strip() if isinstance(receipt.file_name, str) else "",
                sha256=receipt.sha256.lower() if isinstance(receipt.sha256, str) else "",
                receipt_id=new_id("rcpt", svc.clock),
                payee_name_bidx=vault.blind_index("payee_name", normal_name(name)) if name else "",
            )
            counted = check_receipt(use, given, known, today)
            sealed = replace(
                given, payee_name=mask_name(name), payee_name_enc=vault.encrypt("payee_name", name)
            )
            now = svc.clock.now()
            uow.funds.add_receipt(loan_id, sealed, actor, now)
            uow.funds.save_fund_use(counted, now)
            uow.audit.append(
                at=now,
                actor=actor,
                action="funds.receipt_attached",
                subject_type="loan",
                subject_id=loan_id,
                payload={
                    "receipt_id": given.receipt_id,
                    "number": given.number,
                    "issued_on": given.issued_on.isoformat(),
                    "amount_fen": int(given.amount),
                    "file_name": given.file_name,
                    "sha256": given.sha256,
                    "covered_fen": int(counted.covered),
                    "paid_out_fen": int(counted.paid_out),
                    "line_id": record.line_id,
                },
            )
            uow.commit()
            receipts = (*known, sealed)
            return FundUseView(counted, receipts, coverage(counted, receipts, today))

    view = retrying(svc, attempt)
    if view.coverage.complete and view.use.line_id is not None:
        rules = _line_rules(view.use.line_id, svc)
        if rules is not None and rules.unfreeze_on_receipts:
            return replace(view, line_reinstated=lift_receipts_freeze(view.use.line_id, svc))
    return view


def _line_rules(line_id: str, svc: Services[FundsUnitOfWork]) -> UseOfFundsRules | None:
    with svc.uow() as uow:
        stored = uow.lending.get_line(line_id)
        return None if stored is None else stored.line.product.use_of_funds


def lift_receipts_freeze(line_id: str, svc: Services[FundsUnitOfWork]) -> bool:
    """Reinstate the line when its latest rule batch is a freeze for missing receipts and no
    draw on it is overdue any more; whether it was lifted."""
    today = svc.clock.business_date()

    def attempt() -> bool:
        with svc.uow() as uow:
            lines = uow.lending
            record = lock_line(lines, line_id)
            batch = rule_batch(record.line)
            if not batch or any(not c.reason.startswith(RECEIPTS_MISSING) for c in batch):
                return False
            if uow.funds.overdue_on_line(line_id, today):
                return False
            changed = reinstate_state(
                record.line, "receipts now cover the draws (凭证已补齐)", AUTO_REINSTATER, today
            )
            now = svc.clock.now()
            lines.save_line(replace(record, line=changed), now)
            uow.audit.append(
                at=now,
                actor=AUTO_REINSTATER,
                action="line.reinstated",
                subject_type="credit_line",
                subject_id=line_id,
                payload={
                    "reason": "receipts now cover the draws",
                    "reversed": [RECEIPTS_MISSING],
                    "status": changed.status.value,
                    "notify": "borrower",
                },
            )
            uow.commit()
            return True

    return retrying(svc, attempt)


__all__ = [
    "AUTO_REINSTATER",
    "RECEIPTS_MISSING",
    "FundUseView",
    "ReceiptIn",
    "attach_receipt",
    "fund_use_view",
    "lift_receipts_freeze",
    "payee_of",
    "record_payout",
    "rules_of",
    "seal_fund_use",
    "state_fund_use",
]
