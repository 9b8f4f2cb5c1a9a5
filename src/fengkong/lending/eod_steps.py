"""End of day's steps (日终步骤), declared once and in order: `EOD_STEPS`.

Each `EodStep` has a name, a Chinese and an English label, what it does, how it resumes after a
crash (its checkpoint), its scope and the function that runs it. The runner (`lending.eod`), the
progress bar and summary (`fengkong eod`), the step list (`fengkong eod-steps`) and the generated
section of docs/eod.md all read this tuple, so adding, renaming or moving a step changes them
together (a test checks the document against `steps_markdown`).

Scope: a `DATE` step runs once for the business date; consecutive `PARTITION` steps run for one
loan partition after another, each partition going through all of them before the next starts
(partitions are independent, so separate processes, or a Spark/Dask map over partition numbers,
can run them side by side: see `lending.eod.eod_partition`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum
from typing import Any

from fengkong.core.log import get_logger
from fengkong.core.partitions import IN_PROCESS, PartitionRunner
from fengkong.lending.eod_dates import EodMeter, check_eod_date
from fengkong.lending.eod_loans import SYSTEM, ChunkHook, Totals, loan_partition, quiet_partition
from fengkong.lending.services import LendingServices

DateStep = Callable[[date], Mapping[str, int]]  # one date's extra job → what it did, counted


class Scope(StrEnum):
    DATE = "date"  # once for the business date
    PARTITION = "partition"  # once per loan partition, partitions in turn


@dataclass(slots=True)
class EodDay:
    """One business date's run as its steps see it: what to run on and how; once closed, the
    date's totals (`summary`)."""

    business_date: date
    svc: LendingServices
    partitions: int = 1
    chunk: int | None = None
    before_commit: ChunkHook | None = None
    servicing: Sequence[DateStep] = ()
    simulate: bool = False
    meter: EodMeter | None = None
    partition: int = 0  # the partition a PARTITION step is running
    # Where the loans' arithmetic runs (`core.partitions`): in this process, or on a cluster;
    # reads, writes and commits stay in this process either way.
    runner: PartitionRunner = IN_PROCESS
    # Who started the run: an admin's audit name from the command line (audited `eod.started`),
    # or the system itself (a scheduler, a test), whose start is not audited. The loans' work is
    # always the system's.
    started_by: str = SYSTEM
    summary: dict[str, int] = field(default_factory=dict)  # the date's totals, once closed


StepRun = Callable[[EodDay], Mapping[str, int]]


@dataclass(frozen=True, slots=True)
class EodStep:
    """One step of end of day."""

    name: str  # stable identifier, as in `fengkong eod-steps --json`
    zh: str  # label in Chinese
    en: str  # label in English
    does: str  # what the step does, one sentence
    checkpoint: str  # what a rerun after a crash starts from
    scope: Scope
    # The step itself; returns what this run of it counted. The date's totals are what the
    # steps stored as they committed (the partitions' progress, the servicing counts), which
    # the close sums: a rerun after a crash counts only what was left to do.
    run: StepRun


def open_date(day: EodDay) -> Mapping[str, int]:
    """Refuse a date end of day may not run (`eod_dates.check_eod_date`), else record the run as
    started (and audit `eod.started` with the person who started it)."""
    svc = day.svc
    with svc.uow() as uow:
        check_eod_date(
            day.business_date,
            svc.clock.business_date(),
            uow.lending.last_completed_eod(),
            simulate=day.simulate,
        )
        now = svc.clock.now()
        uow.lending.start_eod(day.business_date, now)
        if day.started_by != SYSTEM:
            uow.audit.append(
                at=now,
                actor=day.started_by,
                action="eod.started",
                subject_type="eod",
                subject_id=day.business_date.isoformat(),
                payload={"simulated": True} if day.simulate else {},
            )
        uow.commit()
    return {}


def close_quiet_loans(day: EodDay) -> Mapping[str, int]:
    """The partition's quiet loans, a batch per transaction (`eod_loans.quiet_partition`)."""
    return quiet_partition(
        day.business_date,
        day.svc,
        day.partition,
        day.partitions,
        day.before_commit,
        day.meter,
        day.runner,
    ).as_dict()


