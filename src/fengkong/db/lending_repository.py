"""Lending in the database: loans (state as JSON), schedules, contracts, payouts, repayments,
credit lines, draws and end-of-day progress. Repositories never commit.

The loan state codec is here: a `LoanState` becomes one JSON document, dates as ISO strings,
rates as decimal strings, `penalty_base` (a `Fraction`) as [numerator, denominator], and each
instalment position as a flat list so an end-of-day pass decodes it quickly.
"""

from __future__ import annotations

import json
import zlib
from collections.abc import Mapping, Sequence
from dataclasses import replace
from datetime import date, datetime, timedelta
from decimal import Decimal
from fractions import Fraction
from typing import TYPE_CHECKING, Any, cast

import psycopg
import sqlalchemy as sa
from psycopg.rows import dict_row, namedtuple_row
from psycopg.types.json import Json
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from fengkong.core.money import Fen
from fengkong.db.ledger_tables import journal_entries, journal_postings
from fengkong.db.lending_tables import (
    credit_lines,
    eod_progress,
    eod_runs,
    line_draws,
    loan_contracts,
    loan_instalments,
    loans,
    payouts,
    repayments,
)
from fengkong.ledger.journal import JournalEntry
from fengkong.lending.contract import Contract
from fengkong.lending.daycount import DayCount
from fengkong.lending.delinquency import LoanClass
from fengkong.lending.errors import DuplicateKey, StaleLoan
from fengkong.lending.line import (
    CreditLine,
    DrawBalance,
    LineChange,
    LineChangeKind,
    LineStatus,
)
from fengkong.lending.loan import (
    Allocation,
    AllocationLine,
    AppliedRepayment,
    Component,
    Components,
    CreditApplied,
    Disbursed,
    FeeCharged,
    FeeKind,
    InstalmentPosition,
    InterestAccrued,
    LoanState,
    LoanStatus,
    LoanTerms,
    MoneyEvent,
    PenaltyAccrued,
    RepaymentApplied,
    RepaymentReversed,
    Restructured,
    RestructureKind,
    Restructuring,
    WrittenOff,
)
from fengkong.lending.payment import PayoutStatus
from fengkong.lending.product import LateFee, product_from_dict
from fengkong.lending.quiet import QuietJournal, quiet_accrual, with_quiet_charge
from fengkong.lending.records import (
    DrawRecord,
    LineRecord,
    LoanRecord,
    LoanStage,
    PayoutRecord,
    RepaymentKind,
    RepaymentRecord,
)
from fengkong.lending.schedule import Instalment, InterestBasis, RepaymentMethod

if TYPE_CHECKING:
    import polars as pl

PARTITION_KEYS = 1024


def _quiet_schema() -> dict[str, Any]:
    import polars as pl

    return {
        "loan_id": pl.String,
        "revision": pl.Int64,
        "period_start": pl.Date,
        "due": pl.Date,
        "interest": pl.Int64,
        "ceiling": pl.Int64,
        "charged": pl.Int64,
        "outstanding": pl.Int64,
        "allowance": pl.Int64,
        "reserve": pl.Int64,
        "principal": pl.Int64,
    }


_NULL = "\\N"

# A repayment's statements on PostgreSQL, as driver SQL: built once, sent pipelined (one round
# trip for the reads, one for the writes) and prepared by psycopg after a few runs. Building the
# same statements with SQLAlchemy costs more Python per call than PostgreSQL spends running them.
_LOAN_COLUMNS = (
    "id, application_id, line_id, acceptance_key, status, amount_fen, booked_on, "
    "accrued_through, eod_date, days_past_due, dpd_bucket, loan_class, allowance_fen, "
    "reserve_fen, quiet_instalment, quiet_charged_fen, state, revision"
)
_PG_LOAN = f"SELECT {_LOAN_COLUMNS} FROM loans WHERE id = %(loan_id)s"
_PG_REPAYMENT_BY_KEY = (
    "SELECT id, loan_id, idempotency_key, request_hash, kind, amount_fen, business_date, status, "
    "entry_ids, result, reversal_key, reversal_request_hash FROM repayments "
    "WHERE idempotency_key = %(key)s"
)
# What `save_loan` writes: every column but the loan's fixed ones and its creation time.
_SAVED_COLUMNS = tuple(
    c.name
    for c in loans.columns
    if c.name not in ("id", "application_id", "acceptance_key", "partition_key", "created_at")
)
_PG_SAVE_LOAN = (
    "UPDATE loans SET "
    + ", ".join(f"{name} = %({name})s" for name in _SAVED_COLUMNS)
    + " WHERE id = %(b_id)s AND revision = %(b_revision)s"
)
_PG_INSERT_ENTRY = (
    "INSERT INTO journal_entries (entry_id, business_date, kind, idempotency_key, request_hash, "
    "memo, reverses, posted_at) VALUES (%(entry_id)s, %(business_date)s, %(kind)s, "
    "%(idempotency_key)s, %(request_hash)s, %(memo)s, %(reverses)s, %(posted_at)s)"
)
_PG_INSERT_POSTING = (
    "INSERT INTO journal_postings (entry_id, line, account_code, loan_id, side, amount_fen) "
    "VALUES (%(entry_id)s, %(line)s, %(account_code)s, %(loan_id)s, %(side)s, %(amount_fen)s)"
)
_PG_INSERT_REPAYMENT = (
    "INSERT INTO repayments (id, loan_id, idempotency_key, request_hash, kind, amount_fen, "
    "business_date, status, entry_ids, result, reversal_key, reversal_request_hash, created_at) "
    "VALUES (%(id)s, %(loan_id)s, %(idempotency_key)s, %(request_hash)s, %(kind)s, "
    "%(amount_fen)s, %(business_date)s, %(status)s, %(entry_ids)s, %(result)s, "
    "%(reversal_key)s, %(reversal_request_hash)s, %(created_at)s)"
)


