"""Guarantors, joint-guarantee groups, guarantees and guarantors' payments in the database
(`lending.guarantee`); the live-guarantee look-ups read loans."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from fengkong.core.errors import Conflict
from fengkong.core.money import Fen
from fengkong.db.lending_tables import loans
from fengkong.db.servicing_tables import (
    guarantee_group_members,
    guarantee_groups,
    guarantees,
    guarantor_payments,
    guarantors,
)
from fengkong.db.stores import ACTIVE, SessionStore
from fengkong.lending.guarantee_rules import (
    Guarantee,
    GuaranteeGroup,
    GuaranteeStatus,
    Guarantor,
    GuarantorKind,
)


class SqlGuarantees(SessionStore):
    @staticmethod
    def _guarantor(row: Any) -> Guarantor:
        return Guarantor(
            row.id,
            GuarantorKind(row.kind),
            row.name_enc,
            row.id_number_enc,
            row.id_number_bidx,
            row.phone_enc,
            row.phone_bidx,
        )

    def guarantor_by_identity(self, kind: str, bidx: str) -> Guarantor | None:
        row = self.session.execute(
            sa.select(guarantors).where(
                guarantors.c.kind == str(kind), guarantors.c.id_number_bidx == bidx
            )
        ).first()
        return None if row is None else self._guarantor(row)

    def get_guarantor(self, guarantor_id: str) -> Guarantor | None:
        row = self.session.execute(
            sa.select(guarantors).where(guarantors.c.id == guarantor_id)
        ).first()
        return None if row is None else self._guarantor(row)

    def add_guarantor(self, g: Guarantor, now: datetime) -> None:
        try:
            with self.session.begin_nested():
                self.session.execute(
                    guarantors.insert().values(
                        id=g.guarantor_id,
                        kind=g.kind.value,
                        name_enc=g.name_enc,
                        id_number_enc=g.id_number_enc,
                        id_number_bidx=g.id_number_bidx,
                        phone_enc=g.phone_enc,
                        phone_bidx=g.phone_bidx,
                        created_at=now,
                    )
                )
        except IntegrityError as exc:
            raise Conflict("this guarantor was registered concurrently; retry") from exc

    def add_group(self, group: GuaranteeGroup, now: datetime) -> None:
        self.session.execute(
            guarantee_groups.insert().values(id=group.group_id, name=group.name, created_at=now)
        )
        self.session.execute(
            guarantee_group_members.insert(),
            [{"group_id": group.group_id, "guarantor_id": m} for m in group.members],
        )

    def get_group(self, group_id: str) -> GuaranteeGroup | None:
        row = self.session.execute(
            sa.select(guarantee_groups).where(guarantee_groups.c.id == group_id)
        ).first()
        if row is None:
            return None
        members = self.session.execute(
            sa.select(guarantee_group_members.c.guarantor_id)
            .where(guarantee_group_members.c.group_id == group_id)
            .order_by(guarantee_group_members.c.guarantor_id)
        ).scalars()
        return GuaranteeGroup(row.id, row.name, tuple(members))

    @staticmethod
    def _guarantee(row: Any) -> Guarantee:
        return Guarantee(
            guarantee_id=row.id,
            loan_id=row.loan_id,
            guarantor_id=row.guarantor_id,
            share=Decimal(row.share),
            cap=None if row.cap_fen is None else Fen(row.cap_fen),
            group_id=row.group_id,
            status=GuaranteeStatus(row.status),
            called_on=row.called_on,
            amount_called=Fen(row.amount_called_fen),
            amount_paid=Fen(row.amount_paid_fen),
        )

    def _guarantee_values(self, g: Guarantee, now: datetime) -> dict[str, Any]:
        return {
            "status": g.status.value,
            "called_on": g.called_on,
            "amount_called_fen": int(g.amount_called),
            "amount_paid_fen": int(g.amount_paid),
            "updated_at": now,
        }

    def add_guarantee(self, g: Guarantee, now: datetime) -> None:
        try:
            with self.session.begin_nested():
                self.session.execute(
                    guarantees.insert().values(
                        id=g.guarantee_id,
                        loan_id=g.loan_id,
                        guarantor_id=g.guarantor_id,
                        group_id=g.group_id,
                        share=str(g.share),
                        cap_fen=g.cap,
                        created_at=now,
                        **self._guarantee_values(g, now),
                    )
                )
        except IntegrityError as exc:
            raise Conflict(f"{g.guarantor_id} already guarantees loan {g.loan_id}") from exc

    def save_guarantee(self, g: Guarantee, now: datetime) -> None:
        self.session.execute(
            guarantees.update()
            .where(guarantees.c.id == g.guarantee_id)
            .values(**self._guarantee_values(g, now))
        )

    def get_guarantee(self, guarantee_id: str) -> Guarantee | None:
        row = self.session.execute(
            sa.select(guarantees).where(guarantees.c.id == guarantee_id)
        ).first()
        return None if row is None else self._guarantee(row)

    def guarantees_for_loan(self, loan_id: str) -> list[Guarantee]:
        rows = self.session.execute(
            sa.select(guarantees).where(guarantees.c.loan_id == loan_id).order_by(guarantees.c.id)
        )
        return [self._guarantee(r) for r in rows]

    def guarantees_of(self, guarantor_id: str) -> list[Guarantee]:
        rows = self.session.execute(
            sa.select(guarantees)
            .where(guarantees.c.guarantor_id == guarantor_id)
            .order_by(guarantees.c.id)
        )
        return [self._guarantee(r) for r in rows]

    def loans_with_live_guarantees(self, min_dpd: int) -> list[str]:
        rows = self.session.execute(
            sa.select(loans.c.id)
            .distinct()
            .join(guarantees, guarantees.c.loan_id == loans.c.id)
            .where(
                guarantees.c.status == GuaranteeStatus.ACTIVE.value,
                loans.c.status == ACTIVE,
                loans.c.days_past_due >= min_dpd,
            )
            .order_by(loans.c.id)
        )
        return list(rows.scalars())

    def settled_loans_with_live_guarantees(self) -> list[str]:
        rows = self.session.execute(
            sa.select(loans.c.id)
            .distinct()
            .join(guarantees, guarantees.c.loan_id == loans.c.id)
            .where(
                guarantees.c.status != GuaranteeStatus.RELEASED.value,
                loans.c.status.in_(("settled", "cancelled")),
            )
            .order_by(loans.c.id)
        )
        return list(rows.scalars())

    def guarantor_payment(self, repayment_id: str) -> str | None:
        value = self.session.execute(
            sa.select(guarantor_payments.c.guarantee_id).where(
                guarantor_payments.c.repayment_id == repayment_id
            )
        ).scalar_one_or_none()
        return value

    def add_guarantor_payment(
        self,
        repayment_id: str,
        guarantee_id: str,
        key: str,
        amount: int,
        business_date: date,
        now: datetime,
    ) -> None:
        self.session.execute(
            guarantor_payments.insert().values(
                repayment_id=repayment_id,
                guarantee_id=guarantee_id,
                idempotency_key=key,
                amount_fen=int(amount),
                business_date=business_date,
                created_at=now,
            )
        )
