"""Loans in the database: the loan rows (state as JSON, saved against their revision), schedules,
contracts and payouts. Stores never commit."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from fengkong.core.money import Fen
from fengkong.db.lending_rows import loan_record, loan_values, payout_record
from fengkong.db.lending_tables import loan_contracts, loan_instalments, loans, payouts
from fengkong.db.stores import SessionStore
from fengkong.lending.contract import Contract
from fengkong.lending.errors import DuplicateKey, StaleLoan
from fengkong.lending.records import LoanRecord, LoanStage, PayoutRecord
from fengkong.lending.schedule import Instalment


class SqlLoans(SessionStore):
    def add_loan(self, record: LoanRecord, now: datetime) -> None:
        try:
            with self.session.begin_nested():
                self.session.execute(
                    loans.insert().values(**loan_values(record, now), created_at=now)
                )
        except IntegrityError as exc:
            raise DuplicateKey(f"loan {record.loan_id} clashes with a stored one") from exc

    def add_loans(self, records: Sequence[LoanRecord], now: datetime) -> None:
        """Bulk insert (benchmarks, migrations from another system)."""
        self.session.execute(
            loans.insert(), [{**loan_values(r, now), "created_at": now} for r in records]
        )

    def get_loan(self, loan_id: str) -> LoanRecord | None:
        row = self.session.execute(sa.select(loans).where(loans.c.id == loan_id)).first()
        return None if row is None else loan_record(row._mapping)

    def lock_loan(self, loan_id: str) -> LoanRecord | None:
        """The loan, its row locked until the transaction ends (`FOR UPDATE` on PostgreSQL;
        SQLite renders none and needs none: every transaction here begins with its write lock)."""
        row = self.session.execute(
            sa.select(loans).where(loans.c.id == loan_id).with_for_update()
        ).first()
        return None if row is None else loan_record(row._mapping)

    def loan_for_application(self, application_id: str) -> LoanRecord | None:
        row = self.session.execute(
            sa.select(loans).where(loans.c.application_id == application_id)
        ).first()
        return None if row is None else loan_record(row._mapping)

    def loans_for_applications(self, application_ids: Sequence[str]) -> dict[str, LoanRecord]:
        """The loans booked from these applications, by application id (read only)."""
        if not application_ids:
            return {}
        rows = self.session.execute(
            sa.select(loans).where(loans.c.application_id.in_(sorted(set(application_ids))))
        )
        return {r._mapping["application_id"]: loan_record(r._mapping) for r in rows}

    def save_loan(self, record: LoanRecord, now: datetime) -> LoanRecord:
        """Write the record if the row is still at `record.revision`; else `StaleLoan`."""
        values = loan_values(record, now)
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

    def payout_by_key(self, key: str) -> PayoutRecord | None:
        row = self.session.execute(
            sa.select(payouts).where(payouts.c.idempotency_key == key)
        ).first()
        return None if row is None else payout_record(row)

    def payouts_for_loan(self, loan_id: str) -> tuple[PayoutRecord, ...]:
        rows = self.session.execute(
            sa.select(payouts).where(payouts.c.loan_id == loan_id).order_by(payouts.c.created_at)
        )
        return tuple(payout_record(r) for r in rows)

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