def close_other_loans(day: EodDay) -> Mapping[str, int]:
    """The partition's other loans, a chunk per transaction (`eod_loans.loan_partition`)."""
    return loan_partition(
        day.business_date,
        day.svc,
        day.partition,
        day.partitions,
        day.chunk,
        day.before_commit,
        day.meter,
        day.runner,
    ).as_dict()


def run_servicing(day: EodDay) -> Mapping[str, int]:
    """The servicing jobs the caller passed (`lending.servicing.servicing_steps`), in order, each
    job's counts added to the date's run record as soon as the job returns."""
    counts: dict[str, int] = {}
    for step in day.servicing:
        done = {name: int(count) for name, count in step(day.business_date).items()}
        # A job commits its own work; its counts follow in one small write, so that a crash
        # after the job loses none of them: a rerun finds the work done and counts 0. (A crash
        # inside a job, or between its last commit and this write, still loses what the job
        # had counted; its records are all there.)
        with day.svc.uow() as uow:
            uow.lending.add_eod_counts(day.business_date, done)
            uow.commit()
        for name, count in done.items():
            counts[name] = counts.get(name, 0) + count
    return counts


def close_date(day: EodDay) -> Mapping[str, int]:
    """Sum every partition's stored totals and the counts the date steps stored, by every run
    of the date (`eod_runs.summary` while running), mark the date done and audit
    `eod.completed`; the sum becomes `day.summary`. Then sign a checkpoint of the audit chain as
    the date left it (`svc.checkpoints`), to be kept away from the database."""
    svc = day.svc
    with svc.uow() as uow:
        summary = Totals()
        for progress in uow.lending.all_eod_progress(day.business_date):
            summary.add(progress["totals"])
        run = uow.lending.eod_run(day.business_date)
        stored = {} if run is None else run["summary"]
        # a step's count named like a total (a line frozen by the black-list check) adds to it
        done = summary.as_dict()
        for name, count in stored.items():
            done[name] = done.get(name, 0) + int(count)
        now = svc.clock.now()
        uow.lending.finish_eod(day.business_date, now, done)
        uow.audit.append(
            at=now,
            actor=SYSTEM,
            action="eod.completed",
            subject_type="eod",
            subject_id=day.business_date.isoformat(),
            payload={
                "partitions": day.partitions,
                **done,
                **({"simulated": True} if day.simulate else {}),
            },
        )
        uow.commit()
    day.summary = done
    if svc.checkpoints is not None:
        # After the commit: the checkpoint pins the date's closing record. A failure here
        # leaves the date done; `fengkong audit head` writes one at any time.
        signed = svc.checkpoints.write(f"eod {day.business_date.isoformat()}")
        if signed.timestamp_error is not None:
            _untimestamped(day, signed.checkpoint.seq, signed.timestamp_error)
    return {}


def _untimestamped(day: EodDay, seq: int, error: str) -> None:
    """The date's checkpoint was written without the timestamp token asked for: a warning in
    the log, `checkpoint_untimestamped` in the date's summary and an audit record saying why.
    The date stays done; `fengkong audit head` writes a timestamped checkpoint later."""
    svc = day.svc
    get_logger("fengkong.eod").warning(
        "eod.checkpoint_untimestamped",
        business_date=day.business_date.isoformat(),
        checkpoint_seq=seq,
        error=error,
    )
    day.summary["checkpoint_untimestamped"] = 1
    with svc.uow() as uow:
        uow.audit.append(
            at=svc.clock.now(),
            actor=SYSTEM,
            action="eod.checkpoint_untimestamped",
            subject_type="eod",
            subject_id=day.business_date.isoformat(),
            payload={"checkpoint_seq": seq, "error": error},
        )
        uow.commit()


