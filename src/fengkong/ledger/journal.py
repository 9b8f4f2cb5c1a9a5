"""Balanced double-entry journal (记账凭证): postings, entries, the builders for a loan's usual
movements, balances, the trial balance and the checks over a list of entries.

`JournalEntry(...)` itself accepts anything, so entries read back from storage can be checked and
reported on; new entries go through `new_entry` (or a builder), which refuses bad ones with
`Invalid`.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum

from fengkong.audit.findings import Finding, Problem
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
    AccountKey,
    Side,
)

NO_FEN = Fen(0)
DEBIT = Side.DEBIT
CREDIT = Side.CREDIT


class EntryKind(StrEnum):
    DISBURSEMENT = "disbursement"  # 放款
    ACCRUAL = "accrual"  # 计提利息/费用/罚息
    REPAYMENT = "repayment"  # 还款
    PROVISION = "provision"  # 计提/转回贷款损失准备
    RESERVE = "reserve"  # 提取/转回一般风险准备
    WRITE_OFF = "write_off"  # 核销
    REFUND = "refund"  # 退款
    REVERSAL = "reversal"  # 冲正


@dataclass(frozen=True, slots=True)
class Posting:
    """One line of an entry: `amount` fen (always positive) on `side` of `account`.

    `loan_id` names the per-loan sub-account; it is required on the chart's per-loan accounts.
    """

    account: Account
    amount: Fen
    side: Side
    loan_id: str | None = None

    @property
    def key(self) -> AccountKey:
        return AccountKey(self.account.code, self.loan_id)

    @property
    def signed_amount(self) -> int:
        """The amount as it moves the account's balance: positive on its normal side."""
        return self.amount if self.side is self.account.normal_side else -self.amount


@dataclass(frozen=True, slots=True)
class JournalEntry:
    """A balanced set of postings booked on one business date; a row of `journal_entry`, its
    postings rows of `journal_posting` (entry_id, line number = index in `postings`).

    `idempotency_key` is the key of the request that caused it: storage keeps it unique so a
    retried request is applied at most once. `reverses` names the entry a reversal undoes.
    """

    entry_id: str
    business_date: date
    kind: EntryKind
    postings: tuple[Posting, ...]
    idempotency_key: str
    memo: str = ""
    reverses: str | None = None

    @property
    def total_debits(self) -> int:
        return sum(p.amount for p in self.postings if p.side is Side.DEBIT)

    @property
    def total_credits(self) -> int:
        return sum(p.amount for p in self.postings if p.side is Side.CREDIT)


