"""Small, valid lending records for the contract tests: a booked loan, a payout, a repayment, a
credit line and a draw, each field named once.

    loan     principal   terms  rate  booked on
    loan_1   10,000.00   12     12 %  2026-03-02
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from fengkong.core.money import Fen
from fengkong.ledger.journal import JournalEntry
from fengkong.ledger.loan_entries import accrual
from fengkong.lending.contract import Contract
from fengkong.lending.line import open_line
from fengkong.lending.loan import book_loan
from fengkong.lending.payment import PayoutStatus
from fengkong.lending.product import Product, ProductKind, RepaymentMethod
from fengkong.lending.quote import quote
from fengkong.lending.records import (
    DrawRecord,
    LineRecord,
    LoanRecord,
    LoanStage,
    PayoutRecord,
    RepaymentKind,
    RepaymentRecord,
)
from fengkong.lending.schedule import Instalment, InterestBasis

BOOKED = date(2026, 3, 2)


def product(kind: ProductKind = ProductKind.INSTALMENT_LOAN) -> Product:
    return Product(
        code="cash",
        version=1,
        kind=kind,
        repayment_method=RepaymentMethod.EQUAL_INSTALMENT,
        terms=(3, 12),
        min_amount=Fen(100),
        max_amount=Fen(100_000_000),
        min_annual_rate=Decimal(0),
        max_annual_rate=Decimal("0.24"),
        interest_basis=InterestBasis.MONTHLY,
    )


def loan(loan_id: str = "loan_1", **changes: Any) -> LoanRecord:
    """An active loan as booked (its schedule is `schedule(loan_id)`)."""
    offer = quote(product(), Fen(1_000_000), 12, Decimal("0.12"), BOOKED)
    state = book_loan(loan_id, product(), offer, BOOKED).state
    fields: dict[str, Any] = {
        "loan_id": loan_id,
        "state": state,
        "stage": LoanStage.ACTIVE,
        "booked_on": BOOKED,
        "amount": Fen(1_000_000),
        "application_id": f"app_{loan_id}",
        "acceptance_key": f"accept:{loan_id}",
    }
    return LoanRecord(**{**fields, **changes})


def schedule() -> tuple[Instalment, ...]:
    """`loan()`'s schedule."""
    return quote(product(), Fen(1_000_000), 12, Decimal("0.12"), BOOKED).schedule


def contract(loan_id: str = "loan_1") -> Contract:
    return Contract(loan_id, "v1", f"借款合同 {loan_id}", "c" * 64)


def payout(payout_id: str = "pay_1", loan_id: str = "loan_1", **changes: Any) -> PayoutRecord:
    fields: dict[str, Any] = {
        "payout_id": payout_id,
        "loan_id": loan_id,
        "idempotency_key": f"payout:{payout_id}",
        "amount": Fen(1_000_000),
        "status": PayoutStatus.PENDING,
    }
    return PayoutRecord(**{**fields, **changes})


def entry(entry_id: str, loan_id: str = "loan_1") -> JournalEntry:
    return accrual(
        entry_id=entry_id,
        business_date=BOOKED,
        loan_id=loan_id,
        interest=300,
        idempotency_key=f"key:{entry_id}",
    )


def repayment(rep_id: str = "rep_1", loan_id: str = "loan_1", **changes: Any) -> RepaymentRecord:
    fields: dict[str, Any] = {
        "repayment_id": rep_id,
        "loan_id": loan_id,
        "idempotency_key": f"repay:{rep_id}",
        "request_hash": "h" * 64,
        "kind": RepaymentKind.REPAYMENT,
        "amount": Fen(10_000),
        "business_date": BOOKED,
        "status": "applied",
        "entry_ids": (f"je_{rep_id}",),
        "result": {"repayment_id": rep_id, "to_credit": 10_000},
    }
    return RepaymentRecord(**{**fields, **changes})


def line(line_id: str = "line_1", **changes: Any) -> LineRecord:
    opened = open_line(
        line_id, product(ProductKind.REVOLVING_LINE), 2_000_000, Decimal("0.18"), BOOKED
    )
    fields: dict[str, Any] = {
        "line": opened,
        "idempotency_key": f"open:{line_id}",
        "request_hash": "l" * 64,
        "application_id": f"app_{line_id}",
    }
    return LineRecord(**{**fields, **changes})


def drawn(loan_id: str = "draw_1", line_id: str = "line_1", **changes: Any) -> DrawRecord:
    fields: dict[str, Any] = {
        "loan_id": loan_id,
        "line_id": line_id,
        "idempotency_key": f"draw:{loan_id}",
        "request_hash": "d" * 64,
        "amount": Fen(500_000),
        "terms": 3,
        "drawn_on": BOOKED,
    }
    return DrawRecord(**{**fields, **changes})