def partition_key(loan_id: str) -> int:
    """A stable bucket of the loan id; partition p of n takes the loans with key % n == p."""
    return zlib.crc32(loan_id.encode()) % PARTITION_KEYS


# ---- codec ------------------------------------------------------------------------------------


def _d(value: date) -> str:
    return value.isoformat()


def _date(text: str) -> date:
    return date.fromisoformat(text)


def _components(c: Components) -> list[int]:
    return [int(c.principal), int(c.interest), int(c.fee), int(c.penalty)]


def _components_from(v: Sequence[int]) -> Components:
    return Components(Fen(v[0]), Fen(v[1]), Fen(v[2]), Fen(v[3]))


def _position(p: InstalmentPosition) -> list[Any]:
    i = p.instalment
    return [
        i.number,
        _d(i.due),
        int(i.principal),
        int(i.interest),
        int(i.fee),
        int(i.opening_principal),
        int(i.closing_principal),
        _d(p.period_start),
        _components(p.charged),
        _components(p.paid),
        int(p.interest_waived),
        [p.penalty_base.numerator, p.penalty_base.denominator],
        p.late_fee_charged,
    ]


def _position_from(v: Sequence[Any]) -> InstalmentPosition:
    return InstalmentPosition(
        instalment=Instalment(
            number=v[0],
            due=_date(v[1]),
            principal=Fen(v[2]),
            interest=Fen(v[3]),
            fee=Fen(v[4]),
            opening_principal=Fen(v[5]),
            closing_principal=Fen(v[6]),
        ),
        period_start=_date(v[7]),
        charged=_components_from(v[8]),
        paid=_components_from(v[9]),
        interest_waived=Fen(v[10]),
        penalty_base=Fraction(v[11][0], v[11][1]),
        late_fee_charged=bool(v[12]),
    )


def _allocation(a: Allocation) -> dict[str, Any]:
    return {
        "lines": [[x.instalment, x.component.value, int(x.amount)] for x in a.lines],
        "to_credit": int(a.to_credit),
    }


def _allocation_from(v: Mapping[str, Any]) -> Allocation:
    return Allocation(
        tuple(AllocationLine(n, Component(c), Fen(a)) for n, c, a in v["lines"]),
        Fen(v["to_credit"]),
    )


def _restructuring(r: Restructuring) -> dict[str, Any]:
    return {
        "on": _d(r.on),
        "kind": r.kind.value,
        "reason": r.reason,
        "outstanding_principal": int(r.outstanding_principal),
        "old_terms": r.old_terms,
        "new_terms": r.new_terms,
        "annual_rate": str(r.annual_rate),
        "method": r.method.value,
        "first_new_instalment": r.first_new_instalment,
    }


def _restructuring_from(v: Mapping[str, Any]) -> Restructuring:
    return Restructuring(
        on=_date(v["on"]),
        kind=RestructureKind(v["kind"]),
        reason=v["reason"],
        outstanding_principal=Fen(v["outstanding_principal"]),
        old_terms=v["old_terms"],
        new_terms=v["new_terms"],
        annual_rate=Decimal(v["annual_rate"]),
        method=RepaymentMethod(v["method"]),
        first_new_instalment=v["first_new_instalment"],
    )


def event_to_json(e: MoneyEvent) -> dict[str, Any]:
    base: dict[str, Any] = {"type": type(e).__name__, "on": _d(e.on)}
    if isinstance(e, Disbursed):
        base.update(
            principal=int(e.principal),
            paid_out=int(e.paid_out),
            fee_receivable=int(e.fee_receivable),
        )
    elif isinstance(e, InterestAccrued | PenaltyAccrued):
        base.update(instalment=e.instalment, amount=int(e.amount))
    elif isinstance(e, FeeCharged):
        base.update(instalment=e.instalment, kind=e.kind.value, amount=int(e.amount))
    elif isinstance(e, RepaymentApplied):
        base.update(
            repayment_id=e.repayment_id,
            amount=int(e.amount),
            allocation=_allocation(e.allocation),
            settlement=e.settlement,
        )
    elif isinstance(e, CreditApplied):
        base.update(allocation=_allocation(e.allocation))
    elif isinstance(e, RepaymentReversed):
        base.update(repayment_id=e.repayment_id, undone=[event_to_json(u) for u in e.undone])
    elif isinstance(e, WrittenOff):
        base.update(written_off=_components(e.written_off), reason=e.reason)
    elif isinstance(e, Restructured):
        base.update(record=_restructuring(e.record))
    return base


