"""End of day in the database: the loans of a partition still to run, saved in bulk; the quiet
loans as columns (COPY on PostgreSQL); the runs and their per-partition progress. Stores never
commit."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa

from fengkong.db.ledger_tables import journal_entries, journal_postings
from fengkong.db.lending_pg import LendingStore, copy_in, copy_out, quiet_schema, update_quiet_copy
from fengkong.db.lending_rows import loan_record, loan_values
from fengkong.db.lending_tables import eod_progress, eod_runs, loans
from fengkong.lending.delinquency import LoanClass
from fengkong.lending.errors import StaleLoan
from fengkong.lending.quiet import QuietJournal
from fengkong.lending.records import LoanRecord, LoanStage

if TYPE_CHECKING:
    import polars as pl


class SqlEndOfDay(LendingStore):
    def save_loans(self, records: Sequence[LoanRecord], now: datetime) -> None:
        """Save many loans at once, each checked against its revision."""
        if not records:
            return
        rows = []
        for r in records:
            values = loan_values(r, now)
            rows.append(
                {
                    "b_id": r.loan_id,
                    "b_revision": r.revision,
                    "status": values["status"],
                    "booked_on": values["booked_on"],
                    "accrued_through": values["accrued_through"],
                    "eod_date": values["eod_date"],
                    "principal_outstanding_fen": values["principal_outstanding_fen"],
                    "days_past_due": values["days_past_due"],
                    "dpd_bucket": values["dpd_bucket"],
                    "loan_class": values["loan_class"],
                    "allowance_fen": values["allowance_fen"],
                    "reserve_fen": values["reserve_fen"],
                    **{k: v for k, v in values.items() if k.startswith("quiet_")},
                    "outstanding_fen": values["outstanding_fen"],
                    "state": values["state"],
                    "revision": r.revision + 1,
                    "updated_at": now,
                }
            )
        statement = (
            loans.update()
            .where(
                loans.c.id == sa.bindparam("b_id"), loans.c.revision == sa.bindparam("b_revision")
            )
            .values({k: sa.bindparam(k) for k in rows[0] if not k.startswith("b_")})
        )
        result = self.session.execute(statement, rows)
        if result.rowcount != len(rows):  # type: ignore[attr-defined]
            raise StaleLoan("a loan changed while end of day was processing it; retry the chunk")

    def loans_for_eod(
        self, business_date: date, partition: int, partitions: int, after: str, limit: int
    ) -> list[LoanRecord]:
        """Active loans of one partition, by id after `after`, not yet processed for the date."""
        query = (
            sa.select(loans)
            .where(
                loans.c.status == LoanStage.ACTIVE.value,
                loans.c.id > after,
                loans.c.booked_on <= business_date,
                sa.or_(loans.c.eod_date.is_(None), loans.c.eod_date < business_date),
            )
            .order_by(loans.c.id)
            .limit(limit)
        )
        if partitions > 1:
            query = query.where(loans.c.partition_key % partitions == partition)
        return [loan_record(r._mapping) for r in self.session.execute(query)]

    def count_loans_for_eod(self, business_date: date) -> int:
        """How many active loans (all partitions) are not yet processed for the date."""
        return int(
            self.session.execute(
                sa.select(sa.func.count())
                .select_from(loans)
                .where(
                    loans.c.status == LoanStage.ACTIVE.value,
                    loans.c.booked_on <= business_date,
                    sa.or_(loans.c.eod_date.is_(None), loans.c.eod_date < business_date),
                )
            ).scalar_one()
        )

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
        """Quiet loans of one partition for the date (`lending.quiet`), by id after `after`, as
        columns `QUIET_COLUMNS`: active, not on a line, accrued through the day before, the date
        strictly inside the running period, 0 days past due in that bucket and class."""
        import polars as pl

        c = loans.c
        query = (
            sa.select(
                c.id.label("loan_id"),
                c.revision,
                c.quiet_period_start.label("period_start"),
                c.quiet_due.label("due"),
                c.quiet_interest_fen.label("interest"),
                c.quiet_ceiling_fen.label("ceiling"),
                c.quiet_charged_fen.label("charged"),
                c.outstanding_fen.label("outstanding"),
                c.allowance_fen.label("allowance"),
                c.reserve_fen.label("reserve"),
                c.principal_fen.label("principal"),
            )
            .where(
                c.status == LoanStage.ACTIVE.value,
                c.quiet_instalment.is_not(None),
                c.id > after,
                c.booked_on <= business_date,
                c.accrued_through == business_date - timedelta(days=1),
                sa.or_(c.eod_date.is_(None), c.eod_date < business_date),
                c.quiet_period_start < business_date,
                c.quiet_due > business_date,
                c.days_past_due == 0,
                c.dpd_bucket == bucket,
                c.loan_class == loan_class.value,
            )
            .order_by(c.id)
            .limit(limit)
        )
        if partitions > 1:
            query = query.where(c.partition_key % partitions == partition)
        if self._copies:
            return copy_out(self.session, query, quiet_schema())
        rows = self.session.execute(query).all()
        return pl.DataFrame([tuple(r) for r in rows], schema=quiet_schema(), orient="row")

    def save_quiet_loans(self, moved: pl.DataFrame, on: date, now: datetime) -> pl.DataFrame:
        """Store quiet-day figures (`lending.quiet.quiet_day`) of the loans still at the revision
        read, closing them for `on`; returns those rows (the others are left for the full step
        on PostgreSQL; on SQLite, where nothing can interleave, a changed loan is `StaleLoan`)."""
        if moved.is_empty():
            return moved
        if self._copies:
            return update_quiet_copy(self.session, moved, on, now)
        return self._update_quiet_rows(moved, on, now)

    def post_quiet_journal(
        self, journal: QuietJournal, request_hash: str, posted_at: datetime
    ) -> None:
        """Insert a quiet batch's entries and postings (COPY on PostgreSQL)."""
        import polars as pl

        if journal.entries.is_empty():
            return
        entries = journal.entries.select(
            "entry_id",
            "business_date",
            "kind",
            "idempotency_key",
            pl.lit(request_hash).alias("request_hash"),
            "memo",
            pl.lit(None, dtype=pl.String).alias("reverses"),
            pl.lit(posted_at.isoformat()).alias("posted_at"),
        )
        if self._copies:
            copy_in(self.session, "journal_entries", entries)
            copy_in(self.session, "journal_postings", journal.postings)
            return
        self.session.execute(
            journal_entries.insert(),
            [{**e, "posted_at": posted_at} for e in entries.to_dicts()],
        )
        self.session.execute(journal_postings.insert(), journal.postings.to_dicts())

    def _update_quiet_rows(self, moved: pl.DataFrame, on: date, now: datetime) -> pl.DataFrame:
        import polars as pl

        statement = (
            loans.update()
            .where(
                loans.c.id == sa.bindparam("b_id"),
                loans.c.revision == sa.bindparam("b_revision"),
            )
            .values(
                accrued_through=on,
                eod_date=on,
                quiet_charged_fen=sa.bindparam("b_charged"),
                outstanding_fen=sa.bindparam("b_outstanding"),
                allowance_fen=sa.bindparam("b_allowance"),
                reserve_fen=sa.bindparam("b_reserve"),
                revision=loans.c.revision + 1,
                updated_at=now,
            )
        )
        rows = moved.select(
            pl.col("loan_id").alias("b_id"),
            pl.col("revision").alias("b_revision"),
            pl.col("charged").alias("b_charged"),
            pl.col("outstanding").alias("b_outstanding"),
            pl.col("allowance").alias("b_allowance"),
            pl.col("reserve").alias("b_reserve"),
        ).to_dicts()
        result = self.session.execute(statement, rows)
        if result.rowcount != len(rows):  # type: ignore[attr-defined]
            raise StaleLoan("a loan changed while end of day was processing it; retry the chunk")
        return moved

    # -- the runs and their progress by partition

    def eod_run(self, business_date: date) -> Mapping[str, Any] | None:
        row = self.session.execute(
            sa.select(eod_runs).where(eod_runs.c.business_date == business_date)
        ).first()
        return None if row is None else dict(row._mapping)

    def last_completed_eod(self) -> date | None:
        value = self.session.execute(
            sa.select(sa.func.max(eod_runs.c.business_date)).where(eod_runs.c.status == "done")
        ).scalar_one()
        return value  # type: ignore[no-any-return]

    def start_eod(self, business_date: date, now: datetime) -> None:
        if self.eod_run(business_date) is None:
            self.session.execute(
                eod_runs.insert().values(
                    business_date=business_date, status="running", started_at=now, summary={}
                )
            )

    def add_eod_counts(self, business_date: date, counts: Mapping[str, int]) -> None:
        # Read and rewrite under a row lock (PostgreSQL; SQLite writes one at a time): two
        # writers adding to one date would otherwise lose one's counts.
        where = (eod_runs.c.business_date == business_date, eod_runs.c.status == "running")
        stored = self.session.execute(
            sa.select(eod_runs.c.summary).where(*where).with_for_update()
        ).scalar_one_or_none()
        if stored is None:
            return
        summary = {name: int(value) for name, value in stored.items()}
        for name, count in counts.items():
            summary[name] = summary.get(name, 0) + int(count)
        self.session.execute(eod_runs.update().where(*where).values(summary=summary))

    def finish_eod(self, business_date: date, now: datetime, summary: Mapping[str, Any]) -> None:
        self.session.execute(
            eod_runs.update()
            .where(eod_runs.c.business_date == business_date)
            .values(status="done", finished_at=now, summary=dict(summary))
        )

    def eod_progress(self, business_date: date, partition: int) -> Mapping[str, Any] | None:
        row = self.session.execute(
            sa.select(eod_progress).where(
                eod_progress.c.business_date == business_date,
                eod_progress.c.partition == partition,
            )
        ).first()
        return None if row is None else dict(row._mapping)

    def all_eod_progress(self, business_date: date) -> list[Mapping[str, Any]]:
        rows = self.session.execute(
            sa.select(eod_progress).where(eod_progress.c.business_date == business_date)
        )
        return [dict(r._mapping) for r in rows]

    def save_eod_progress(self, progress: Mapping[str, Any]) -> None:
        key = (progress["business_date"], progress["partition"])
        values = {k: v for k, v in progress.items() if k not in ("business_date", "partition")}
        moved = self.session.execute(
            eod_progress.update()
            .where(eod_progress.c.business_date == key[0], eod_progress.c.partition == key[1])
            .values(**values)
        )
        if moved.rowcount == 0:  # type: ignore[attr-defined]
            self.session.execute(eod_progress.insert().values(**progress))
