"""End of day (日终批处理): accrue, age, classify, provision, fire credit-line triggers and write off.

- One pass per business date, recorded in `eod_runs`; a date already done is not run again.
- Missed dates are caught up in order: running D when the last completed run was D-3 runs D-2,
  D-1 and D (the first run ever runs D alone; each loan's accrual catches up on its own).
- Loans are split into partitions by a stable hash of the id (`partition_key % partitions`);
  `eod_partition` processes one partition in chunks ordered by loan id, committing each chunk
  (loan states, journal entries, audit record and the progress cursor) in one transaction. A
  crash loses at most the chunk in flight; a rerun continues after the last committed chunk.
  Each loan also remembers the last date processed for it (`eod_date`), so no loan is processed
  twice for a date even if progress were lost. Partitions are independent: separate processes
  (or a Spark/Dask map over partition numbers) can run them side by side.
- `close_loan_day` is the pure per-loan step; everything else is storage around it.
- Most loans on most days are quiet: one day of contract interest on the running instalment and
  nothing else (`lending.quiet`). A partition first closes its quiet loans a large batch at a
  time with column arithmetic (`quiet_day`) and set-based writes, each batch one transaction
  marking its loans' `eod_date`, then runs the rest through `close_loan_day` as above. A quiet
  loan changed by a concurrent request after it was read is left to the full step. A quiet batch
  books the same amounts per loan, in a few entries per batch (see `lending.quiet` for why).
- `steps` are further per-date jobs (auto-debit, reminders, guarantor calls, margin calls,
  collections) run after every partition is done and before the date is marked done; each must
  be idempotent for its date, since a rerun after a crash runs them again.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from typing import Any

from fengkong.core.ids import new_id
from fengkong.core.money import Fen
from fengkong.ledger.journal import EntryKind, JournalEntry
from fengkong.lending.accrual import accrue
from fengkong.lending.delinquency import write_off, write_off_eligible
from fengkong.lending.line import LineSignals, apply_actions, line_actions, sync_draw
from fengkong.lending.posting import entries_for, provision_entry, reserve_entry
from fengkong.lending.quiet import eod_key, quiet_bucket, quiet_class, quiet_day, quiet_journal
from fengkong.lending.service import (
    LendingConfig,
    LendingServices,
    LoanRecord,
    LoanStage,
    provision_to_target,
    request_hash,
    with_state,
)
from fengkong.lending.waterfall import apply_credit

ONE_DAY = timedelta(days=1)
SYSTEM = "system:eod"
NewEntryId = Callable[[], str]
ChunkHook = Callable[[date, int, int], None]  # (business date, partition, chunk number)
DateStep = Callable[[date], Mapping[str, int]]  # one date's extra job → counts for the summary


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
    written_off = False
    if updated.stage is LoanStage.ACTIVE and write_off_eligible(
        updated.state, on, config.write_off
    ):
        outstanding = updated.state.outstanding.total
        gone = write_off(
            updated.state,
            on,
            f"{updated.days_past_due} days past due ≥ {config.write_off.min_days_past_due}",
            config.write_off,
        )
        entries += entries_for(
            loan_id,
            gone.events,
            key=f"{key}:wo",
            new_entry_id=new_entry_id,
            allowance_available=record.allowance,
        )
        left = record.allowance - min(outstanding, record.allowance)
        released = provision_entry(
            loan_id, on, -left, f"{key}:wo:provision", new_entry_id(), "allowance left over"
        )
        drawn = reserve_entry(
            on, -record.reserve, f"{key}:wo:reserve", new_entry_id(), f"drawn on {loan_id}"
        )
        entries += [e for e in (released, drawn) if e is not None]
        updated = replace(with_state(updated, gone.state, config), allowance=Fen(0), reserve=Fen(0))
        written_off = True
    else:
        provisioned = provision_to_target(updated, on, key, new_entry_id, config)
        updated = provisioned.record
        entries += provisioned.entries
    return LoanDay(replace(updated, eod_date=on), tuple(entries), written_off)


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

    def add(self, other: Mapping[str, int]) -> None:
        for name, value in other.items():
            setattr(self, name, getattr(self, name) + int(value))

    def as_dict(self) -> dict[str, int]:
        return {name: getattr(self, name) for name in self.__dataclass_fields__}


def _chunk_totals(days: list[LoanDay], before: list[LoanRecord]) -> Totals:
    totals = Totals(loans=len(days), chunks=1)
    for day, old in zip(days, before, strict=True):
        totals.entries += len(day.entries)
        totals.written_off += day.written_off
        totals.reclassified += day.record.loan_class is not old.loan_class
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


def eod_partition(
    business_date: date,
    svc: LendingServices,
    *,
    partition: int = 0,
    partitions: int = 1,
    chunk: int | None = None,
    before_commit: ChunkHook | None = None,
) -> Totals:
    """Process one partition's active loans for `business_date`, a committed chunk at a time:
    the quiet loans first, in large batches, then the rest one loan at a time."""
    done = Totals()
    if svc.config.eod_quiet:
        done.add(
            quiet_partition(business_date, svc, partition, partitions, before_commit).as_dict()
        )
    size = chunk or svc.config.eod_chunk
    ids = lambda: new_id("je", svc.clock)  # noqa: E731
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
            days = [close_loan_day(r, business_date, svc.config, ids) for r in records]
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
            line_changes = _line_triggers(uow, days, business_date, svc, now)
            totals = _chunk_totals(days, records)
            totals.line_actions = line_changes
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
            _audit_chunk(
                uow, now, business_date, partition, records[0].loan_id, records[-1].loan_id, totals
            )
            _advance(progress, totals, cursor=records[-1].loan_id)
            store.save_eod_progress(progress)
            if before_commit is not None:
                before_commit(business_date, partition, progress["chunks"])
            uow.commit()
            done.add(totals.as_dict())


def quiet_partition(
    business_date: date,
    svc: LendingServices,
    partition: int = 0,
    partitions: int = 1,
    before_commit: ChunkHook | None = None,
) -> Totals:
    """Close one partition's quiet loans for the date, `eod_quiet_chunk` loans per transaction.
    Safe to rerun: a loan closed for the date is no longer selected."""
    done = Totals()
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
                quiet_day(batch, business_date, svc.config), business_date, now
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
                interest_fen=int(saved["accrued"].sum()),
                provision_change_fen=int(saved["provision_change"].sum()),
            )
            _audit_chunk(uow, now, business_date, partition, first, after, totals)
            _advance(progress, totals)
            store.save_eod_progress(progress)
            if before_commit is not None:
                before_commit(business_date, partition, progress["chunks"])
            uow.commit()
            done.add(totals.as_dict())


def _audit_chunk(
    uow: Any,
    now: Any,
    business_date: date,
    partition: int,
    first: str,
    last: str,
    totals: Totals,
) -> None:
    uow.audit.append(
        at=now,
        actor=SYSTEM,
        action="eod.chunk",
        subject_type="eod",
        subject_id=f"{business_date.isoformat()}/{partition}",
        payload={"first_loan": first, "last_loan": last, **totals.as_dict()},
    )


def _line_triggers(uow: Any, days: list[LoanDay], on: date, svc: LendingServices, now: Any) -> int:
    """Copy each draw's balance to its line, then let the configured triggers act on the line."""
    by_line: dict[str, list[LoanDay]] = {}
    for day in days:
        if day.record.line_id is not None:
            by_line.setdefault(day.record.line_id, []).append(day)
    fired = 0
    for line_id, draws in sorted(by_line.items()):
        stored = uow.lending.get_line(line_id)
        if stored is None:
            continue
        line = stored.line
        for day in draws:
            if any(d.draw_id == day.record.loan_id for d in line.draws):
                line = sync_draw(line, day.record.state)
        signals = LineSignals(days_past_due=uow.lending.worst_dpd_on_line(line_id))
        actions = line_actions(line, signals, svc.config.line_rules)
        line = apply_actions(line, actions, on)
        uow.lending.save_line(replace(stored, line=line), now)
        for action in actions:
            fired += 1
            uow.audit.append(
                at=now,
                actor=SYSTEM,
                action=f"line.{action.kind.value}",
                subject_type="credit_line",
                subject_id=line_id,
                payload={
                    "reason": action.reason,
                    "detail": action.detail,
                    "new_limit_fen": action.new_limit,
                    "business_date": on.isoformat(),
                    "notify": "borrower",
                },
            )
    return fired