def event_from_json(v: Mapping[str, Any]) -> MoneyEvent:
    on = _date(v["on"])
    kind = v["type"]
    if kind == "Disbursed":
        return Disbursed(on, Fen(v["principal"]), Fen(v["paid_out"]), Fen(v["fee_receivable"]))
    if kind == "InterestAccrued":
        return InterestAccrued(on, v["instalment"], Fen(v["amount"]))
    if kind == "PenaltyAccrued":
        return PenaltyAccrued(on, v["instalment"], Fen(v["amount"]))
    if kind == "FeeCharged":
        return FeeCharged(on, v["instalment"], FeeKind(v["kind"]), Fen(v["amount"]))
    if kind == "RepaymentApplied":
        return RepaymentApplied(
            on,
            v["repayment_id"],
            Fen(v["amount"]),
            _allocation_from(v["allocation"]),
            bool(v["settlement"]),
        )
    if kind == "CreditApplied":
        return CreditApplied(on, _allocation_from(v["allocation"]))
    if kind == "RepaymentReversed":
        return RepaymentReversed(
            on, v["repayment_id"], tuple(event_from_json(u) for u in v["undone"])
        )
    if kind == "WrittenOff":
        return WrittenOff(on, _components_from(v["written_off"]), v["reason"])
    if kind == "Restructured":
        return Restructured(on, _restructuring_from(v["record"]))
    raise ValueError(f"unknown event type {kind!r}")


def state_to_json(s: LoanState) -> dict[str, Any]:
    t = s.terms
    return {
        "loan_id": s.loan_id,
        "terms": {
            "principal": int(t.principal),
            "annual_rate": str(t.annual_rate),
            "penalty_annual_rate": str(t.penalty_annual_rate),
            "day_count": t.day_count.value,
            "interest_basis": t.interest_basis.value,
            "repayment_method": t.repayment_method.value,
            "grace_days": t.grace_days,
            "late_fee": [int(t.late_fee.fixed), str(t.late_fee.rate)],
            "disbursed_on": _d(t.disbursed_on),
            "product_code": t.product_code,
            "product_version": t.product_version,
        },
        "positions": [_position(p) for p in s.positions],
        "accrued_through": _d(s.accrued_through),
        "status": s.status.value,
        "unapplied_credit": int(s.unapplied_credit),
        "revision": s.revision,
        "repayments": [
            {
                "repayment_id": r.repayment_id,
                "on": _d(r.on),
                "amount": int(r.amount),
                "events": [event_to_json(e) for e in r.events],
                "revision_after": r.revision_after,
                "prior_positions": [_position(p) for p in r.prior_positions],
                "prior_credit": int(r.prior_credit),
            }
            for r in s.repayments
        ],
        "restructurings": [_restructuring(r) for r in s.restructurings],
        "closed_on": None if s.closed_on is None else _d(s.closed_on),
    }


def state_from_json(v: Mapping[str, Any]) -> LoanState:
    t = v["terms"]
    return LoanState(
        loan_id=v["loan_id"],
        terms=LoanTerms(
            principal=Fen(t["principal"]),
            annual_rate=Decimal(t["annual_rate"]),
            penalty_annual_rate=Decimal(t["penalty_annual_rate"]),
            day_count=DayCount(t["day_count"]),
            interest_basis=InterestBasis(t["interest_basis"]),
            repayment_method=RepaymentMethod(t["repayment_method"]),
            grace_days=t["grace_days"],
            late_fee=LateFee(Fen(t["late_fee"][0]), Decimal(t["late_fee"][1])),
            disbursed_on=_date(t["disbursed_on"]),
            product_code=t["product_code"],
            product_version=t["product_version"],
        ),
        positions=tuple(_position_from(p) for p in v["positions"]),
        accrued_through=_date(v["accrued_through"]),
        status=LoanStatus(v["status"]),
        unapplied_credit=Fen(v["unapplied_credit"]),
        revision=v["revision"],
        repayments=tuple(
            AppliedRepayment(
                repayment_id=r["repayment_id"],
                on=_date(r["on"]),
                amount=Fen(r["amount"]),
                events=tuple(event_from_json(e) for e in r["events"]),
                revision_after=r["revision_after"],
                prior_positions=tuple(_position_from(p) for p in r["prior_positions"]),
                prior_credit=Fen(r["prior_credit"]),
            )
            for r in v["repayments"]
        ),
        restructurings=tuple(_restructuring_from(r) for r in v["restructurings"]),
        closed_on=None if v["closed_on"] is None else _date(v["closed_on"]),
    )


