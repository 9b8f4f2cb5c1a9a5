"""Reminders in the database, at most one per subject, kind and date (`lending.reminders`); the
due instalments and DPDs they chase are read from loans."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from fengkong.db.lending_tables import credit_lines, loan_instalments, loans
from fengkong.db.servicing_tables import reminders
from fengkong.db.stores import ACTIVE, SessionStore
from fengkong.lending.servicing_records import ReminderRecord


class SqlReminders(SessionStore):
    @staticmethod
    def _reminder(row: Any) -> ReminderRecord:
        return ReminderRecord(
            reminder_id=row.id,
            subject_type=row.subject_type,
            subject_id=row.subject_id,
            kind=row.kind,
            business_date=row.business_date,
            language=row.language,
            channel=row.channel,
            status=row.status,
            detail=row.detail,
            error=row.error,
            sent_at=row.sent_at,
        )

    def reminder(
        self, subject_type: str, subject_id: str, kind: str, on: date
    ) -> ReminderRecord | None:
        row = self.session.execute(
            sa.select(reminders).where(
                reminders.c.subject_type == subject_type,
                reminders.c.subject_id == subject_id,
                reminders.c.kind == kind,
                reminders.c.business_date == on,
            )
        ).first()
        return None if row is None else self._reminder(row)

    def add_reminder(self, r: ReminderRecord, now: datetime) -> bool:
        try:
            with self.session.begin_nested():
                self.session.execute(
                    reminders.insert().values(
                        id=r.reminder_id,
                        subject_type=r.subject_type,
                        subject_id=r.subject_id,
                        kind=r.kind,
                        business_date=r.business_date,
                        language=r.language,
                        channel=r.channel,
                        status=r.status,
                        detail=dict(r.detail),
                        created_at=now,
                    )
                )
        except IntegrityError:
            return False
        return True

    def finish_reminder(
        self, reminder_id: str, status: str, error: str | None, now: datetime
    ) -> None:
        self.session.execute(
            reminders.update()
            .where(reminders.c.id == reminder_id)
            .values(status=status, error=error, sent_at=now)
        )

    def reminders_for(self, subject_id: str) -> list[ReminderRecord]:
        rows = self.session.execute(
            sa.select(reminders)
            .where(reminders.c.subject_id == subject_id)
            .order_by(reminders.c.business_date, reminders.c.kind)
        )
        return [self._reminder(r) for r in rows]

    def lines_acted_on(self, day: date) -> list[str]:
        rows = self.session.execute(
            sa.select(credit_lines.c.id)
            .where(credit_lines.c.rule_acted_on == day)
            .order_by(credit_lines.c.id)
        )
        return list(rows.scalars())

    def instalments_due_on(self, due: date) -> list[tuple[str, int]]:
        rows = self.session.execute(
            sa.select(loan_instalments.c.loan_id, loan_instalments.c.number)
            .join(loans, loans.c.id == loan_instalments.c.loan_id)
            .where(loan_instalments.c.due == due, loans.c.status == ACTIVE)
            .order_by(loan_instalments.c.loan_id)
        )
        return [(r.loan_id, r.number) for r in rows]

    def loans_with_dpd(self, days: Sequence[int]) -> list[str]:
        rows = self.session.execute(
            sa.select(loans.c.id)
            .where(loans.c.status == ACTIVE, loans.c.days_past_due.in_(list(days)))
            .order_by(loans.c.id)
        )
        return list(rows.scalars())
