"""Bound cards and debit attempts in the database (`lending.autodebit`); the debit candidates are
read from loans and their instalments."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from fengkong.core.errors import Conflict
from fengkong.core.money import Fen
from fengkong.db.lending_tables import loan_instalments, loans
from fengkong.db.servicing_tables import bound_cards, debit_attempts
from fengkong.db.stores import ACTIVE, SessionStore
from fengkong.lending.servicing_records import BoundCard, CardStatus, DebitAttempt, DebitStatus


class SqlDebits(SessionStore):
    def card(self, loan_id: str) -> BoundCard | None:
        row = self.session.execute(
            sa.select(bound_cards).where(bound_cards.c.loan_id == loan_id)
        ).first()
        if row is None:
            return None
        return BoundCard(
            row.loan_id, row.card_enc, row.card_bidx, row.card_display, CardStatus(row.status)
        )

    def bind_card(self, card: BoundCard, now: datetime) -> None:
        values = {
            "card_enc": card.card_enc,
            "card_bidx": card.card_bidx,
            "card_display": card.display,
            "status": card.status.value,
            "updated_at": now,
        }
        moved = self.session.execute(
            bound_cards.update().where(bound_cards.c.loan_id == card.loan_id).values(**values)
        )
        if moved.rowcount == 0:  # type: ignore[attr-defined]
            self.session.execute(
                bound_cards.insert().values(loan_id=card.loan_id, bound_at=now, **values)
            )

    @staticmethod
    def _attempt(row: Any) -> DebitAttempt:
        return DebitAttempt(
            attempt_id=row.id,
            loan_id=row.loan_id,
            due_date=row.due_date,
            attempt=row.attempt,
            business_date=row.business_date,
            amount=Fen(row.amount_fen),
            status=DebitStatus(row.status),
            idempotency_key=row.idempotency_key,
            reference=row.reference,
            error=row.error,
            repayment_id=row.repayment_id,
        )

    def attempt(self, loan_id: str, due: date, number: int) -> DebitAttempt | None:
        row = self.session.execute(
            sa.select(debit_attempts).where(
                debit_attempts.c.loan_id == loan_id,
                debit_attempts.c.due_date == due,
                debit_attempts.c.attempt == number,
            )
        ).first()
        return None if row is None else self._attempt(row)

    def attempts_for_loan(self, loan_id: str) -> list[DebitAttempt]:
        rows = self.session.execute(
            sa.select(debit_attempts)
            .where(debit_attempts.c.loan_id == loan_id)
            .order_by(debit_attempts.c.business_date, debit_attempts.c.attempt)
        )
        return [self._attempt(r) for r in rows]

    def pending_attempts(self) -> list[DebitAttempt]:
        rows = self.session.execute(
            sa.select(debit_attempts)
            .where(debit_attempts.c.status == DebitStatus.PENDING.value)
            .order_by(debit_attempts.c.id)
        )
        return [self._attempt(r) for r in rows]

    def add_attempt(self, a: DebitAttempt, now: datetime) -> None:
        try:
            with self.session.begin_nested():
                self.session.execute(
                    debit_attempts.insert().values(
                        id=a.attempt_id,
                        loan_id=a.loan_id,
                        due_date=a.due_date,
                        attempt=a.attempt,
                        business_date=a.business_date,
                        amount_fen=int(a.amount),
                        status=a.status.value,
                        idempotency_key=a.idempotency_key,
                        created_at=now,
                        updated_at=now,
                    )
                )
        except IntegrityError as exc:
            raise Conflict(f"debit {a.idempotency_key} was started concurrently") from exc

    def save_attempt(self, a: DebitAttempt, now: datetime) -> None:
        self.session.execute(
            debit_attempts.update()
            .where(debit_attempts.c.id == a.attempt_id)
            .values(
                status=a.status.value,
                reference=a.reference,
                error=a.error,
                repayment_id=a.repayment_id,
                updated_at=now,
            )
        )

    def debit_candidates(self, day: date, due_dates: Sequence[date]) -> list[str]:
        """Active loans with an active bound card and an instalment due on one of `due_dates`."""
        rows = self.session.execute(
            sa.select(loans.c.id)
            .distinct()
            .join(bound_cards, bound_cards.c.loan_id == loans.c.id)
            .join(loan_instalments, loan_instalments.c.loan_id == loans.c.id)
            .where(
                loans.c.status == ACTIVE,
                bound_cards.c.status == CardStatus.ACTIVE.value,
                loan_instalments.c.due.in_(list(due_dates)),
            )
            .order_by(loans.c.id)
        )
        return list(rows.scalars())