def line_to_json(line: CreditLine) -> dict[str, Any]:
    return {
        "product": line.product.to_dict(),
        "draws": [[d.draw_id, int(d.principal_outstanding)] for d in line.draws],
        "history": [
            {
                "on": _d(h.on),
                "kind": h.kind.value,
                "reason": h.reason,
                "limit_before": int(h.limit_before),
                "limit_after": int(h.limit_after),
                "officer": h.officer,
            }
            for h in line.history
        ],
    }


# ---- the repository ---------------------------------------------------------------------------


class SqlLendingRepository:
    def __init__(self, session: Session) -> None:
        self.session = session
        # PostgreSQL moves quiet days in and out with COPY; SQLite uses plain statements.
        self._copies = session.get_bind().dialect.name == "postgresql"

    # -- loans

    def _loan_values(self, r: LoanRecord, now: datetime) -> dict[str, Any]:
        s = r.state
        quiet = quiet_accrual(s)
        return {
            "id": r.loan_id,
            "application_id": r.application_id,
            "line_id": r.line_id,
            "acceptance_key": r.acceptance_key,
            "product_code": s.terms.product_code,
            "product_version": s.terms.product_version,
            "status": r.stage.value,
            "amount_fen": int(r.amount),
            "principal_fen": int(s.terms.principal),
            "annual_rate": str(s.terms.annual_rate),
            "booked_on": r.booked_on,
            "accrued_through": s.accrued_through,
            "eod_date": r.eod_date,
            "principal_outstanding_fen": int(s.principal_outstanding),
            "days_past_due": r.days_past_due,
            "dpd_bucket": r.bucket,
            "loan_class": r.loan_class.value,
            "allowance_fen": int(r.allowance),
            "reserve_fen": int(r.reserve),
            "partition_key": partition_key(r.loan_id),
            "quiet_instalment": None if quiet is None else quiet.instalment,
            "quiet_period_start": None if quiet is None else quiet.period_start,
            "quiet_due": None if quiet is None else quiet.due,
            "quiet_interest_fen": None if quiet is None else int(quiet.interest),
            "quiet_ceiling_fen": None if quiet is None else int(quiet.ceiling),
            "quiet_charged_fen": None if quiet is None else int(quiet.charged),
            "outstanding_fen": int(s.outstanding.total),
            "state": state_to_json(s),
            "revision": r.revision,
            "updated_at": now,
        }

    def add_loan(self, record: LoanRecord, now: datetime) -> None:
        try:
            with self.session.begin_nested():
                self.session.execute(
                    loans.insert().values(**self._loan_values(record, now), created_at=now)
                )
        except IntegrityError as exc:
            raise DuplicateKey(f"loan {record.loan_id} clashes with a stored one") from exc

    def add_loans(self, records: Sequence[LoanRecord], now: datetime) -> None:
        """Bulk insert (benchmarks, migrations from another system)."""
        self.session.execute(
            loans.insert(), [{**self._loan_values(r, now), "created_at": now} for r in records]
        )

    @staticmethod
    def _record(row: Any) -> LoanRecord:
        document = row["state"]
        if isinstance(document, str):  # SQLite JSON read through a text() query
            document = json.loads(document)
        state = state_from_json(document)
        if row["quiet_instalment"] is not None:
            state = with_quiet_charge(
                state, row["quiet_instalment"], row["quiet_charged_fen"], row["accrued_through"]
            )
        return LoanRecord(
            loan_id=row["id"],
            state=state,
            stage=LoanStage(row["status"]),
            booked_on=row["booked_on"],
            amount=Fen(row["amount_fen"]),
            application_id=row["application_id"],
            line_id=row["line_id"],
            acceptance_key=row["acceptance_key"],
            allowance=Fen(row["allowance_fen"]),
            reserve=Fen(row["reserve_fen"]),
            eod_date=row["eod_date"],
            days_past_due=row["days_past_due"],
            bucket=row["dpd_bucket"],
            loan_class=LoanClass(row["loan_class"]),
            revision=row["revision"],
        )

    def get_loan(self, loan_id: str) -> LoanRecord | None:
        row = self.session.execute(sa.select(loans).where(loans.c.id == loan_id)).first()
        return None if row is None else self._record(row._mapping)

    def loan_for_application(self, application_id: str) -> LoanRecord | None:
        row = self.session.execute(
            sa.select(loans).where(loans.c.application_id == application_id)
        ).first()
        return None if row is None else self._record(row._mapping)

    def loans_for_applications(self, application_ids: Sequence[str]) -> dict[str, LoanRecord]:
        """The loans booked from these applications, by application id (read only)."""
        if not application_ids:
            return {}
        rows = self.session.execute(
            sa.select(loans).where(loans.c.application_id.in_(sorted(set(application_ids))))
        )
        return {r._mapping["application_id"]: self._record(r._mapping) for r in rows}

    def save_loan(self, record: LoanRecord, now: datetime) -> LoanRecord:
        """Write the record if the row is still at `record.revision`; else `StaleLoan`."""
        values = self._loan_values(record, now)
        values["revision"] = record.revision + 1
        for fixed in ("id", "application_id", "acceptance_key", "partition_key"):
            values.pop(fixed)
        moved = self.session.execute(
            loans.update()
            .where(loans.c.id == record.loan_id, loans.c.revision == record.revision)
            .values(**values)
        )
        if moved.rowcount != 1:  # type: ignore[attr-defined]
            raise StaleLoan(f"loan {record.loan_id} changed since it was read; retry")
        return replace(record, revision=record.revision + 1)

    # -- a repayment in two round trips (PostgreSQL)

    def repayment_and_loan(
        self, key: str, loan_id: str
    ) -> tuple[RepaymentRecord | None, LoanRecord | None]:
        """The repayment stored under idempotency key `key`, if any, and the loan: on
        PostgreSQL both statements go in one round trip (with the transaction's BEGIN)."""
        if not self._copies:
            return self.repayment_by_key(key), self.get_loan(loan_id)
        connection = _driver(self.session)
        with (
            connection.cursor(row_factory=namedtuple_row) as by_key,
            connection.cursor(row_factory=dict_row) as loan,
        ):
            with connection.pipeline():
                by_key.execute(_PG_REPAYMENT_BY_KEY, {"key": key})
                loan.execute(_PG_LOAN, {"loan_id": loan_id})
            stored, row = by_key.fetchone(), loan.fetchone()
        return (
            None if stored is None else self._repayment(stored),
            None if row is None else self._record(row),
        )

    def record_repayment(
        self,
        entries: Sequence[JournalEntry],
        request_hash: str,
        loan: LoanRecord,
        repayment: RepaymentRecord,
        now: datetime,
    ) -> LoanRecord:
        """A repayment's writes: its new journal entries (fresh keys, as `post_entries`), the
        loan saved if the row is still at `loan.revision` (else `StaleLoan`) and the repayment
        row (`DuplicateKey` if a concurrent retry took its idempotency key first). On
        PostgreSQL all of it is one round trip; either error leaves the transaction to be
        rolled back, which the unit of work does."""
        if not self._copies:
            self.post_entries(entries, request_hash, now)
            saved = self.save_loan(loan, now)
            self.add_repayment(repayment, now)
            return saved
        values = self._loan_values(loan, now)
        update = {name: values[name] for name in _SAVED_COLUMNS if name != "updated_at"}
        update.update(
            state=Json(values["state"]),
            revision=loan.revision + 1,
            updated_at=now,
            b_id=loan.loan_id,
            b_revision=loan.revision,
        )
        connection = _driver(self.session)
        try:
            with connection.cursor() as writes, connection.cursor() as moved:
                with connection.pipeline():
                    if entries:
                        writes.executemany(
                            _PG_INSERT_ENTRY, _entry_rows(entries, request_hash, now)
                        )
                        writes.executemany(_PG_INSERT_POSTING, _posting_rows(entries))
                    moved.execute(_PG_SAVE_LOAN, update)
                    writes.execute(_PG_INSERT_REPAYMENT, _repayment_row(repayment, now))
                updated = moved.rowcount
        except psycopg.errors.UniqueViolation as exc:
            raise DuplicateKey(
                f"idempotency key {repayment.idempotency_key!r} is taken ({exc.diag.constraint_name})"
            ) from exc
        if updated != 1:
            raise StaleLoan(f"loan {loan.loan_id} changed since it was read; retry")
        return replace(loan, revision=loan.revision + 1)

    def save_loans(self, records: Sequence[LoanRecord], now: datetime) -> None:
        """Save many loans at once, each checked against its revision."""
        if not records:
            return
        rows = []
        for r in records:
            values = self._loan_values(r, now)
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
        return [self._record(r._mapping) for r in self.session.execute(query)]

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
                c.line_id.is_(None),
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
            return _copy_out(self.session, query, _quiet_schema())
        rows = self.session.execute(query).all()
        return pl.DataFrame([tuple(r) for r in rows], schema=_quiet_schema(), orient="row")

    def save_quiet_loans(self, moved: pl.DataFrame, on: date, now: datetime) -> pl.DataFrame:
        """Store quiet-day figures (`lending.quiet.quiet_day`) of the loans still at the revision
        read, closing them for `on`; returns those rows (the others are left for the full step
        on PostgreSQL; on SQLite, where nothing can interleave, a changed loan is `StaleLoan`)."""
        if moved.is_empty():
            return moved
        if self._copies:
            return _update_quiet_copy(self.session, moved, on, now)
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
            _copy_in(self.session, "journal_entries", entries)
            _copy_in(self.session, "journal_postings", journal.postings)
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

    def worst_dpd_on_line(self, line_id: str) -> int:
        value = self.session.execute(
            sa.select(sa.func.max(loans.c.days_past_due)).where(
                loans.c.line_id == line_id, loans.c.status == LoanStage.ACTIVE.value
            )
        ).scalar_one()
        return int(value or 0)

    # -- schedules and contracts

    def set_instalments(self, loan_id: str, instalments: Sequence[Instalment]) -> None:
        self.session.execute(loan_instalments.delete().where(loan_instalments.c.loan_id == loan_id))
        self.session.execute(
            loan_instalments.insert(),
            [
                {
                    "loan_id": loan_id,
                    "number": i.number,
                    "due": i.due,
                    "principal_fen": int(i.principal),
                    "interest_fen": int(i.interest),
                    "fee_fen": int(i.fee),
                    "opening_principal_fen": int(i.opening_principal),
                    "closing_principal_fen": int(i.closing_principal),
                }
                for i in instalments
            ],
        )

    def instalments(self, loan_id: str) -> tuple[Instalment, ...]:
        rows = self.session.execute(
            sa.select(loan_instalments)
            .where(loan_instalments.c.loan_id == loan_id)
            .order_by(loan_instalments.c.number)
        )
        return tuple(
            Instalment(
                number=r.number,
                due=r.due,
                principal=Fen(r.principal_fen),
                interest=Fen(r.interest_fen),
                fee=Fen(r.fee_fen),
                opening_principal=Fen(r.opening_principal_fen),
                closing_principal=Fen(r.closing_principal_fen),
            )
            for r in rows
        )

    def add_contract(self, contract: Contract, now: datetime) -> None:
        self.session.execute(
            loan_contracts.insert().values(
                loan_id=contract.loan_id,
                template_version=contract.template_version,
                sha256=contract.sha256,
                text=contract.text,
                created_at=now,
            )
        )

    def contract(self, loan_id: str) -> Contract | None:
        row = self.session.execute(
            sa.select(loan_contracts).where(loan_contracts.c.loan_id == loan_id)
        ).first()
        if row is None:
            return None
        return Contract(row.loan_id, row.template_version, row.text, row.sha256)

    # -- payouts

    @staticmethod
    def _payout(row: Any) -> PayoutRecord:
        return PayoutRecord(
            payout_id=row.id,
            loan_id=row.loan_id,
            idempotency_key=row.idempotency_key,
            amount=Fen(row.amount_fen),
            status=PayoutStatus(row.status),
            attempts=row.attempts,
            reference=row.reference,
            last_error=row.last_error,
        )

    def payout_by_key(self, key: str) -> PayoutRecord | None:
        row = self.session.execute(
            sa.select(payouts).where(payouts.c.idempotency_key == key)
        ).first()
        return None if row is None else self._payout(row)

    def payouts_for_loan(self, loan_id: str) -> tuple[PayoutRecord, ...]:
        rows = self.session.execute(
            sa.select(payouts).where(payouts.c.loan_id == loan_id).order_by(payouts.c.created_at)
        )
        return tuple(self._payout(r) for r in rows)

    def save_payout(self, payout: PayoutRecord, now: datetime) -> None:
        values = {
            "status": payout.status.value,
            "attempts": payout.attempts,
            "reference": payout.reference,
            "last_error": payout.last_error,
            "updated_at": now,
        }
        moved = self.session.execute(
            payouts.update().where(payouts.c.id == payout.payout_id).values(**values)
        )
        if moved.rowcount == 0:  # type: ignore[attr-defined]
            try:
                with self.session.begin_nested():
                    self.session.execute(
                        payouts.insert().values(
                            id=payout.payout_id,
                            loan_id=payout.loan_id,
                            idempotency_key=payout.idempotency_key,
                            amount_fen=int(payout.amount),
                            created_at=now,
                            **values,
                        )
                    )
            except IntegrityError as exc:
                raise DuplicateKey(f"payout key {payout.idempotency_key!r} is taken") from exc

    # -- repayments

    @staticmethod
    def _repayment(row: Any) -> RepaymentRecord:
        return RepaymentRecord(
            repayment_id=row.id,
            loan_id=row.loan_id,
            idempotency_key=row.idempotency_key,
            request_hash=row.request_hash,
            kind=RepaymentKind(row.kind),
            amount=Fen(row.amount_fen),
            business_date=row.business_date,
            status=row.status,
            entry_ids=tuple(row.entry_ids),
            result=row.result,
            reversal_key=row.reversal_key,
            reversal_request_hash=row.reversal_request_hash,
        )

    def repayment_by_key(self, key: str) -> RepaymentRecord | None:
        row = self.session.execute(
            sa.select(repayments).where(repayments.c.idempotency_key == key)
        ).first()
        return None if row is None else self._repayment(row)

    def get_repayment(self, repayment_id: str) -> RepaymentRecord | None:
        row = self.session.execute(
            sa.select(repayments).where(repayments.c.id == repayment_id)
        ).first()
        return None if row is None else self._repayment(row)

    def add_repayment(self, record: RepaymentRecord, now: datetime) -> None:
        try:
            with self.session.begin_nested():
                self.session.execute(
                    repayments.insert().values(
                        id=record.repayment_id,
                        loan_id=record.loan_id,
                        idempotency_key=record.idempotency_key,
                        request_hash=record.request_hash,
                        kind=record.kind.value,
                        amount_fen=int(record.amount),
                        business_date=record.business_date,
                        status=record.status,
                        entry_ids=list(record.entry_ids),
                        result=dict(record.result),
                        reversal_key=record.reversal_key,
                        reversal_request_hash=record.reversal_request_hash,
                        created_at=now,
                    )
                )
        except IntegrityError as exc:
            raise DuplicateKey(f"idempotency key {record.idempotency_key!r} is taken") from exc

    def save_repayment(self, record: RepaymentRecord) -> None:
        try:
            with self.session.begin_nested():
                self.session.execute(
                    repayments.update()
                    .where(repayments.c.id == record.repayment_id)
                    .values(
                        status=record.status,
                        result=dict(record.result),
                        reversal_key=record.reversal_key,
                        reversal_request_hash=record.reversal_request_hash,
                    )
                )
        except IntegrityError as exc:
            raise DuplicateKey(f"reversal key {record.reversal_key!r} is taken") from exc

    # -- credit lines

    def _line_record(self, row: Any) -> LineRecord:
        state = row.state
        if isinstance(state, str):
            state = json.loads(state)
        line = CreditLine(
            line_id=row.id,
            product=product_from_dict(state["product"]),
            annual_rate=Decimal(row.annual_rate),
            limit=Fen(row.limit_fen),
            status=LineStatus(row.status),
            draws=tuple(DrawBalance(d, Fen(a)) for d, a in state["draws"]),
            history=tuple(
                LineChange(
                    on=_date(h["on"]),
                    kind=LineChangeKind(h["kind"]),
                    reason=h["reason"],
                    limit_before=Fen(h["limit_before"]),
                    limit_after=Fen(h["limit_after"]),
                    officer=h["officer"],
                )
                for h in state["history"]
            ),
        )
        return LineRecord(
            line, row.idempotency_key, row.request_hash, row.revision, row.application_id
        )

    def add_line(self, record: LineRecord, now: datetime) -> None:
        line = record.line
        try:
            with self.session.begin_nested():
                self.session.execute(
                    credit_lines.insert().values(
                        id=line.line_id,
                        idempotency_key=record.idempotency_key,
                        request_hash=record.request_hash,
                        product_code=line.product.code,
                        product_version=line.product.version,
                        status=line.status.value,
                        limit_fen=int(line.limit),
                        annual_rate=str(line.annual_rate),
                        state=line_to_json(line),
                        revision=record.revision,
                        created_at=now,
                        updated_at=now,
                        application_id=record.application_id,
                    )
                )
        except IntegrityError as exc:
            raise DuplicateKey(f"idempotency key {record.idempotency_key!r} is taken") from exc

    def get_line(self, line_id: str) -> LineRecord | None:
        row = self.session.execute(
            sa.select(credit_lines).where(credit_lines.c.id == line_id)
        ).first()
        return None if row is None else self._line_record(row)

    def line_by_key(self, key: str) -> LineRecord | None:
        row = self.session.execute(
            sa.select(credit_lines).where(credit_lines.c.idempotency_key == key)
        ).first()
        return None if row is None else self._line_record(row)

    def save_line(self, record: LineRecord, now: datetime) -> LineRecord:
        line = record.line
        moved = self.session.execute(
            credit_lines.update()
            .where(credit_lines.c.id == line.line_id, credit_lines.c.revision == record.revision)
            .values(
                status=line.status.value,
                limit_fen=int(line.limit),
                state=line_to_json(line),
                revision=record.revision + 1,
                updated_at=now,
            )
        )
        if moved.rowcount != 1:  # type: ignore[attr-defined]
            raise StaleLoan(f"credit line {line.line_id} changed since it was read; retry")
        return replace(record, revision=record.revision + 1)

    def add_draw(self, record: DrawRecord, now: datetime) -> None:
        try:
            with self.session.begin_nested():
                self.session.execute(
                    line_draws.insert().values(
                        loan_id=record.loan_id,
                        line_id=record.line_id,
                        idempotency_key=record.idempotency_key,
                        request_hash=record.request_hash,
                        amount_fen=int(record.amount),
                        terms=record.terms,
                        drawn_on=record.drawn_on,
                        created_at=now,
                    )
                )
        except IntegrityError as exc:
            raise DuplicateKey(f"idempotency key {record.idempotency_key!r} is taken") from exc

    def draw_by_key(self, key: str) -> DrawRecord | None:
        row = self.session.execute(
            sa.select(line_draws).where(line_draws.c.idempotency_key == key)
        ).first()
        if row is None:
            return None
        return DrawRecord(
            row.loan_id,
            row.line_id,
            row.idempotency_key,
            row.request_hash,
            Fen(row.amount_fen),
            row.terms,
            row.drawn_on,
        )

    # -- journal, in bulk

    def post_entries(
        self, entries: Sequence[JournalEntry], request_hash: str, posted_at: datetime
    ) -> None:
        """Insert many new entries in two statements. Unlike `SqlJournal.post` this does not
        answer a retry: a repeated idempotency key fails the whole transaction, which is what
        end of day wants (it never posts a key twice, and a clash means a bug, not a retry)."""
        if not entries:
            return
        self.session.execute(
            journal_entries.insert(), _entry_rows(entries, request_hash, posted_at)
        )
        self.session.execute(journal_postings.insert(), _posting_rows(entries))

    # -- end of day

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


