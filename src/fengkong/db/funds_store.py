"""The use of funds in the database (`lending.funds`): a draw's or loan's purpose and payee,
its payout and the receipts attached to it."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from fengkong.core.errors import Conflict
from fengkong.core.money import Fen
from fengkong.db.funds_tables import fund_receipts, fund_uses
from fengkong.db.lending_tables import credit_lines
from fengkong.db.stores import SessionStore
from fengkong.lending.line import LineStatus
from fengkong.lending.use_of_funds import FundUse, Receipt


def _use(row: Any) -> FundUse:
    return FundUse(
        loan_id=row.loan_id,
        line_id=row.line_id,
        purpose=row.purpose,
        entrusted=bool(row.entrusted),
        payee_name_enc=row.payee_name_enc,
        payee_name_bidx=row.payee_name_bidx,
        payee_name_mask=row.payee_name_mask,
        payee_account_enc=row.payee_account_enc,
        payee_account_mask=row.payee_account_mask,
        payee_bank=row.payee_bank,
        receipts_required=bool(row.receipts_required),
        receipts_within_days=row.receipts_within_days,
        paid_on=row.paid_on,
        paid_out=Fen(row.paid_out_fen),
        receipts_due_on=row.receipts_due_on,
        covered=Fen(row.covered_fen),
    )


def _values(use: FundUse) -> dict[str, Any]:
    return {
        "line_id": use.line_id,
        "purpose": use.purpose,
        "entrusted": use.entrusted,
        "payee_name_enc": use.payee_name_enc,
        "payee_name_bidx": use.payee_name_bidx,
        "payee_name_mask": use.payee_name_mask,
        "payee_account_enc": use.payee_account_enc,
        "payee_account_mask": use.payee_account_mask,
        "payee_bank": use.payee_bank,
        "receipts_required": use.receipts_required,
        "receipts_within_days": use.receipts_within_days,
        "paid_on": use.paid_on,
        "paid_out_fen": int(use.paid_out),
        "receipts_due_on": use.receipts_due_on,
        "covered_fen": int(use.covered),
    }


class SqlFundUses(SessionStore):
    """`lending.ports.FundUseStore` over the session's transaction (never commits)."""

    def get_fund_use(self, loan_id: str) -> FundUse | None:
        row = self.session.execute(
            sa.select(fund_uses).where(fund_uses.c.loan_id == loan_id)
        ).first()
        return None if row is None else _use(row)

    def add_fund_use(self, use: FundUse, now: datetime) -> None:
        try:
            with self.session.begin_nested():
                self.session.execute(
                    fund_uses.insert().values(
                        loan_id=use.loan_id, created_at=now, updated_at=now, **_values(use)
                    )
                )
        except IntegrityError as exc:
            raise Conflict(f"the use of funds of {use.loan_id} is already recorded") from exc

    def save_fund_use(self, use: FundUse, now: datetime) -> None:
        self.session.execute(
            fund_uses.update()
            .where(fund_uses.c.loan_id == use.loan_id)
            .values(updated_at=now, **_values(use))
        )

    def receipts(self, loan_id: str) -> tuple[Receipt, ...]:
        rows = self.session.execute(
            sa.select(fund_receipts)
            .where(fund_receipts.c.loan_id == loan_id)
            .order_by(fund_receipts.c.attached_at, fund_receipts.c.id)
        ).all()
        return tuple(
            Receipt(
                number=r.number,
                issued_on=r.issued_on,
                amount=Fen(r.amount_fen),
                payee_name=r.payee_name_mask,
                file_name=r.file_name,
                sha256=r.sha256,
                receipt_id=r.id,
                payee_name_enc=r.payee_name_enc,
                payee_name_bidx=r.payee_name_bidx,
            )
            for r in rows
        )

    def add_receipt(self, loan_id: str, receipt: Receipt, actor: str, now: datetime) -> None:
        try:
            with self.session.begin_nested():
                self.session.execute(
                    fund_receipts.insert().values(
                        id=receipt.receipt_id,
                        loan_id=loan_id,
                        number=receipt.number,
                        issued_on=receipt.issued_on,
                        amount_fen=int(receipt.amount),
                        payee_name_enc=receipt.payee_name_enc,
                        payee_name_bidx=receipt.payee_name_bidx,
                        payee_name_mask=receipt.payee_name,
                        file_name=receipt.file_name,
                        sha256=receipt.sha256,
                        attached_by=actor,
                        attached_at=now,
                    )
                )
        except IntegrityError as exc:
            raise Conflict(f"receipt {receipt.number} is already attached to {loan_id}") from exc

    def receipts_overdue(self, on: date) -> tuple[FundUse, ...]:
        """Draws on active lines whose receipts were due before `on` and do not cover their
        payout (a frozen or closed line is not frozen again: its draws are not read)."""
        rows = self.session.execute(
            sa.select(fund_uses)
            .join(credit_lines, credit_lines.c.id == fund_uses.c.line_id)
            .where(
                fund_uses.c.receipts_due_on < on,
                fund_uses.c.covered_fen < fund_uses.c.paid_out_fen,
                credit_lines.c.status == LineStatus.ACTIVE.value,
            )
            .order_by(fund_uses.c.line_id, fund_uses.c.loan_id)
        ).all()
        return tuple(_use(r) for r in rows)

    def overdue_on_line(self, line_id: str, on: date) -> tuple[FundUse, ...]:
        """The line's draws whose receipts were due before `on` and do not cover the payout."""
        rows = self.session.execute(
            sa.select(fund_uses)
            .where(
                fund_uses.c.line_id == line_id,
                fund_uses.c.receipts_due_on < on,
                fund_uses.c.covered_fen < fund_uses.c.paid_out_fen,
            )
            .order_by(fund_uses.c.loan_id)
        ).all()
        return tuple(_use(r) for r in rows)
