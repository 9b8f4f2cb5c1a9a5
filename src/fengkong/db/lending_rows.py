"""Lending rows and records: a record's row values and a row's record, for loans, payouts,
repayments and credit lines, and the journal's rows as the lending stores insert them in bulk.
A loan's state and a line's history travel as JSON documents (`db.lending_codec`)."""

from __future__ import annotations

import json
import zlib
from collections.abc import Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from fengkong.core.money import Fen
from fengkong.db.lending_codec import state_from_json, state_to_json
from fengkong.ledger.journal import JournalEntry
from fengkong.lending.delinquency import LoanClass
from fengkong.lending.line import CreditLine, DrawBalance, LineChange, LineChangeKind, LineStatus
from fengkong.lending.payment import PayoutStatus
from fengkong.lending.product import product_from_dict
from fengkong.lending.quiet import quiet_accrual, with_quiet_charge
from fengkong.lending.records import (
    LineRecord,
    LoanRecord,
    LoanStage,
    PayoutRecord,
    RepaymentKind,
    RepaymentRecord,
)

PARTITION_KEYS = 1024


def partition_key(loan_id: str) -> int:
    """A stable bucket of the loan id; partition p of n takes the loans with key % n == p."""
    return zlib.crc32(loan_id.encode()) % PARTITION_KEYS


def loan_values(r: LoanRecord, now: datetime) -> dict[str, Any]:
    """A loan's row: its state as one JSON document, and the columns end of day selects by."""
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


def loan_record(row: Any) -> LoanRecord:
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


def payout_record(row: Any) -> PayoutRecord:
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


def repayment_record(row: Any) -> RepaymentRecord:
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


def line_record(row: Any) -> LineRecord:
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
                on=date.fromisoformat(h["on"]),
                kind=LineChangeKind(h["kind"]),
                reason=h["reason"],
                limit_before=Fen(h["limit_before"]),
                limit_after=Fen(h["limit_after"]),
                officer=h["officer"],
            )
            for h in state["history"]
        ),
    )
    return LineRecord(line, row.idempotency_key, row.request_hash, row.revision, row.application_id)


def entry_rows(
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


def posting_rows(entries: Sequence[JournalEntry]) -> list[dict[str, Any]]:
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


def repayment_row(record: RepaymentRecord, now: datetime) -> dict[str, Any]:
    """A repayment's row as PostgreSQL's pipelined insert sends it (`db.lending_pg`)."""
    from psycopg.types.json import Json  # PostgreSQL only: not loaded on SQLite

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
