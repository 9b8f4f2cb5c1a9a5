"""End of day's loan work, one partition at a time (the `quiet` and `loans` steps of
`lending.eod_steps`): the storage around `lending.loan_day.close_loan_day`, the pure per-loan
step, and around `lending.quiet.quiet_day`. The arithmetic of each chunk runs on a
`core.partitions.PartitionRunner` (`close_chunk`, `quiet_chunk`): in this process, or on a
cluster; reads, writes and commits stay here.

- `quiet_partition` closes a partition's quiet loans (`lending.quiet`) a large batch at a time
  with column arithmetic (`quiet_day`) and set-based writes, each batch one transaction marking
  its loans' `eod_date`. A quiet loan changed by a concurrent request after it was read is left
  to the full step. A quiet batch books the same amounts per loan, in a few entries per batch.
- `loan_partition` runs the rest through `close_loan_day` in chunks ordered by loan id,
  committing each chunk (loan states, journal entries, line actions, audit records and the
  progress cursor) in one transaction; a rerun continues after the last committed chunk, and
  each loan's `eod_date` keeps it from being closed twice for a date.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from functools import partial
from typing import TYPE_CHECKING, Any

from fengkong.core.ids import new_id
from fengkong.core.partitions import IN_PROCESS, PartitionRunner, bounds, split
from fengkong.ledger.journal import EntryKind
from fengkong.lending.config import LendingConfig
from fengkong.lending.eod_dates import EodMeter
from fengkong.lending.eod_lines import fire_line_triggers
from fengkong.lending.loan_day import LoanDay, close_loans
from fengkong.lending.ports import EodUnitOfWork
from fengkong.lending.quiet import quiet_bucket, quiet_class, quiet_day, quiet_journal
from fengkong.lending.records import LoanRecord
from fengkong.lending.services import LendingServices, request_hash

if TYPE_CHECKING:
    import polars as pl

SYSTEM = "system:eod"
ChunkHook = Callable[[date, int, int], None]  # (business date, partition, chunk number)


@dataclass
class Totals:
    loans: int = 0
    chunks: int = 0
    entries: int = 0
    interest_fen: int = 0
    penalty_fen: int = 0
    fee_fen: int = 0
    provision_change_fen: int = 0
    written_off: int = 0
    reclassified: int = 0
    line_actions: int = 0
    quiet_loans: int = 0  # of `loans`, those closed as quiet
    postings: int = 0  # journal lines of the `entries`
    bucket_moves: int = 0  # loans whose delinquency bucket changed
    lines_frozen: int = 0
    lines_closed: int = 0
    lines_reduced: int = 0
    lines_raised: int = 0

    def add(self, other: Mapping[str, int]) -> None:
        for name, value in other.items():
            setattr(self, name, getattr(self, name) + int(value))

    def as_dict(self) -> dict[str, int]:
        return {name: getattr(self, name) for name in self.__dataclass_fields__}


def _chunk_totals(days: list[LoanDay], before: list[LoanRecord]) -> Totals:
    totals = Totals(loans=len(days), chunks=1)
    for day, old in zip(days, before, strict=True):
        totals.entries += len(day.entries)
        totals.postings += sum(len(e.postings) for e in day.entries)
        totals.written_off += day.written_off
        totals.reclassified += day.record.loan_class is not old.loan_class
        totals.bucket_moves += day.record.bucket != old.bucket
        for entry in day.entries:
            if entry.kind is EntryKind.ACCRUAL:
                for p in entry.postings:
                    if p.side.value == "debit":
                        code = p.account.code
                        if code == "113201":
                            totals.interest_fen += p.amount
                        elif code == "113202":
                            totals.penalty_fen += p.amount
                        else:
                            totals.fee_fen += p.amount
            elif entry.kind is EntryKind.PROVISION:
                raised = any(
                    p.account.code == "670201" and p.side.value == "debit" for p in entry.postings
                )
                totals.provision_change_fen += entry.total_debits if raised else -entry.total_debits
    return totals


def _progress(store: Any, business_date: date, partition: int, partitions: int) -> dict[str, Any]:
    return dict(
        store.eod_progress(business_date, partition)
        or {
            "business_date": business_date,
            "partition": partition,
            "partitions": partitions,
            "cursor": "",
            "done": False,
            "loans": 0,
            "chunks": 0,
            "totals": Totals().as_dict(),
        }
    )


def _advance(progress: dict[str, Any], totals: Totals, cursor: str | None = None) -> None:
    running = Totals(**progress["totals"])
    running.add(totals.as_dict())
    progress.update(
        cursor=progress["cursor"] if cursor is None else cursor,
        loans=progress["loans"] + totals.loans,
        chunks=progress["chunks"] + 1,
        totals=running.as_dict(),
    )


def close_chunk(
    records: Sequence[LoanRecord],
    on: date,
    svc: LendingServices,
    runner: PartitionRunner = IN_PROCESS,
) -> list[LoanDay]:
    """`close_loans` over `records` cut into the runner's parallelism of slices, each with an
    entry-id base drawn here from the clock; the loan days in the records' order."""
    work = [(part, new_id("je", svc.clock)) for part in split(records, runner.parallelism)]
    closed = runner.map(partial(close_loans, on=on, config=svc.config), work)
    return [day for part in closed for day in part]