def _is_fen(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _posting_errors(index: int, posting: object) -> list[FieldError]:
    loc: tuple[str | int, ...] = ("postings", index)
    if not isinstance(posting, Posting):
        return [FieldError(loc, "not a Posting")]
    errors: list[FieldError] = []
    if not isinstance(posting.account, Account):
        errors.append(FieldError((*loc, "account"), "not an Account"))
    elif posting.account.per_loan and not posting.loan_id:
        errors.append(
            FieldError((*loc, "loan_id"), f"account {posting.account.code} is kept per loan")
        )
    if not _is_fen(posting.amount):
        errors.append(FieldError((*loc, "amount"), "must be integer fen"))
    elif posting.amount <= 0:
        errors.append(FieldError((*loc, "amount"), "must be positive"))
    if not isinstance(posting.side, Side):
        errors.append(FieldError((*loc, "side"), "must be DEBIT or CREDIT"))
    return errors


def new_entry(
    *,
    entry_id: str,
    business_date: date,
    kind: EntryKind,
    postings: Iterable[Posting],
    idempotency_key: str,
    memo: str = "",
    reverses: str | None = None,
) -> JournalEntry:
    """A validated entry: non-empty, every amount positive integer fen, debits equal credits."""
    lines = tuple(postings)
    errors: list[FieldError] = []
    if not entry_id:
        errors.append(FieldError(("entry_id",), "required"))
    if not idempotency_key:
        errors.append(FieldError(("idempotency_key",), "required"))
    if not isinstance(business_date, date) or isinstance(business_date, datetime):
        errors.append(FieldError(("business_date",), "must be a date"))
    if not isinstance(kind, EntryKind):
        errors.append(FieldError(("kind",), "must be an EntryKind"))
    elif (reverses is not None) != (kind is EntryKind.REVERSAL):
        errors.append(FieldError(("reverses",), "a reversal, and only a reversal, names reverses"))
    if not lines:
        errors.append(FieldError(("postings",), "an entry needs postings"))
    for index, posting in enumerate(lines):
        errors.extend(_posting_errors(index, posting))
    if lines and not errors:
        entry = JournalEntry(entry_id, business_date, kind, lines, idempotency_key, memo, reverses)
        if entry.total_debits != entry.total_credits:
            errors.append(
                FieldError(
                    ("postings",),
                    f"unbalanced: debits {entry.total_debits} != credits {entry.total_credits}",
                )
            )
        else:
            return entry
    raise Invalid(tuple(errors))


# ---- builders -------------------------------------------------------------------------------


def _amount(value: int, name: str, *, allow_zero: bool = True) -> Fen:
    if not _is_fen(value):
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
    if not _is_fen(change):
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


# ---- balances and the trial balance ---------------------------------------------------------


def balances(entries: Iterable[JournalEntry]) -> Mapping[AccountKey, int]:
    """Balance of every (sub-)account touched, positive on the account's normal side."""
    totals: dict[AccountKey, int] = {}
    for entry in entries:
        for posting in entry.postings:
            key = posting.key
            totals[key] = totals.get(key, 0) + posting.signed_amount
    return totals


def account_totals(by_key: Mapping[AccountKey, int]) -> Mapping[str, int]:
    """Roll per-loan sub-account balances up to their account codes."""
    totals: dict[str, int] = {}
    for key, amount in by_key.items():
        totals[key.code] = totals.get(key.code, 0) + amount
    return totals


@dataclass(frozen=True, slots=True)
class TrialBalanceLine:
    key: AccountKey
    account: Account
    debits: int
    credits: int

    @property
    def balance(self) -> int:
        """Net balance, positive on the account's normal side."""
        net = self.debits - self.credits
        return net if self.account.normal_side is Side.DEBIT else -net


@dataclass(frozen=True, slots=True)
class TrialBalance:
    """Debit and credit turnover per (sub-)account (试算平衡表); the totals agree when every entry
    balances."""

    lines: tuple[TrialBalanceLine, ...]
    total_debits: int
    total_credits: int

    @property
    def is_balanced(self) -> bool:
        return self.total_debits == self.total_credits


def trial_balance(entries: Iterable[JournalEntry]) -> TrialBalance:
    turnover: dict[AccountKey, tuple[Account, int, int]] = {}
    for entry in entries:
        for p in entry.postings:
            account, debits, credits = turnover.get(p.key, (p.account, 0, 0))
            if p.side is Side.DEBIT:
                debits += p.amount
            else:
                credits += p.amount
            turnover[p.key] = (account, debits, credits)
    lines = tuple(
        TrialBalanceLine(key, account, debits, credits)
        for key, (account, debits, credits) in sorted(
            turnover.items(), key=lambda item: item[0].sort_key()
        )
    )
    return TrialBalance(
        lines,
        total_debits=sum(line.debits for line in lines),
        total_credits=sum(line.credits for line in lines),
    )


# ---- checks ---------------------------------------------------------------------------------

LedgerCheck = Callable[[Sequence[JournalEntry]], tuple[Finding, ...]]


def check_entries_balance(entries: Sequence[JournalEntry]) -> tuple[Finding, ...]:
    """Every entry has postings and its debits equal its credits."""
    findings: list[Finding] = []
    for position, entry in enumerate(entries):
        if not entry.postings:
            findings.append(
                Finding(
                    "check_entries_balance",
                    Problem.EMPTY,
                    f"entry {entry.entry_id} has no postings",
                    position=position,
                    entry_id=entry.entry_id,
                )
            )
        elif entry.total_debits != entry.total_credits:
            findings.append(
                Finding(
                    "check_entries_balance",
                    Problem.UNBALANCED,
                    f"entry {entry.entry_id}: debits {entry.total_debits}"
                    f" != credits {entry.total_credits}",
                    position=position,
                    entry_id=entry.entry_id,
                )
            )
    return tuple(findings)


def check_posting_amounts(entries: Sequence[JournalEntry]) -> tuple[Finding, ...]:
    """Every posting moves a positive whole number of fen; direction is the side's job."""
    return tuple(
        Finding(
            "check_posting_amounts",
            Problem.NON_POSITIVE_AMOUNT,
            f"entry {entry.entry_id} line {line}: amount {posting.amount!r} is not positive fen",
            position=position,
            entry_id=entry.entry_id,
        )
        for position, entry in enumerate(entries)
        for line, posting in enumerate(entry.postings)
        if not _is_fen(posting.amount) or posting.amount <= 0
    )


def _check_unique(
    entries: Sequence[JournalEntry],
    field: Callable[[JournalEntry], str],
    check: str,
    problem: Problem,
    label: str,
) -> tuple[Finding, ...]:
    first_seen: dict[str, str] = {}
    findings: list[Finding] = []
    for position, entry in enumerate(entries):
        value = field(entry)
        if value in first_seen:
            findings.append(
                Finding(
                    check,
                    problem,
                    f"entry {entry.entry_id} repeats {label} {value!r}"
                    f" of entry {first_seen[value]}",
                    position=position,
                    entry_id=entry.entry_id,
                )
            )
        else:
            first_seen[value] = entry.entry_id
    return tuple(findings)


def check_idempotency_keys_unique(entries: Sequence[JournalEntry]) -> tuple[Finding, ...]:
    """A request's idempotency key books at most one entry: a repeat means a retry was applied
    twice."""
    return _check_unique(
        entries,
        lambda e: e.idempotency_key,
        "check_idempotency_keys_unique",
        Problem.DUPLICATE_IDEMPOTENCY_KEY,
        "idempotency key",
    )


def check_entry_ids_unique(entries: Sequence[JournalEntry]) -> tuple[Finding, ...]:
    return _check_unique(
        entries,
        lambda e: e.entry_id,
        "check_entry_ids_unique",
        Problem.DUPLICATE_ENTRY_ID,
        "entry id",
    )


def _lines(
    postings: Iterable[Posting], *, flipped: bool = False
) -> Counter[tuple[str, str | None, int, Side]]:
    return Counter(
        (p.account.code, p.loan_id, p.amount, p.side.opposite if flipped else p.side)
        for p in postings
    )


def check_reversals(entries: Sequence[JournalEntry]) -> tuple[Finding, ...]:
    """A reversal undoes an earlier entry exactly, and no entry is reversed twice."""
    earlier: dict[str, JournalEntry] = {}
    reversed_by: dict[str, str] = {}
    findings: list[Finding] = []

    def bad(position: int, entry: JournalEntry, message: str) -> None:
        findings.append(
            Finding(
                "check_reversals",
                Problem.BAD_REVERSAL,
                f"reversal {entry.entry_id}: {message}",
                position=position,
                entry_id=entry.entry_id,
            )
        )

    for position, entry in enumerate(entries):
        if entry.reverses is not None:
            target = earlier.get(entry.reverses)
            if target is None:
                bad(position, entry, f"reverses {entry.reverses}, which is not an earlier entry")
            elif entry.reverses in reversed_by:
                first = reversed_by[entry.reverses]
                bad(position, entry, f"{entry.reverses} was already reversed by {first}")
            elif _lines(target.postings, flipped=True) != _lines(entry.postings):
                bad(position, entry, f"postings do not mirror those of {entry.reverses}")
            else:
                reversed_by[entry.reverses] = entry.entry_id
        earlier.setdefault(entry.entry_id, entry)
    return tuple(findings)


# The balance check is listed first and must never be skipped (as in beancount).
LEDGER_CHECKS: tuple[LedgerCheck, ...] = (
    check_entries_balance,
    check_posting_amounts,
    check_entry_ids_unique,
    check_idempotency_keys_unique,
    check_reversals,
)


def check_ledger(entries: Iterable[JournalEntry]) -> tuple[Finding, ...]:
    """Run every ledger check and return all findings."""
    listed = tuple(entries)
    return tuple(finding for check in LEDGER_CHECKS for finding in check(listed))
