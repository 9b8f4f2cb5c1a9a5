"""Balanced double-entry journal (记账凭证): postings, entries, balances, the trial balance and
the checks over a list of entries. The entries of a loan's usual movements are built in
`ledger.loan_entries`.

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

from fengkong.core.errors import FieldError, Invalid
from fengkong.core.money import Fen
from fengkong.ledger.accounts import (
    Account,
    AccountKey,
    Side,
)
from fengkong.ledger.findings import Finding, Problem

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


def is_fen(value: object) -> bool:
    """An amount in whole fen: an int, not a bool."""
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
    if not is_fen(posting.amount):
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
        if not is_fen(posting.amount) or posting.amount <= 0
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
