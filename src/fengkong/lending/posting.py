"""Posting: each money movement of a loan as a balanced ledger `JournalEntry`. Pure: the caller
supplies entry ids and the idempotency key prefix, and stores the entries.

Mapping, one event at a time (consecutive accrual events of one date share one entry):
- `Disbursed`: Dr principal receivable `principal`; Cr cash `paid_out`; Cr fee income
  `fee_retained` (a fee financed into the principal); Dr fee receivable / Cr fee income
  `fee_receivable` (a fee spread over the instalments). With no financed fee this is exactly
  `journal.disbursement`.
- `InterestAccrued`, `PenaltyAccrued`, `FeeCharged`: `journal.accrual`.
- `RepaymentApplied`: `journal.repayment`, the excess credited to unapplied receipts.
- `CreditApplied`: Dr unapplied / Cr the receivables it settles.
- `RepaymentReversed`: `journal.reversal` of each entry the repayment posted (the caller reads
  them back from the journal).
- `WrittenOff`: `journal.write_off` against the allowance held for the loan.
- `Restructured`: nothing moves.

A DEDUCTED origination fee (the borrower receives amount − fee) is never booked: see
`refuse_deducted_fee`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date
from decimal import Decimal

from fengkong.core.errors import Conflict, FieldError, IntegrityBroken, Invalid
from fengkong.core.money import HALF_UP, Fen, to_fen
from fengkong.ledger.accounts import (
    CASH,
    FEE_INCOME,
    FEE_RECEIVABLE,
    INTEREST_RECEIVABLE,
    PENALTY_RECEIVABLE,
    PRINCIPAL_RECEIVABLE,
    UNAPPLIED,
)
from fengkong.ledger.journal import CREDIT, DEBIT, EntryKind, JournalEntry, Posting, new_entry
from fengkong.ledger.loan_entries import (
    Receivables,
    RepaymentAllocation,
    accrual,
    disbursement,
    provision,
    reserve,
    reversal,
    write_off,
)
from fengkong.ledger.loan_entries import repayment as repayment_builder
from fengkong.lending.loan import (
    Allocation,
    CreditApplied,
    Disbursed,
    FeeCharged,
    InterestAccrued,
    MoneyEvent,
    PenaltyAccrued,
    RepaymentApplied,
    RepaymentReversed,
    Restructured,
    WrittenOff,
)
from fengkong.lending.product import FeeCollection, Product

NewEntryId = Callable[[], str]
_ACCRUALS = (InterestAccrued, PenaltyAccrued, FeeCharged)


class DeductedFeeRefused(Conflict):
    pass


def refuse_deducted_fee(product: Product) -> None:
    """A fee taken out of the payout (砍头息) is refused at booking.

    Civil Code art. 670: interest may not be deducted from the principal in advance; if it is,
    the loan is repaid and bears interest on the amount actually received. The ledger therefore
    pays principal out in full (`journal.disbursement`), and a DEDUCTED product would owe on an
    amount the borrower never had. `quote` still prices such a product so an offer can be
    compared, but it cannot be booked: collect the fee FINANCED or SPREAD instead.
    """
    fee = product.origination_fee
    if fee.collection is FeeCollection.DEDUCTED and (fee.rate > 0 or fee.fixed > 0):
        raise DeductedFeeRefused(
            f"product {product.code} v{product.version} deducts its origination fee from the "
            "payout (砍头息), which Civil Code art. 670 forbids; collect it financed or spread"
        )


def entries_for(
    loan_id: str,
    events: Sequence[MoneyEvent],
    *,
    key: str,
    new_entry_id: NewEntryId,
    allowance_available: int = 0,
    reversed_entries: Sequence[JournalEntry] = (),
    memo: str = "",
) -> tuple[JournalEntry, ...]:
    """The journal entries for `events` of one loan, in order. Idempotency keys are `key` plus the
    position of the event, so the same transition always yields the same keys."""
    entries: list[JournalEntry] = []
    index = 0
    while index < len(events):
        event = events[index]
        if isinstance(event, _ACCRUALS):
            end = index
            while (
                end < len(events)
                and isinstance(events[end], _ACCRUALS)
                and events[end].on == event.on
            ):
                end += 1
            entries.append(
                accrual_entry(loan_id, events[index:end], f"{key}:{index}", new_entry_id(), memo)
            )
            index = end
            continue
        entry_key = f"{key}:{index}"
        if isinstance(event, Disbursed):
            entries.append(disbursement_entry(loan_id, event, entry_key, new_entry_id(), memo))
        elif isinstance(event, RepaymentApplied):
            entries.append(
                repayment_entry(
                    loan_id, event.on, event.allocation, entry_key, new_entry_id(), memo
                )
            )
        elif isinstance(event, CreditApplied):
            entries.append(
                credit_entry(loan_id, event.on, event.allocation, entry_key, new_entry_id())
            )
        elif isinstance(event, RepaymentReversed):
            if not reversed_entries:
                raise IntegrityBroken(f"reversal of {event.repayment_id} without its entries")
            for number, original in enumerate(reversed_entries):
                entries.append(
                    reversal(
                        original,
                        entry_id=new_entry_id(),
                        business_date=event.on,
                        idempotency_key=f"{entry_key}:{number}",
                    )
                )
        elif isinstance(event, WrittenOff):
            written = event.written_off
            entries.append(
                write_off(
                    entry_id=new_entry_id(),
                    business_date=event.on,
                    loan_id=loan_id,
                    written_off=Receivables(
                        written.principal, written.interest, written.fee, written.penalty
                    ),
                    allowance_available=allowance_available,
                    idempotency_key=entry_key,
                    memo=memo or event.reason,
                )
            )
        elif not isinstance(event, Restructured):
            raise Invalid((FieldError(("event",), f"no posting for {type(event).__name__}"),))
        index += 1
    return tuple(entries)


def disbursement_entry(
    loan_id: str, event: Disbursed, key: str, entry_id: str, memo: str = ""
) -> JournalEntry:
    if event.fee_retained < 0:
        raise IntegrityBroken(f"loan {loan_id} pays out more than its principal")
    if event.fee_retained == 0:
        return disbursement(
            entry_id=entry_id,
            business_date=event.on,
            loan_id=loan_id,
            principal=event.principal,
            origination_fee=event.fee_receivable,
            idempotency_key=key,
            memo=memo,
        )
    # A financed fee: the borrower receives the amount asked for in full and owes it plus the
    # fee as principal; the fee is earned now.
    postings = [
        Posting(PRINCIPAL_RECEIVABLE, event.principal, DEBIT, loan_id),
        Posting(CASH, event.paid_out, CREDIT),
        Posting(FEE_INCOME, event.fee_retained, CREDIT),
    ]
    if event.fee_receivable:
        postings += [
            Posting(FEE_RECEIVABLE, event.fee_receivable, DEBIT, loan_id),
            Posting(FEE_INCOME, event.fee_receivable, CREDIT),
        ]
    return new_entry(
        entry_id=entry_id,
        business_date=event.on,
        kind=EntryKind.DISBURSEMENT,
        postings=postings,
        idempotency_key=key,
        memo=memo,
    )


def accrual_entry(
    loan_id: str, events: Sequence[MoneyEvent], key: str, entry_id: str, memo: str = ""
) -> JournalEntry:
    interest = sum(e.amount for e in events if isinstance(e, InterestAccrued))
    penalty = sum(e.amount for e in events if isinstance(e, PenaltyAccrued))
    fee = sum(e.amount for e in events if isinstance(e, FeeCharged))
    on = events[0].on
    return accrual(
        entry_id=entry_id,
        business_date=on,
        loan_id=loan_id,
        interest=interest,
        fee=fee,
        penalty=penalty,
        idempotency_key=key,
        memo=memo,
    )


def repayment_entry(
    loan_id: str, on: date, allocation: Allocation, key: str, entry_id: str, memo: str = ""
) -> JournalEntry:
    parts = allocation.by_component()
    return repayment_builder(
        entry_id=entry_id,
        business_date=on,
        loan_id=loan_id,
        allocation=RepaymentAllocation(
            penalty=parts.penalty,
            fee=parts.fee,
            interest=parts.interest,
            principal=parts.principal,
            overpayment=allocation.to_credit,
        ),
        idempotency_key=key,
        memo=memo,
    )


def credit_entry(
    loan_id: str, on: date, allocation: Allocation, key: str, entry_id: str
) -> JournalEntry:
    parts = allocation.by_component()
    credits = [
        Posting(account, amount, CREDIT, loan_id)
        for account, amount in (
            (PENALTY_RECEIVABLE, parts.penalty),
            (FEE_RECEIVABLE, parts.fee),
            (INTEREST_RECEIVABLE, parts.interest),
            (PRINCIPAL_RECEIVABLE, parts.principal),
        )
        if amount
    ]
    return new_entry(
        entry_id=entry_id,
        business_date=on,
        kind=EntryKind.REPAYMENT,
        postings=(Posting(UNAPPLIED, allocation.applied, DEBIT, loan_id), *credits),
        idempotency_key=key,
        memo="unapplied credit used on what fell due",
    )


# ---- loss allowance and the general risk reserve --------------------------------------------


def share(amount: int, rate: Decimal) -> Fen:
    """`rate` of `amount`, HALF_UP to the fen."""
    return to_fen(amount * rate, HALF_UP)


def provision_entry(
    loan_id: str, on: date, change: int, key: str, entry_id: str, memo: str = ""
) -> JournalEntry | None:
    """Raise (> 0) or release (< 0) the allowance held for one loan; None when nothing moves."""
    if change == 0:
        return None
    return provision(
        entry_id=entry_id,
        business_date=on,
        change=change,
        loan_id=loan_id,
        idempotency_key=key,
        memo=memo,
    )


def reserve_entry(
    on: date, change: int, key: str, entry_id: str, memo: str = ""
) -> JournalEntry | None:
    """Appropriate (> 0) or draw (< 0) the general risk reserve; None when nothing moves."""
    if change == 0:
        return None
    return reserve(
        entry_id=entry_id, business_date=on, change=change, idempotency_key=key, memo=memo
    )


__all__ = [
    "DeductedFeeRefused",
    "accrual_entry",
    "credit_entry",
    "disbursement_entry",
    "entries_for",
    "provision_entry",
    "refuse_deducted_fee",
    "repayment_entry",
    "reserve_entry",
    "share",
]
