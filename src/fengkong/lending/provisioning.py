"""Provisioning a loan (贷款损失准备 and 一般风险准备): the delinquency its state shows, the
record holding a new state, and the allowance and general reserve brought to their targets.
Disbursement, repayment and end of day all provision through here."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import date

from fengkong.core.money import Fen
from fengkong.ledger.journal import JournalEntry
from fengkong.lending.config import LendingConfig
from fengkong.lending.delinquency import Delinquency, LoanClass, delinquency
from fengkong.lending.loan import LoanState, LoanStatus
from fengkong.lending.posting import provision_entry, reserve_entry, share
from fengkong.lending.records import LoanRecord, stage_of


def aged(state: LoanState, config: LendingConfig) -> Delinquency:
    """The loan's DPD, bucket and class as of the date its state is accrued through, under the
    configured buckets and classification: what is stored, shown and acted on."""
    return delinquency(state, config.buckets, config.classification)


def with_state(record: LoanRecord, state: LoanState, config: LendingConfig) -> LoanRecord:
    """The record holding `state`, its stage and its delinquency columns (`aged`)."""
    now = aged(state, config)
    return replace(
        record,
        state=state,
        stage=stage_of(state),
        days_past_due=now.days_past_due,
        bucket=now.bucket,
        loan_class=now.loan_class,
    )


def target_allowance(state: LoanState, loan_class: LoanClass, config: LendingConfig) -> Fen:
    """The allowance a loan of this class should carry: its rate of everything outstanding."""
    if state.status is not LoanStatus.ACTIVE:
        return Fen(0)
    return share(state.outstanding.total, config.provision_rate(loan_class))


@dataclass(frozen=True, slots=True)
class Provisioned:
    record: LoanRecord
    entries: tuple[JournalEntry, ...]


def provision_to_target(
    record: LoanRecord, on: date, key: str, new_entry_id: Callable[[], str], config: LendingConfig
) -> Provisioned:
    """Top the allowance up (or release it) to its target for the record's class, and take the
    general reserve back when the loan has closed."""
    entries: list[JournalEntry] = []
    target = target_allowance(record.state, record.loan_class, config)
    moved = provision_entry(
        record.loan_id,
        on,
        target - record.allowance,
        f"{key}:provision",
        new_entry_id(),
        f"allowance to {record.loan_class.value}",
    )
    if moved is not None:
        entries.append(moved)
    reserve_target = (
        share(record.state.terms.principal, config.reserve_rate)
        if record.state.status is LoanStatus.ACTIVE
        else Fen(0)
    )
    drawn = reserve_entry(
        on, reserve_target - record.reserve, f"{key}:reserve", new_entry_id(), record.loan_id
    )
    if drawn is not None:
        entries.append(drawn)
    return Provisioned(replace(record, allowance=target, reserve=reserve_target), tuple(entries))


__all__ = ["Provisioned", "aged", "provision_to_target", "target_allowance", "with_state"]