def _entry_rows(
    entries: Sequence[JournalEntry], request_hash: str, posted_at: datetime
) -> list[dict[str, Any]]:
    return [
        {
            "entry_id": e.entry_id,
            "business_date": e.business_date,
            "kind": e.kind.value,
            "idempotency_key": e.idempotency_key,
            "request_hash": request_hash,
            "memo": e.memo,
            "reverses": e.reverses,
            "posted_at": posted_at,
        }
        for e in entries
    ]


def _posting_rows(entries: Sequence[JournalEntry]) -> list[dict[str, Any]]:
    return [
        {
            "entry_id": e.entry_id,
            "line": line,
            "account_code": p.account.code,
            "loan_id": p.loan_id,
            "side": p.side.value,
            "amount_fen": int(p.amount),
        }
        for e in entries
        for line, p in enumerate(e.postings)
    ]


def _repayment_row(record: RepaymentRecord, now: datetime) -> dict[str, Any]:
    return {
        "id": record.repayment_id,
        "loan_id": record.loan_id,
        "idempotency_key": record.idempotency_key,
        "request_hash": record.request_hash,
        "kind": record.kind.value,
        "amount_fen": int(record.amount),
        "business_date": record.business_date,
        "status": record.status,
        "entry_ids": Json(list(record.entry_ids)),
        "result": Json(dict(record.result)),
        "reversal_key": record.reversal_key,
        "reversal_request_hash": record.reversal_request_hash,
        "created_at": now,
    }