EOD_STEPS: tuple[EodStep, ...] = (
    EodStep(
        name="open",
        zh="开始日终",
        en="open the date",
        does="Refuse a date after today's business date (unless simulating) or before the last "
        "completed end of day; record the run as started, and audit `eod.started` with the "
        "admin who ran `fengkong eod`.",
        checkpoint="the run record (`eod_runs`): a date marked done is not run again",
        scope=Scope.DATE,
        run=open_date,
    ),
    EodStep(
        name="quiet",
        zh="静默贷款批量计提",
        en="quiet loans, in batches",
        does="For loans on which the date brings only one day of contract interest: accrue it, "
        "bring the allowance and the general reserve to their rates, in column arithmetic, "
        "booked in a few entries per batch.",
        checkpoint="each loan's `eod_date`, set in its batch's transaction",
        scope=Scope.PARTITION,
        run=close_quiet_loans,
    ),
    EodStep(
        name="loans",
        zh="逐笔日终",
        en="every other loan, one by one",
        does="Accrue interest, penalty and late fees (or use unapplied credit on what fell due), "
        "age into buckets and classify, write off past the configured days past due or "
        "provision; then act on the credit lines of the draws (freeze, reduce, close).",
        checkpoint="the partition's progress cursor (`eod_progress`), committed with each chunk, "
        "and each loan's `eod_date`",
        scope=Scope.PARTITION,
        run=close_other_loans,
    ),
    EodStep(
        name="servicing",
        zh="贷后作业",
        en="servicing jobs",
        does="The servicing jobs passed in, in order: black-list check, the freeze of lines "
        "whose draws' receipts are overdue (docs/use-of-funds.md), the lapse of offers "
        "conditional on security neither secured and accepted by their last date, audited "
        "`secured_offer.expired` (docs/decisions.md), auto-debit, guarantor "
        "calls, margin calls, line notices (docs/post-loan.md), collections, reminders; then "
        "the behaviour re-score of every active borrower and the line rules it drives "
        "(docs/behaviour-scoring.md), the portfolio snapshot "
        "(docs/monitoring.md) and early warning's rules on it (docs/early-warning.md).",
        checkpoint="none: every job records what it does under a unique key, so a rerun does "
        "nothing twice; each job's counts are added to the run record (`eod_runs`) as it ends",
        scope=Scope.DATE,
        run=run_servicing,
    ),
    EodStep(
        name="close",
        zh="日终完成",
        en="close the date",
        does="Sum the partitions' totals and the servicing counts stored for the date (by every "
        "run of it), mark the date done and audit "
        "`eod.completed`; then write a signed checkpoint of the audit chain (docs/audit.md).",
        checkpoint="the run record (`eod_runs`) turns done",
        scope=Scope.DATE,
        run=close_date,
    ),
)


def step_named(name: str) -> EodStep:
    """The step called `name`; `KeyError` for a name that is not a step."""
    for step in EOD_STEPS:
        if step.name == name:
            return step
    raise KeyError(name)


def blocks(steps: Sequence[EodStep] = EOD_STEPS) -> Iterator[tuple[Scope, tuple[EodStep, ...]]]:
    """`steps` cut into runs of consecutive steps of one scope, in order."""
    run: list[EodStep] = []
    for step in steps:
        if run and run[-1].scope is not step.scope:
            yield run[0].scope, tuple(run)
            run = []
        run.append(step)
    if run:
        yield run[0].scope, tuple(run)


def steps_as_dicts(steps: Sequence[EodStep] = EOD_STEPS) -> list[dict[str, Any]]:
    """The steps as plain data (everything but the function), numbered from 1."""
    return [
        {
            "number": number,
            "name": step.name,
            "zh": step.zh,
            "en": step.en,
            "scope": step.scope.value,
            "does": step.does,
            "checkpoint": step.checkpoint,
        }
        for number, step in enumerate(steps, start=1)
    ]


def steps_markdown(steps: Sequence[EodStep] = EOD_STEPS) -> str:
    """The steps as the Markdown table docs/eod.md carries between its generated-section marks."""
    rows = [
        "| # | step | 中文 | scope | what it does | resumes from |",
        "| --- | --- | --- | --- | --- | --- |",
    ]
    for item in steps_as_dicts(steps):
        rows.append(
            f"| {item['number']} | `{item['name']}` ({item['en']}) | {item['zh']} | "
            f"{item['scope']} | {item['does']} | {item['checkpoint']} |"
        )
    return "\n".join(rows) + "\n"
