"""Request and response bodies of the use of funds (docs/use-of-funds.md): a draw's or payout's
purpose and payee, the receipts attached after the payout and what they cover. Amounts cross the
edge as yuan strings, as everywhere in /v1/loans and /v1/lines; inside they are integer fen."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from fengkong.api.input import InputModel
from fengkong.api.loan_schemas import PayeeIn, PayeeText, PositiveYuan, PurposeCode, yuan
from fengkong.core.money import yuan_to_fen
from fengkong.lending.funds import FundUseView, ReceiptIn
from fengkong.lending.use_of_funds import Receipt


class DisburseIn(InputModel):
    """What a loan's payout states: its purpose and, under entrusted payment, the payee."""

    model_config = ConfigDict(extra="forbid")
    purpose: PurposeCode | None = None
    payee: PayeeIn | None = None


class ReceiptBody(InputModel):
    """A receipt (发票/凭证) for a payout, and the uploaded file it came as (name and sha256)."""

    model_config = ConfigDict(extra="forbid")
    number: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=64)]
    issued_on: date
    amount: PositiveYuan
    payee_name: PayeeText
    file_name: Annotated[
        str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)
    ]
    sha256: Annotated[str, StringConstraints(pattern=r"^[0-9a-fA-F]{64}$")]

    def receipt(self) -> ReceiptIn:
        return ReceiptIn(
            self.number,
            self.issued_on,
            int(yuan_to_fen(self.amount)),
            self.payee_name,
            self.file_name,
            self.sha256,
        )


class ReceiptOut(BaseModel):
    receipt_id: str
    number: str
    issued_on: date
    amount: str
    payee_name: str = Field(description="Masked")
    file_name: str
    sha256: str

    @classmethod
    def of(cls, r: Receipt) -> ReceiptOut:
        return cls(
            receipt_id=r.receipt_id,
            number=r.number,
            issued_on=r.issued_on,
            amount=yuan(r.amount),
            payee_name=r.payee_name,
            file_name=r.file_name,
            sha256=r.sha256,
        )


class PayeeOut(BaseModel):
    name: str | None = Field(description="Masked")
    account: str | None = Field(description="Masked")
    bank: str | None


class CoverageOut(BaseModel):
    paid_out: str
    covered: str
    share: str = Field(description="Covered ÷ paid out, 0 to 1")
    complete: bool
    due_on: date | None = Field(description="The last day receipts may arrive; none if not asked")
    overdue: bool


class FundUseOut(BaseModel):
    loan_id: str
    line_id: str | None
    purpose: str | None
    entrusted_payment: bool
    payee: PayeeOut | None
    receipts_required: bool
    paid_on: date | None
    receipts: list[ReceiptOut]
    coverage: CoverageOut

    @classmethod
    def of(cls, view: FundUseView) -> FundUseOut:
        use, cover = view.use, view.coverage
        payee = (
            PayeeOut(name=use.payee_name_mask, account=use.payee_account_mask, bank=use.payee_bank)
            if use.entrusted
            else None
        )
        return cls(
            loan_id=use.loan_id,
            line_id=use.line_id,
            purpose=use.purpose,
            entrusted_payment=use.entrusted,
            payee=payee,
            receipts_required=use.receipts_required,
            paid_on=use.paid_on,
            receipts=[ReceiptOut.of(r) for r in view.receipts],
            coverage=CoverageOut(
                paid_out=yuan(cover.paid_out),
                covered=yuan(cover.covered),
                share=str(cover.share),
                complete=cover.complete,
                due_on=cover.due_on,
                overdue=cover.overdue,
            ),
        )
