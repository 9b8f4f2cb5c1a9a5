"""The collections queue, officers' actions and promises to pay in the database
(`lending.collections`); delinquent loans, their decisions' score and PD, and repayments are
read only."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

import sqlalchemy as sa

from fengkong.core.money import Fen
from fengkong.db.lending_tables import loans, repayments
from fengkong.db.servicing_tables import collection_actions, collection_cases, promises_to_pay
from fengkong.db.stores import ACTIVE, SessionStore
from fengkong.db.tables import decisions
from fengkong.lending.servicing_records import (
    CaseStatus,
    CollectionAction,
    CollectionActionKind,
    CollectionCase,
    PromiseStatus,
    PromiseToPay,
)


class SqlCollections(SessionStore):
    @staticmethod
    def _case(row: Any) -> CollectionCase:
        return CollectionCase(
            loan_id=row.loan_id,
            status=CaseStatus(row.status),
            opened_on=row.opened_on,
            days_past_due=row.days_past_due,
            bucket=row.bucket,
            bucket_rank=row.bucket_rank,
            overdue=Fen(row.overdue_fen),
            updated_on=row.updated_on,
            score=row.score,
            pd=None if row.pd is None else Decimal(row.pd),
            flags=tuple(row.flags),
            closed_on=row.closed_on,
        )

    def cases(self, status: CaseStatus) -> list[CollectionCase]:
        rows = self.session.execute(
            sa.select(collection_cases).where(collection_cases.c.status == status.value)
        )
        return [self._case(r) for r in rows]

    def get_case(self, loan_id: str) -> CollectionCase | None:
        row = self.session.execute(
            sa.select(collection_cases).where(collection_cases.c.loan_id == loan_id)
        ).first()
        return None if row is None else self._case(row)

    def save_case(self, c: CollectionCase) -> None:
        self._upsert(
            collection_cases,
            {"loan_id": c.loan_id},
            {
                "status": c.status.value,
                "opened_on": c.opened_on,
                "closed_on": c.closed_on,
                "days_past_due": c.days_past_due,
                "bucket": c.bucket,
                "bucket_rank": c.bucket_rank,
                "overdue_fen": int(c.overdue),
                "score": c.score,
                "pd": None if c.pd is None else str(c.pd),
                "flags": list(c.flags),
                "updated_on": c.updated_on,
            },
        )

    def delinquent_loans(self, min_dpd: int) -> list[tuple[str, int | None, Decimal | None]]:
        """Active loans at or past `min_dpd`, with the score and PD of their decision if any."""
        rows = self.session.execute(
            sa.select(loans.c.id, decisions.c.score, decisions.c.pd)
            .select_from(loans)
            .outerjoin(decisions, decisions.c.application_id == loans.c.application_id)
            .where(loans.c.status == ACTIVE, loans.c.days_past_due >= min_dpd)
            .order_by(loans.c.id)
        )
        return [(r.id, r.score, None if r.pd is None else Decimal(r.pd)) for r in rows]

    def add_action(self, a: CollectionAction, now: datetime) -> None:
        self.session.execute(
            collection_actions.insert().values(
                id=a.action_id,
                loan_id=a.loan_id,
                kind=a.kind.value,
                note=a.note,
                officer=a.officer,
                business_date=a.business_date,
                at=now,
            )
        )

    def actions_for(self, loan_id: str) -> list[CollectionAction]:
        rows = self.session.execute(
            sa.select(collection_actions)
            .where(collection_actions.c.loan_id == loan_id)
            .order_by(collection_actions.c.at, collection_actions.c.id)
        )
        return [
            CollectionAction(
                r.id, r.loan_id, CollectionActionKind(r.kind), r.note, r.officer, r.business_date
            )
            for r in rows
        ]

    @staticmethod
    def _promise(r: Any) -> PromiseToPay:
        return PromiseToPay(
            promise_id=r.id,
            loan_id=r.loan_id,
            amount=Fen(r.amount_fen),
            promised_on=r.promised_on,
            made_on=r.made_on,
            officer=r.officer,
            status=PromiseStatus(r.status),
            paid=Fen(r.paid_fen),
            closed_on=r.closed_on,
        )

    def add_promise(self, p: PromiseToPay, now: datetime) -> None:
        self.session.execute(
            promises_to_pay.insert().values(
                id=p.promise_id,
                loan_id=p.loan_id,
                amount_fen=int(p.amount),
                promised_on=p.promised_on,
                made_on=p.made_on,
                officer=p.officer,
                status=p.status.value,
                paid_fen=int(p.paid),
                closed_on=p.closed_on,
                at=now,
            )
        )

    def save_promise(self, p: PromiseToPay) -> None:
        self.session.execute(
            promises_to_pay.update()
            .where(promises_to_pay.c.id == p.promise_id)
            .values(status=p.status.value, paid_fen=int(p.paid), closed_on=p.closed_on)
        )

    def promises_for(self, loan_id: str) -> list[PromiseToPay]:
        rows = self.session.execute(
            sa.select(promises_to_pay)
            .where(promises_to_pay.c.loan_id == loan_id)
            .order_by(promises_to_pay.c.at, promises_to_pay.c.id)
        )
        return [self._promise(r) for r in rows]

    def open_promises(self) -> list[PromiseToPay]:
        rows = self.session.execute(
            sa.select(promises_to_pay)
            .where(promises_to_pay.c.status == PromiseStatus.OPEN.value)
            .order_by(promises_to_pay.c.id)
        )
        return [self._promise(r) for r in rows]

    def repaid_between(self, loan_id: str, start: date, end: date) -> int:
        value = self.session.execute(
            sa.select(sa.func.coalesce(sa.func.sum(repayments.c.amount_fen), 0)).where(
                repayments.c.loan_id == loan_id,
                repayments.c.status == "applied",
                repayments.c.business_date >= start,
                repayments.c.business_date <= end,
            )
        ).scalar_one()
        return int(value)