# ---- COPY on PostgreSQL -----------------------------------------------------------------------


def _driver(session: Session) -> psycopg.Connection[Any]:
    """The psycopg connection under the session's transaction."""
    connection = session.connection().connection.driver_connection
    assert connection is not None, "no driver connection under the session"
    return cast("psycopg.Connection[Any]", connection)


def _copy_out(session: Session, query: sa.Select[Any], schema: Mapping[str, Any]) -> pl.DataFrame:
    import polars as pl

    compiled = query.compile(session.get_bind())
    buffer = bytearray()
    statement = f"COPY ({compiled}) TO STDOUT WITH (FORMAT csv, HEADER true)"
    with _driver(session).cursor() as cursor, cursor.copy(statement, compiled.params) as copy:
        for block in copy:
            buffer += block
    return pl.read_csv(bytes(buffer), schema=dict(schema))


def _copy_in(session: Session, table: str, frame: pl.DataFrame) -> None:
    if frame.is_empty():
        return
    columns = ", ".join(f'"{name}"' for name in frame.columns)
    text = frame.write_csv(include_header=False, null_value=_NULL)
    with (
        _driver(session).cursor() as cursor,
        cursor.copy(
            f"COPY {table} ({columns}) FROM STDIN WITH (FORMAT csv, NULL '{_NULL}')"
        ) as copy,
    ):
        copy.write(text)


