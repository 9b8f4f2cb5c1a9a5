"""SQL for the officers' lists of loans and credit lines (`lending.search`), one statement each,
outside any transaction. A loan's borrower is found through the application it was booked from,
or through its line's application for a draw."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

import sqlalchemy as sa

from fengkong.core.money import Fen
from fengkong.core.paging import Page
from fengkong.db.database import Database
from fengkong.db.keyset import page_of, paged
from fengkong.db.lending_tables import credit_lines, loans
from fengkong.db.search_decisions import (
    channel_conditions,
    channel_of,
    party_conditions,
    tokens_of,
    within,
)
from fengkong.db.tables import applications
from fengkong.lending.delinquency import LoanClass
from fengkong.lending.line import LineStatus
from fengkong.lending.records import LoanStage
from fengkong.lending.search import LineFilter, LineRow, LoanFilter, LoanRow

_PARTY_COLUMNS = (
    applications.c.id_number_bidx,
    applications.c.name_enc,
    applications.c.id_number_enc,
    applications.c.phone_enc,
)
_LOAN_KEYS = {
    "booked_on": loans.c.booked_on,
    "days_past_due": loans.c.days_past_due,
    "principal_outstanding": loans.c.principal_outstanding_fen,
    "amount": loans.c.amount_fen,
}
_LOAN_KEY_FIELDS = {
    "booked_on": "booked_on",
    "days_past_due": "days_past_due",
    "principal_outstanding": "principal_outstanding_fen",
    "amount": "amount_fen",
}
_LINE_KEYS = {"opened_at": credit_lines.c.created_at, "limit": credit_lines.c.limit_fen}
_LINE_KEY_FIELDS = {"opened_at": "created_at", "limit": "limit_fen"}


class SqlLendingSearch:
    """Implements `LoanSearch` and `LineSearch`."""

    def __init__(self, db: Database) -> None:
        self._db = db.read_only_view()

    def _rows(self, query: sa.Select[Any]) -> list[Any]:
        with self._db.engine.connect() as conn:
            return list(conn.execute(query).all())

    def loans(self, f: LoanFilter) -> Page[LoanRow]:
        owner = sa.func.coalesce(loans.c.application_id, credit_lines.c.application_id)
        query = (
            sa.select(
                loans.c.id,
                loans.c.application_id,
                loans.c.line_id,
                loans.c.product_code,
                loans.c.status,
                loans.c.amount_fen,
                loans.c.principal_outstanding_fen,
                loans.c.annual_rate,
                loans.c.booked_on,
                loans.c.days_past_due,
                loans.c.dpd_bucket,
                loans.c.loan_class,
                *_PARTY_COLUMNS,
                applications.c.channel,
                applications.c.channel_partner,
            )
            .select_from(
                loans.outerjoin(credit_lines, credit_lines.c.id == loans.c.line_id).outerjoin(
                    applications, applications.c.id == owner
                )
            )
            .where(*party_conditions(f.party), *channel_conditions(f.channels))
        )
        if f.statuses:
            query = query.where(loans.c.status.in_([s.value for s in f.statuses]))
        if f.products:
            query = query.where(loans.c.product_code.in_(f.products))
        if f.booked.start is not None:
            query = query.where(loans.c.booked_on >= f.booked.start)
        if f.booked.end is not None:
            query = query.where(loans.c.booked_on <= f.booked.end)
        if f.dpd.low is not None:
            query = query.where(loans.c.days_past_due >= f.dpd.low)
        if f.dpd.high is not None:
            query = query.where(loans.c.days_past_due <= f.dpd.high)
        if f.buckets:
            query = query.where(loans.c.dpd_bucket.in_(f.buckets))
        if f.classes:
            query = query.where(loans.c.loan_class.in_([c.value for c in f.classes]))
        if f.line_id is not None:
            query = query.where(loans.c.line_id == f.line_id)
        sort = f.page.sort.key
        rows = self._rows(paged(query, _LOAN_KEYS[sort], loans.c.id, f.page))
        field = _LOAN_KEY_FIELDS[sort]
        return page_of(rows, f.page, _loan_row, lambda r: (getattr(r, field), r.id))

    def _line_query(self) -> sa.Select[Any]:
        return sa.select(
            credit_lines.c.id,
            credit_lines.c.application_id,
            credit_lines.c.product_code,
            credit_lines.c.status,
            credit_lines.c.limit_fen,
            credit_lines.c.annual_rate,
            credit_lines.c.state,
            credit_lines.c.created_at,
            *_PARTY_COLUMNS,
        ).select_from(
            credit_lines.outerjoin(applications, applications.c.id == credit_lines.c.application_id)
        )

    def lines(self, f: LineFilter) -> Page[LineRow]:
        query = self._line_query().where(
            *party_conditions(f.party), *within(credit_lines.c.created_at, f.opened)
        )
        if f.statuses:
            query = query.where(credit_lines.c.status.in_([s.value for s in f.statuses]))
        if f.products:
            query = query.where(credit_lines.c.product_code.in_(f.products))
        sort = f.page.sort.key
        rows = self._rows(paged(query, _LINE_KEYS[sort], credit_lines.c.id, f.page))
        field = _LINE_KEY_FIELDS[sort]
        return page_of(rows, f.page, _line_row, lambda r: (getattr(r, field), r.id))

    def line(self, line_id: str) -> LineRow | None:
        rows = self._rows(self._line_query().where(credit_lines.c.id == line_id))
        return _line_row(rows[0]) if rows else None


def _loan_row(r: Any) -> LoanRow:
    return LoanRow(
        loan_id=r.id,
        application_id=r.application_id,
        line_id=r.line_id,
        product=r.product_code,
        status=LoanStage(r.status),
        amount=Fen(r.amount_fen),
        principal_outstanding=Fen(r.principal_outstanding_fen),
        annual_rate=Decimal(r.annual_rate),
        booked_on=r.booked_on,
        days_past_due=r.days_past_due,
        dpd_bucket=r.dpd_bucket,
        loan_class=LoanClass(r.loan_class),
        channel=channel_of(r),
        channel_partner=r.channel_partner,
        tokens=tokens_of(r),
    )


def _line_row(r: Any) -> LineRow:
    state = json.loads(r.state) if isinstance(r.state, str) else r.state
    return LineRow(
        line_id=r.id,
        application_id=r.application_id,
        product=r.product_code,
        status=LineStatus(r.status),
        limit=Fen(r.limit_fen),
        drawn=Fen(sum(int(amount) for _, amount in state["draws"])),
        annual_rate=Decimal(r.annual_rate),
        opened_at=r.created_at,
        tokens=tokens_of(r),
    )