def quiet_chunk(
    batch: pl.DataFrame, on: date, config: LendingConfig, runner: PartitionRunner = IN_PROCESS
) -> pl.DataFrame:
    """`quiet_day` over `batch` cut into the runner's parallelism of slices, in order."""
    cuts = bounds(batch.height, runner.parallelism)
    if len(cuts) <= 1 and runner is IN_PROCESS:
        return quiet_day(batch, on, config)
    import polars as pl

    moved = runner.map(
        partial(quiet_day, on=on, config=config),
        [batch.slice(start, stop - start) for start, stop in cuts],
    )
    return pl.concat(moved)


def loan_partition(
    business_date: date,
    svc: LendingServices,
    partition: int = 0,
    partitions: int = 1,
    chunk: int | None = None,
    before_commit: ChunkHook | None = None,
    meter: EodMeter | None = None,
    runner: PartitionRunner = IN_PROCESS,
) -> Totals:
    """Close one partition's loans not yet closed for the date through `close_loan_day`, a
    committed chunk of `chunk` (default `eod_chunk`) loans at a time, then mark the partition
    done. Safe to rerun: it continues after the last committed chunk. Each chunk's arithmetic
    runs on `runner` (`close_chunk`); its reads and writes stay here."""
    done = Totals()
    size = chunk or svc.config.eod_chunk
    while True:
        with svc.uow() as uow:
            store = uow.lending
            progress = _progress(store, business_date, partition, partitions)
            if progress["done"]:
                return done
            records = store.loans_for_eod(
                business_date, partition, partitions, progress["cursor"], size
            )
            now = svc.clock.now()
            if not records:
                progress["done"] = True
                store.save_eod_progress(progress)
                uow.commit()
                return done
            days = close_chunk(records, business_date, svc, runner)
            entries = [e for d in days for e in d.entries]
            store.post_entries(
                entries,
                request_hash(
                    {
                        "eod": business_date.isoformat(),
                        "partition": partition,
                        "after": progress["cursor"],
                    }
                ),
                now,
            )
            store.save_loans([d.record for d in days], now)
            fired = fire_line_triggers(uow, [d.record for d in days], business_date, svc, now)
            totals = _chunk_totals(days, records)
            totals.add(fired)
            for day, old in zip(days, records, strict=True):
                if day.written_off or day.record.loan_class is not old.loan_class:
                    uow.audit.append(
                        at=now,
                        actor=SYSTEM,
                        action="loan.written_off" if day.written_off else "loan.reclassified",
                        subject_type="loan",
                        subject_id=day.record.loan_id,
                        payload={
                            "business_date": business_date.isoformat(),
                            "days_past_due": day.record.days_past_due,
                            "class_before": old.loan_class.value,
                            "class_after": day.record.loan_class.value,
                            "bucket": day.record.bucket,
                        },
                    )
            _advance(progress, totals, cursor=records[-1].loan_id)
            _commit_chunk(
                uow,
                business_date,
                partition,
                progress,
                totals,
                (records[0].loan_id, records[-1].loan_id),
                now,
                before_commit,
                journal=[e.entry_id for e in entries],
            )
            done.add(totals.as_dict())
            if meter is not None:
                meter.advance(totals.loans)


