"""End of day (日终批处理): accrue, age, classify, provision, fire credit-line triggers and write off,
by running the steps `lending.eod_steps.EOD_STEPS` declares, in their order.

- One pass per business date, recorded in `eod_runs`; a date already done is not run again.
  A date after the clock's business date runs only as an explicit simulation, and a date before
  the last completed run is refused (`lending.eod_dates`).
- Missed dates are caught up in order: running D when the last completed run was D-3 runs D-2,
  D-1 and D (the first run ever runs D alone; each loan's accrual catches up on its own).
- Loans are split into partitions by a stable hash of the id (`partition_key % partitions`);
  `eod_partition` processes one partition in chunks ordered by loan id, committing each chunk
  (loan states, journal entries, audit record and the progress cursor) in one transaction. A
  crash loses at most the chunk in flight; a rerun continues after the last committed chunk.
  Each loan also remembers the last date processed for it (`eod_date`), so no loan is processed
  twice for a date even if progress were lost. Partitions are independent: separate processes
  (or a Spark/Dask map over partition numbers) can run them side by side.
- The loans' arithmetic (`lending.loan_day.close_loans`, `lending.quiet.quiet_day`) can run on
  a `core.partitions.PartitionRunner` (`runner`: a Dask or Spark cluster through
  `fengkong.distributed`), each chunk cut into the runner's parallelism of slices; reading the
  chunk, posting, saving and committing stay in this process, so the books are the same to the
  fen wherever the arithmetic ran.
- `close_loan_day` (`lending.loan_day`) is the pure per-loan step; everything else is storage
  around it (`lending.eod_loans`).
- Most loans on most days are quiet: one day of contract interest on the running instalment and
  nothing else (`lending.quiet`). A partition first closes its quiet loans a large batch at a
  time with column arithmetic (`quiet_day`) and set-based writes, each batch one transaction
  marking its loans' `eod_date`, then runs the rest through `close_loan_day` as above. A quiet
  loan changed by a concurrent request after it was read is left to the full step. A quiet batch
  books the same amounts per loan, in a few entries per batch (see `lending.quiet` for why).
- `steps` (run by the `servicing` step) are further per-date jobs (auto-debit, reminders,
  guarantor calls, margin calls, collections) run after every partition is done and before the
  date is marked done; each must be idempotent for its date, since a rerun after a crash runs
  them again. Each job's counts are added to the date's run record as the job returns, and the
  close sums what is stored, so the date's summary counts the work of every run of it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date

from fengkong.core.partitions import IN_PROCESS, PartitionRunner
from fengkong.lending.eod_dates import EodMeter, EodReport, check_eod_date, dates_to_run
from fengkong.lending.eod_loans import (
    SYSTEM,
    ChunkHook,
    Totals,
)
from fengkong.lending.eod_steps import EOD_STEPS, DateStep, EodDay, EodStep, Scope, blocks
from fengkong.lending.services import LendingServices

__all__ = ["eod_partition", "run_business_date", "run_end_of_day"]


def _run_step(step: EodStep, day: EodDay) -> Mapping[str, int]:
    if day.meter is not None:
        day.meter.begin_step(step.name, f"{step.zh} {step.en}")
    return step.run(day)


def _run_partition_steps(steps: Sequence[EodStep], day: EodDay) -> Totals:
    done = Totals()
    for step in steps:
        done.add(_run_step(step, day))
    return done


def eod_partition(
    business_date: date,
    svc: LendingServices,
    *,
    partition: int = 0,
    partitions: int = 1,
    chunk: int | None = None,
    before_commit: ChunkHook | None = None,
    meter: EodMeter | None = None,
    runner: PartitionRunner = IN_PROCESS,
) -> Totals:
    """Run every partition-scoped step of `EOD_STEPS` on one partition for `business_date`, in
    order (the quiet loans in large batches, then the rest one loan at a time)."""
    day = EodDay(
        business_date,
        svc,
        partitions=partitions,
        chunk=chunk,
        before_commit=before_commit,
        meter=meter,
        partition=partition,
        runner=runner,
    )
    partition_steps = [s for s in EOD_STEPS if s.scope is Scope.PARTITION]
    return _run_partition_steps(partition_steps, day)


def run_end_of_day(
    business_date: date,
    svc: LendingServices,
    *,
    partitions: int = 1,
    chunk: int | None = None,
    before_commit: ChunkHook | None = None,
    steps: Sequence[DateStep] = (),
    simulate: bool = False,
    meter: EodMeter | None = None,
    started_by: str = SYSTEM,
    runner: PartitionRunner = IN_PROCESS,
) -> EodReport:
    """`fengkong eod --date D`: run (or finish) D and any missed date before it, in order.

    Refuses D after the clock's business date unless `simulate` (`EodDateInFuture`), and D before
    the last completed end of day (`EodDateBeforeLastRun`); the last completed date itself is
    already done and changes nothing. `started_by`: the audit name of who started it (an admin
    at the command line), audited as each date starts; the loans' work is the system's."""
    today = svc.clock.business_date()
    with svc.uow() as uow:
        run = uow.lending.eod_run(business_date)
        last = uow.lending.last_completed_eod()
    check_eod_date(business_date, today, last, simulate=simulate)
    simulated = business_date > today
    if run is not None and run["status"] == "done":
        return EodReport(business_date, (), True, simulated=simulated, today=today)
    ran: list[date] = []
    totals: dict[str, Mapping[str, int]] = {}
    days = dates_to_run(business_date, last)
    for k, day in enumerate(days):
        if meter is not None:
            with svc.uow() as uow:
                meter.begin_date(day, uow.lending.count_loans_for_eod(day), len(days) - k)
        totals[day.isoformat()] = run_business_date(
            day,
            svc,
            partitions=partitions,
            chunk=chunk,
            before_commit=before_commit,
            steps=steps,
            simulate=simulate,
            meter=meter,
            started_by=started_by,
            runner=runner,
        )
        ran.append(day)
    return EodReport(business_date, tuple(ran), False, totals, simulated, today)


def run_business_date(
    business_date: date,
    svc: LendingServices,
    *,
    partitions: int = 1,
    chunk: int | None = None,
    before_commit: ChunkHook | None = None,
    steps: Sequence[DateStep] = (),
    simulate: bool = False,
    meter: EodMeter | None = None,
    started_by: str = SYSTEM,
    runner: PartitionRunner = IN_PROCESS,
) -> Mapping[str, int]:
    """One date: the steps of `EOD_STEPS` in order, date steps once and each run of partition
    steps over every partition in turn; `steps` are the servicing jobs. Safe to call again after
    a crash. Refuses a date `run_end_of_day` would refuse, unless that date is already done."""
    with svc.uow() as uow:
        run = uow.lending.eod_run(business_date)
    if run is not None and run["status"] == "done":
        return dict(run["summary"])
    day = EodDay(
        business_date,
        svc,
        partitions=partitions,
        chunk=chunk,
        before_commit=before_commit,
        servicing=steps,
        simulate=simulate,
        meter=meter,
        started_by=started_by,
        runner=runner,
    )
    for scope, block in blocks(EOD_STEPS):
        if scope is Scope.PARTITION:
            for partition in range(partitions):
                day.partition = partition
                _run_partition_steps(block, day)
            continue
        for step in block:
            _run_step(step, day)
    return day.summary
