"""A loan's end of day, the pure part (日终逐笔计算): `close_loan_day` accrues, ages, classifies and
writes off or provisions one loan for a date, and `close_loans` does it for a partition of loans.

`close_loans` is what end of day sends to a `core.partitions.PartitionRunner` (in this process,
or on Dask or Spark through `fengkong.distributed`): it reads nothing but its arguments, and the
journal entries it makes are numbered from an id base the driver drew from its clock, so a
partition closed anywhere books the same amounts under ids the driver chose. The storage around
it (reading the chunk, posting, saving and committing) is `lending.eod_loans`'.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import date
from itertools import count

from fengkong.core.money import Fen
from fengkong.ledger.journal import JournalEntry
from fengkong.lending.accrual import accrue
from fengkong.lending.config import LendingConfig
from fengkong.lending.delinquency import WriteOffPolicy, write_off, write_off_eligible
from fengkong.lending.posting import entries_for, provision_entry, reserve_entry
from fengkong.lending.provisioning import provision_to_target, with_state
from fengkong.lending.quiet import eod_key
from fengkong.lending.records import LoanRecord, LoanStage
from fengkong.lending.waterfall import apply_credit

NewEntryId = Callable[[], str]


@dataclass(frozen=True, slots=True)
class LoanDay:
    """One loan after its end of day, and the entries that day posts for it."""

    record: LoanRecord
    entries: tuple[JournalEntry, ...]
    written_off: bool = False


def close_loan_day(
    record: LoanRecord, on: date, config: LendingConfig, new_entry_id: NewEntryId
) -> LoanDay:
    """Accrue through `on` (using any unapplied credit on what fell due), age and classify, then
    write off past the configured DPD or bring the allowance to its class's rate."""
    loan_id = record.loan_id
    key = eod_key(on, loan_id)
    state = record.state
    moved = (
        apply_credit(state, on, config.waterfall) if state.unapplied_credit else accrue(state, on)
    )
    entries = list(entries_for(loan_id, moved.events, key=key, new_entry_id=new_entry_id))
    updated = with_state(record, moved.state, config)
    written_off_now = False
    if updated.stage is LoanStage.ACTIVE and write_off_eligible(
        updated.state, on, config.write_off
    ):
        updated, gone = written_off(
            updated,
            on,
            f"{updated.days_past_due} days past due ≥ {config.write_off.min_days_past_due}",
            config.write_off,
            key,
            new_entry_id,
            config,
        )
        entries += gone
        written_off_now = True
    else:
        provisioned = provision_to_target(updated, on, key, new_entry_id, config)
        updated = provisioned.record
        entries += provisioned.entries
    return LoanDay(replace(updated, eod_date=on), tuple(entries), written_off_now)


def written_off(
    record: LoanRecord,
    on: date,
    reason: str,
    policy: WriteOffPolicy | None,
    key: str,
    new_entry_id: NewEntryId,
    config: LendingConfig,
) -> tuple[LoanRecord, list[JournalEntry]]:
    """核销 `record` on `on` (`delinquency.write_off`: by `policy`, or by an officer with None):
    the loan written off, its allowance released and its reserve drawn; and the entries."""
    loan_id = record.loan_id
    outstanding = record.state.outstanding.total
    gone = write_off(record.state, on, reason, policy)
    entries = list(
        entries_for(
            loan_id,
            gone.events,
            key=f"{key}:wo",
            new_entry_id=new_entry_id,
            allowance_available=record.allowance,
        )
    )
    left = record.allowance - min(outstanding, record.allowance)
    released = provision_entry(
        loan_id, on, -left, f"{key}:wo:provision", new_entry_id(), "allowance left over"
    )
    drawn = reserve_entry(
        on, -record.reserve, f"{key}:wo:reserve", new_entry_id(), f"drawn on {loan_id}"
    )
    entries += [e for e in (released, drawn) if e is not None]
    return replace(
        with_state(record, gone.state, config), allowance=Fen(0), reserve=Fen(0)
    ), entries


def numbered_ids(id_base: str) -> NewEntryId:
    """Entry ids `id_base.0`, `id_base.1`, … (a quiet batch's journal numbers its entries so)."""
    numbers = count()
    return lambda: f"{id_base}.{next(numbers)}"


def close_loans(
    partition: tuple[Sequence[LoanRecord], str], on: date, config: LendingConfig
) -> list[LoanDay]:
    """`close_loan_day` for each loan of a partition `(records, id_base)`, in order, the
    entries numbered from `id_base` (`numbered_ids`)."""
    records, id_base = partition
    ids = numbered_ids(id_base)
    return [close_loan_day(record, on, config, ids) for record in records]