def quiet_partition(
    business_date: date,
    svc: LendingServices,
    partition: int = 0,
    partitions: int = 1,
    before_commit: ChunkHook | None = None,
    meter: EodMeter | None = None,
    runner: PartitionRunner = IN_PROCESS,
) -> Totals:
    """Close one partition's quiet loans for the date, `eod_quiet_chunk` loans per transaction.
    Safe to rerun: a loan closed for the date is no longer selected. Does nothing when the
    configuration turns the quiet path off (`eod_quiet`). Each batch's column arithmetic runs
    on `runner` (`quiet_chunk`)."""
    done = Totals()
    if not svc.config.eod_quiet:
        return done
    loan_class, bucket = quiet_class(svc.config), quiet_bucket(svc.config)
    after = ""
    while True:
        with svc.uow() as uow:
            store = uow.lending
            progress = _progress(store, business_date, partition, partitions)
            if progress["done"]:
                return done
            batch = store.quiet_loans_for_eod(
                business_date,
                partition,
                partitions,
                after,
                svc.config.eod_quiet_chunk,
                loan_class,
                bucket,
            )
            if batch.is_empty():
                return done
            first, after = batch["loan_id"][0], batch["loan_id"][-1]
            now = svc.clock.now()
            saved = store.save_quiet_loans(
                quiet_chunk(batch, business_date, svc.config, runner), business_date, now
            )
            if saved.is_empty():
                continue
            journal = quiet_journal(saved, business_date, svc.config, new_id("je", svc.clock))
            store.post_quiet_journal(
                journal,
                request_hash(
                    {"eod": business_date.isoformat(), "partition": partition, "quiet": first}
                ),
                now,
            )
            totals = Totals(
                loans=saved.height,
                quiet_loans=saved.height,
                chunks=1,
                entries=journal.entries.height,
                postings=journal.postings.height,
                interest_fen=int(saved["accrued"].sum()),
                provision_change_fen=int(saved["provision_change"].sum()),
            )
            _advance(progress, totals)
            _commit_chunk(
                uow,
                business_date,
                partition,
                progress,
                totals,
                (first, after),
                now,
                before_commit,
                journal=journal.entries["entry_id"].to_list(),
            )
            done.add(totals.as_dict())
            if meter is not None:
                meter.advance(totals.loans)


def _commit_chunk(
    uow: EodUnitOfWork,
    business_date: date,
    partition: int,
    progress: dict[str, Any],
    totals: Totals,
    span: tuple[str, str],
    now: datetime,
    before_commit: ChunkHook | None,
    *,
    journal: Sequence[str] = (),
) -> None:
    """Audit one chunk of a partition (its first and last loan, its totals and the journal
    entries it posted), store the partition's advanced progress with it and commit them
    together: a crash after the commit resumes after this chunk, one before it redoes the whole
    chunk."""
    uow.audit.append(
        at=now,
        actor=SYSTEM,
        action="eod.chunk",
        subject_type="eod",
        subject_id=f"{business_date.isoformat()}/{partition}",
        payload={"first_loan": span[0], "last_loan": span[1], **totals.as_dict()},
        journal=journal,
    )
    uow.lending.save_eod_progress(progress)
    if before_commit is not None:
        before_commit(business_date, partition, progress["chunks"])
    uow.commit()