@dataclass(frozen=True, slots=True)
class EodReport:
    requested: date
    ran: tuple[date, ...]
    already_done: bool
    totals: Mapping[str, Mapping[str, int]] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return {
            "requested": self.requested.isoformat(),
            "ran": [d.isoformat() for d in self.ran],
            "already_done": self.already_done,
            "totals": {d: dict(t) for d, t in self.totals.items()},
        }


def dates_to_run(requested: date, last_done: date | None) -> tuple[date, ...]:
    """The catch-up: every date after the last completed run up to `requested`, in order."""
    if last_done is None or last_done >= requested:
        return (requested,)
    days = (requested - last_done).days
    return tuple(last_done + ONE_DAY * k for k in range(1, days + 1))


def run_end_of_day(
    business_date: date,
    svc: LendingServices,
    *,
    partitions: int = 1,
    chunk: int | None = None,
    before_commit: ChunkHook | None = None,
    steps: Sequence[DateStep] = (),
) -> EodReport:
    """`fengkong eod --date D`: run (or finish) D and any missed date before it, in order."""
    with svc.uow() as uow:
        run = uow.lending.eod_run(business_date)
        last = uow.lending.last_completed_eod()
    if run is not None and run["status"] == "done":
        return EodReport(business_date, (), True)
    ran: list[date] = []
    totals: dict[str, Mapping[str, int]] = {}
    for day in dates_to_run(business_date, last):
        totals[day.isoformat()] = run_business_date(
            day, svc, partitions=partitions, chunk=chunk, before_commit=before_commit, steps=steps
        )
        ran.append(day)
    return EodReport(business_date, tuple(ran), False, totals)


