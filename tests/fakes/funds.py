"""In-memory twin of `db/funds_store.py`: a draw's or loan's use of funds and its receipts."""

from __future__ import annotations

from datetime import date, datetime

from fakes.tables import Tables
from fengkong.core.errors import Conflict
from fengkong.lending.line import LineStatus
from fengkong.lending.use_of_funds import FundUse, Receipt


class MemoryFundUses:
    def __init__(self, tables: Tables) -> None:
        self.tables = tables

    def get_fund_use(self, loan_id: str) -> FundUse | None:
        return self.tables.fund_uses.get(loan_id)

    def add_fund_use(self, use: FundUse, now: datetime) -> None:
        if use.loan_id in self.tables.fund_uses:
            raise Conflict(f"the use of funds of {use.loan_id} is already recorded")
        self.tables.fund_uses[use.loan_id] = use

    def save_fund_use(self, use: FundUse, now: datetime) -> None:
        if use.loan_id in self.tables.fund_uses:
            self.tables.fund_uses[use.loan_id] = use

    def receipts(self, loan_id: str) -> tuple[Receipt, ...]:
        return self.tables.fund_receipts.get(loan_id, ())

    def add_receipt(self, loan_id: str, receipt: Receipt, actor: str, now: datetime) -> None:
        known = self.receipts(loan_id)
        if any(r.number == receipt.number for r in known):
            raise Conflict(f"receipt {receipt.number} is already attached to {loan_id}")
        self.tables.fund_receipts[loan_id] = (*known, receipt)

    def _overdue(self, on: date) -> list[FundUse]:
        return sorted(
            (
                u
                for u in self.tables.fund_uses.values()
                if u.receipts_due_on is not None
                and u.receipts_due_on < on
                and u.covered < u.paid_out
                and u.line_id is not None
            ),
            key=lambda u: (u.line_id or "", u.loan_id),
        )

    def receipts_overdue(self, on: date) -> tuple[FundUse, ...]:
        lines = self.tables.lines
        return tuple(
            u
            for u in self._overdue(on)
            if u.line_id in lines and lines[u.line_id].line.status is LineStatus.ACTIVE
        )

    def overdue_on_line(self, line_id: str, on: date) -> tuple[FundUse, ...]:
        return tuple(u for u in self._overdue(on) if u.line_id == line_id)
