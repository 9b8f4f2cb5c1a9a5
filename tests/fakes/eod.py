"""In-memory twin of `db/lending_eod.py`: the loans a partition still has to run for a date, saved
in bulk against their revisions; the run of each date and each partition's progress.

Loans are partitioned by the database's own `partition_key` (a stable hash of the id), so a
partition holds the same loans on every backend. The fake finds no quiet loans (`lending.quiet`):
the quiet batch is set-based arithmetic over Polars columns, moved with COPY on PostgreSQL, and
only an optimisation; with none found every loan takes the full step (`close_loan_day`), which
`tests/lending/test_quiet_batch_equals_full_step_over_days.py` proves gives the same books. The
quiet path's own tests run on the databases."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from fakes.loans import MemoryLoans
from fengkong.db.lending_pg import quiet_schema
from fengkong.db.lending_rows import partition_key
from fengkong.lending.delinquency import LoanClass
from fengkong.lending.quiet import QuietJournal
from fengkong.lending.records import LoanRecord, LoanStage

if TYPE_CHECKING:
    import polars as pl


class MemoryEndOfDay(MemoryLoans):
    def save_loans(self, records: Sequence[LoanRecord], now: datetime) -> None:
        """Save many loans at once, each checked against its revision, all or none."""
        for r in records:
            self._at_revision(r)
        for r in records:
            stored = self.tables.loans[r.loan_id]
            self.tables.loans[r.loan_id] = replace(
                r,
                revision=r.revision + 1,
                application_id=stored.application_id,
                acceptance_key=stored.acceptance_key,
                line_id=stored.line_id,
                amount=stored.amount,
            )

    def _due(self, business_date: date) -> list[LoanRecord]:
        return [
            r
            for r in self.tables.loans.values()
            if r.stage is LoanStage.ACTIVE
            and r.booked_on <= business_date
            and (r.eod_date is None or r.eod_date < business_date)
        ]

    def loans_for_eod(
        self, business_date: date, partition: int, partitions: int, after: str, limit: int
    ) -> list[LoanRecord]:
        """Active loans of one partition, by id after `after`, not yet processed for the date."""
        chosen = [
            r
            for r in self._due(business_date)
            if r.loan_id > after
            and (partitions <= 1 or partition_key(r.loan_id) % partitions == partition)
        ]
        return sorted(chosen, key=lambda r: r.loan_id)[:limit]

    def count_loans_for_eod(self, business_date: date) -> int:
        return len(self._due(business_date))

    # -- the quiet batch: none here (see the module's docstring)

    def quiet_loans_for_eod(
        self,
        business_date: date,
        partition: int,
        partitions: int,
        after: str,
        limit: int,
        loan_class: LoanClass,
        bucket: str,
    ) -> pl.DataFrame:
        import polars as pl

        return pl.DataFrame(schema=quiet_schema())

    def save_quiet_loans(self, moved: pl.DataFrame, on: date, now: datetime) -> pl.DataFrame:
        assert moved.is_empty(), "the in-memory store finds no quiet loans to save"
        return moved

    def post_quiet_journal(
        self, journal: QuietJournal, request_hash: str, posted_at: datetime
    ) -> None:
        assert journal.entries.is_empty(), "the in-memory store finds no quiet loans to post"

    # -- the runs and their progress by partition

    def eod_run(self, business_date: date) -> Mapping[str, Any] | None:
        run = self.tables.eod_runs.get(business_date)
        return None if run is None else dict(run)

    def last_completed_eod(self) -> date | None:
        done = [d for d, run in self.tables.eod_runs.items() if run["status"] == "done"]
        return max(done, default=None)

    def start_eod(self, business_date: date, now: datetime) -> None:
        if business_date not in self.tables.eod_runs:
            self.tables.eod_runs[business_date] = {
                "business_date": business_date,
                "status": "running",
                "started_at": now,
                "finished_at": None,
                "summary": {},
            }

    def add_eod_counts(self, business_date: date, counts: Mapping[str, int]) -> None:
        run = self.tables.eod_runs.get(business_date)
        if run is None or run["status"] != "running":
            return
        summary = dict(run["summary"])
        for name, count in counts.items():
            summary[name] = summary.get(name, 0) + int(count)
        self.tables.eod_runs[business_date] = {**run, "summary": summary}

    def finish_eod(self, business_date: date, now: datetime, summary: Mapping[str, Any]) -> None:
        run = self.tables.eod_runs.get(business_date)
        if run is not None:
            self.tables.eod_runs[business_date] = {
                **run,
                "status": "done",
                "finished_at": now,
                "summary": dict(summary),
            }

    def eod_progress(self, business_date: date, partition: int) -> Mapping[str, Any] | None:
        progress = self.tables.eod_progress.get((business_date, partition))
        return None if progress is None else _copy(progress)

    def all_eod_progress(self, business_date: date) -> list[Mapping[str, Any]]:
        return [_copy(p) for (d, _), p in self.tables.eod_progress.items() if d == business_date]

    def save_eod_progress(self, progress: Mapping[str, Any]) -> None:
        key = (progress["business_date"], progress["partition"])
        self.tables.eod_progress[key] = {**self.tables.eod_progress.get(key, {}), **_copy(progress)}


def _copy(progress: Mapping[str, Any]) -> dict[str, Any]:
    """A copy whose running totals are not the stored ones: the caller adds to what it reads."""
    copied = dict(progress)
    if "totals" in copied:
        copied["totals"] = dict(copied["totals"])
    return copied