def _update_quiet_copy(
    session: Session, moved: pl.DataFrame, on: date, now: datetime
) -> pl.DataFrame:
    """One COPY into a temporary table and one UPDATE … FROM; returns the loans it updated."""
    import polars as pl

    connection = _driver(session)
    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE TEMPORARY TABLE IF NOT EXISTS quiet_day (loan_id text PRIMARY KEY, "
            "revision integer, charged bigint, outstanding bigint, allowance bigint, "
            "reserve bigint) ON COMMIT DELETE ROWS"
        )
    _copy_in(
        session,
        "quiet_day",
        moved.select("loan_id", "revision", "charged", "outstanding", "allowance", "reserve"),
    )
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE loans SET accrued_through = %(on)s, eod_date = %(on)s, "
            "quiet_charged_fen = q.charged, outstanding_fen = q.outstanding, "
            "allowance_fen = q.allowance, reserve_fen = q.reserve, "
            "revision = loans.revision + 1, updated_at = %(now)s "
            "FROM quiet_day q WHERE loans.id = q.loan_id AND loans.revision = q.revision "
            "RETURNING loans.id",
            {"on": on, "now": now},
        )
        updated = [row[0] for row in cursor.fetchall()]
    if len(updated) == moved.height:
        return moved
    return moved.join(
        pl.DataFrame({"loan_id": updated}, schema={"loan_id": pl.String}), on="loan_id", how="semi"
    )
