"""The journal entries of a loan's usual movements: disbursement, accrual, repayment, provision,
risk reserve, write-off, refund and reversal. Each builder validates its amounts and returns an
entry made by `journal.new_entry`, so it balances or is refused with `Invalid`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from fengkong.core.errors import FieldError, Invalid
from fengkong.core.money import Fen
from fengkong.ledger.accounts import (
    CASH,
    FEE_INCOME,
    FEE_RECEIVABLE,
    INTEREST_INCOME,
    INTEREST_RECEIVABLE,
    LOSS_ALLOWANCE,
    PAYABLE_TO_BORROWER,
    PENALTY_INCOME,
    PENALTY_RECEIVABLE,
    PRINCIPAL_RECEIVABLE,
    PROVISION_EXPENSE,
    RETAINED_EARNINGS,
    RISK_RESERVE,
    UNAPPLIED,
    WRITE_OFF_LOSS,
    Account,
)
from fengkong.ledger.journal import (
    CREDIT,
    DEBIT,
    NO_FEN,
    EntryKind,
    JournalEntry,
    Posting,
    is_fen,
    new_entry,
)


def _amount(value: int, name: str, *, allow_zero: bool = True) -> Fen:
    if not is_fen(value):
        raise Invalid((FieldError((name,), "must be integer fen"),))
    if value < 0 or (value == 0 and not allow_zero):
        raise Invalid((FieldError((name,), "must be positive" if not allow_zero else ">= 0"),))
    return Fen(value)


def _loan_tag(account: Account, loan_id: str | None) -> str | None:
    """The loan id goes on per-loan accounts and on the allowance (kept per loan when the provision
    is individual); cash, income and expense stay whole accounts."""
    return loan_id if account.per_loan or account is LOSS_ALLOWANCE else None


def _pair(debit: Account, credit: Account, amount: Fen, loan_id: str | None) -> list[Posting]:
    """Debit one account and credit another; nothing when the amount is zero."""
    if amount == 0:
        return []
    return [
        Posting(debit, amount, DEBIT, _loan_tag(debit, loan_id)),
        Posting(credit, amount, CREDIT, _loan_tag(credit, loan_id)),
    ]


@dataclass(frozen=True, slots=True)
class Receivables:
    """Amounts owed on one loan, by kind; all non-negative fen."""

    principal: Fen = NO_FEN
    interest: Fen = NO_FEN
    fee: Fen = NO_FEN
    penalty: Fen = NO_FEN

    @property
    def total(self) -> int:
        return self.principal + self.interest + self.fee + self.penalty


@dataclass(frozen=True, slots=True)
class RepaymentAllocation:
    """How one received payment was split by the repayment waterfall (还款顺序); `overpayment` is
    what was left after everything due was paid and is held as unapplied (溢缴款)."""

    penalty: Fen = NO_FEN
    fee: Fen = NO_FEN
    interest: Fen = NO_FEN
    principal: Fen = NO_FEN
    overpayment: Fen = NO_FEN

    @property
    def total(self) -> int:
        return self.penalty + self.fee + self.interest + self.principal + self.overpayment


def disbursement(
    *,
    entry_id: str,
    business_date: date,
    loan_id: str,
    principal: int,
    origination_fee: int = 0,
    idempotency_key: str,
    memo: str = "",
) -> JournalEntry:
    """Pay out the principal in full and bill the origination fee as a receivable.

    The fee is never netted from the cash paid out: Civil Code art. 670 forbids deducting interest
    from principal up front (砍头息), and the borrower repays the fee through the waterfall.
    """
    amount = _amount(principal, "principal", allow_zero=False)
    fee = _amount(origination_fee, "origination_fee")
    return new_entry(
        entry_id=entry_id,
        business_date=business_date,
        kind=EntryKind.DISBURSEMENT,
        postings=(
            *_pair(PRINCIPAL_RECEIVABLE, CASH, amount, loan_id),
            *_pair(FEE_RECEIVABLE, FEE_INCOME, fee, loan_id),
        ),
        idempotency_key=idempotency_key,
        memo=memo,
    )


def accrual(
    *,
    entry_id: str,
    business_date: date,
    loan_id: str,
    interest: int = 0,
    fee: int = 0,
    penalty: int = 0,
    idempotency_key: str,
    memo: str = "",
) -> JournalEntry:
    """Recognise earned interest, fees and penalty interest: receivable against income."""
    return new_entry(
        entry_id=entry_id,
        business_date=business_date,
        kind=EntryKind.ACCRUAL,
        postings=(
            *_pair(INTEREST_RECEIVABLE, INTEREST_INCOME, _amount(interest, "interest"), loan_id),
            *_pair(FEE_RECEIVABLE, FEE_INCOME, _amount(fee, "fee"), loan_id),
            *_pair(PENALTY_RECEIVABLE, PENALTY_INCOME, _amount(penalty, "penalty"), loan_id),
        ),
        idempotency_key=idempotency_key,
        memo=memo,
    )


def repayment(
    *,
    entry_id: str,
    business_date: date,
    loan_id: str,
    allocation: RepaymentAllocation,
    idempotency_key: str,
    memo: str = "",
) -> JournalEntry:
    """Cash received, credited to each receivable by its waterfall part, any excess to unapplied."""
    parts = (
        (PENALTY_RECEIVABLE, _amount(allocation.penalty, "allocation.penalty")),
        (FEE_RECEIVABLE, _amount(allocation.fee, "allocation.fee")),
        (INTEREST_RECEIVABLE, _amount(allocation.interest, "allocation.interest")),
        (PRINCIPAL_RECEIVABLE, _amount(allocation.principal, "allocation.principal")),
        (UNAPPLIED, _amount(allocation.overpayment, "allocation.overpayment")),
    )
    total = Fen(sum(amount for _, amount in parts))
    if total == 0:
        raise Invalid((FieldError(("allocation",), "a repayment must move some money"),))
    return new_entry(
        entry_id=entry_id,
        business_date=business_date,
        kind=EntryKind.REPAYMENT,
        postings=(
            Posting(CASH, total, DEBIT, None),
            *(Posting(account, amount, CREDIT, loan_id) for account, amount in parts if amount),
        ),
        idempotency_key=idempotency_key,
        memo=memo,
    )


def _signed_change(change: int, name: str) -> tuple[Fen, bool]:
    if not is_fen(change):
        raise Invalid((FieldError((name,), "must be integer fen"),))
    if change == 0:
        raise Invalid((FieldError((name,), "must not be zero"),))
    return Fen(abs(change)), change > 0


def provision(
    *,
    entry_id: str,
    business_date: date,
    change: int,
    loan_id: str | None = None,
    idempotency_key: str,
    memo: str = "",
) -> JournalEntry:
    """Raise (`change` > 0) or release (`change` < 0) the loan loss allowance against the
    impairment expense; `loan_id` None books a collective (portfolio) provision."""
    amount, raising = _signed_change(change, "change")
    pair = (
        _pair(PROVISION_EXPENSE, LOSS_ALLOWANCE, amount, loan_id)
        if raising
        else _pair(LOSS_ALLOWANCE, PROVISION_EXPENSE, amount, loan_id)
    )
    return new_entry(
        entry_id=entry_id,
        business_date=business_date,
        kind=EntryKind.PROVISION,
        postings=pair,
        idempotency_key=idempotency_key,
        memo=memo,
    )


def reserve(
    *,
    entry_id: str,
    business_date: date,
    change: int,
    idempotency_key: str,
    memo: str = "",
) -> JournalEntry:
    """Appropriate retained earnings to the general risk reserve (`change` > 0) or release it.

    The reserve (一般风险准备) is equity set aside from profit, so it moves against retained
    earnings, never against cash or the income statement.
    """
    amount, raising = _signed_change(change, "change")
    pair = (
        _pair(RETAINED_EARNINGS, RISK_RESERVE, amount, None)
        if raising
        else _pair(RISK_RESERVE, RETAINED_EARNINGS, amount, None)
    )
    return new_entry(
        entry_id=entry_id,
        business_date=business_date,
        kind=EntryKind.RESERVE,
        postings=pair,
        idempotency_key=idempotency_key,
        memo=memo,
    )


def write_off(
    *,
    entry_id: str,
    business_date: date,
    loan_id: str,
    written_off: Receivables,
    allowance_available: int,
    idempotency_key: str,
    memo: str = "",
) -> JournalEntry:
    """Take the loan's receivables off the books (核销): the allowance held for it absorbs what it
    can, the rest is a write-off loss. The caller reads `allowance_available` from the balances."""
    parts = (
        (PRINCIPAL_RECEIVABLE, _amount(written_off.principal, "written_off.principal")),
        (INTEREST_RECEIVABLE, _amount(written_off.interest, "written_off.interest")),
        (FEE_RECEIVABLE, _amount(written_off.fee, "written_off.fee")),
        (PENALTY_RECEIVABLE, _amount(written_off.penalty, "written_off.penalty")),
    )
    total = sum(amount for _, amount in parts)
    if total == 0:
        raise Invalid((FieldError(("written_off",), "nothing to write off"),))
    from_allowance = Fen(min(total, _amount(allowance_available, "allowance_available")))
    loss = Fen(total - from_allowance)
    debits = [
        Posting(account, amount, DEBIT, _loan_tag(account, loan_id))
        for account, amount in ((LOSS_ALLOWANCE, from_allowance), (WRITE_OFF_LOSS, loss))
        if amount
    ]
    return new_entry(
        entry_id=entry_id,
        business_date=business_date,
        kind=EntryKind.WRITE_OFF,
        postings=(
            *debits,
            *(Posting(account, amount, CREDIT, loan_id) for account, amount in parts if amount),
        ),
        idempotency_key=idempotency_key,
        memo=memo,
    )


def refund(
    *,
    entry_id: str,
    business_date: date,
    loan_id: str,
    amount: int,
    paid_out: bool,
    idempotency_key: str,
    memo: str = "",
) -> JournalEntry:
    """Move an overpayment from unapplied to payable to the borrower (`paid_out` False), or pay a
    payable refund out of cash (`paid_out` True)."""
    fen = _amount(amount, "amount", allow_zero=False)
    pair = (
        _pair(PAYABLE_TO_BORROWER, CASH, fen, loan_id)
        if paid_out
        else _pair(UNAPPLIED, PAYABLE_TO_BORROWER, fen, loan_id)
    )
    return new_entry(
        entry_id=entry_id,
        business_date=business_date,
        kind=EntryKind.REFUND,
        postings=pair,
        idempotency_key=idempotency_key,
        memo=memo,
    )


def reversal(
    original: JournalEntry,
    *,
    entry_id: str,
    business_date: date,
    idempotency_key: str,
    memo: str | None = None,
) -> JournalEntry:
    """The mirror entry (红字冲正 done as a blue reversal): every posting on the other side, so
    the original and its reversal together leave every balance unchanged."""
    return new_entry(
        entry_id=entry_id,
        business_date=business_date,
        kind=EntryKind.REVERSAL,
        postings=(
            Posting(p.account, p.amount, p.side.opposite, p.loan_id) for p in original.postings
        ),
        idempotency_key=idempotency_key,
        memo=f"reversal of {original.entry_id}" if memo is None else memo,
        reverses=original.entry_id,
    )