def run_business_date(
    business_date: date,
    svc: LendingServices,
    *,
    partitions: int = 1,
    chunk: int | None = None,
    before_commit: ChunkHook | None = None,
    steps: Sequence[DateStep] = (),
) -> Mapping[str, int]:
    """One date: every partition, then the run record. Safe to call again after a crash."""
    with svc.uow() as uow:
        run = uow.lending.eod_run(business_date)
        if run is not None and run["status"] == "done":
            return dict(run["summary"])
        uow.lending.start_eod(business_date, svc.clock.now())
        uow.commit()
    for partition in range(partitions):
        eod_partition(
            business_date,
            svc,
            partition=partition,
            partitions=partitions,
            chunk=chunk,
            before_commit=before_commit,
        )
    extra: dict[str, int] = {}
    for step in steps:
        for name, count in step(business_date).items():
            extra[name] = extra.get(name, 0) + int(count)
    with svc.uow() as uow:
        summary = Totals()
        for progress in uow.lending.all_eod_progress(business_date):
            summary.add(progress["totals"])
        done = {**summary.as_dict(), **extra}
        now = svc.clock.now()
        uow.lending.finish_eod(business_date, now, done)
        uow.audit.append(
            at=now,
            actor=SYSTEM,
            action="eod.completed",
            subject_type="eod",
            subject_id=business_date.isoformat(),
            payload={"partitions": partitions, **done},
        )
        uow.commit()
    return done
