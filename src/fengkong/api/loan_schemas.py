"""Request and response bodies of /v1/loans and /v1/lines. Amounts cross the edge as yuan
strings with at most two decimals; inside they are integer fen."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from fengkong.api.input import InputModel
from fengkong.core.money import CURRENCY, fen_to_yuan, yuan_to_fen
from fengkong.lending.disbursement import Disbursement
from fengkong.lending.line import CreditLine
from fengkong.lending.line_aging import LineAging
from fengkong.lending.origination import LoanView, Offer
from fengkong.lending.repayment import RepaymentPosted
from fengkong.lending.schedule import Instalment
from fengkong.lending.servicing_records import ReminderRecord
from fengkong.lending.use_of_funds import Payee
from fengkong.lending.waterfall import SettlementQuote

# Never negative, at most two decimals (a third is refused, not rounded), below ¥10 billion; a
# payment is bounded further by the configured largest payment (`lending_max_payment_fen`).
YuanIn = Annotated[
    Decimal,
    Field(ge=0, max_digits=12, decimal_places=2, description="Yuan, at most two decimals"),
]
PositiveYuan = Annotated[YuanIn, Field(gt=0)]
Reason = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=400)]


PayeeText = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=120)]
PurposeCode = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=40),
    Field(
        description="The purpose of the funds, one of the product's codes (e.g. "
        "`business_working_capital`); house purchase, securities and repaying other loans are "
        "always refused"
    ),
]


class PayeeIn(InputModel):
    """The borrower's counterparty entrusted payment pays (受托支付) instead of the borrower."""

    model_config = ConfigDict(extra="forbid")
    name: PayeeText
    account: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=40)]
    bank: PayeeText

    def payee(self) -> Payee:
        return Payee(self.name, self.account, self.bank)


def yuan(fen: int) -> str:
    return str(fen_to_yuan(fen))


class InstalmentOut(BaseModel):
    number: int
    due: date
    principal: str
    interest: str
    fee: str
    total: str

    @classmethod
    def of(cls, i: Instalment) -> InstalmentOut:
        return cls(
            number=i.number,
            due=i.due,
            principal=yuan(i.principal),
            interest=yuan(i.interest),
            fee=yuan(i.fee),
            total=yuan(i.total),
        )


class OfferOut(BaseModel):
    application_id: str
    product: str
    amount: str
    principal: str
    disbursed: str
    origination_fee: str
    annual_rate: str
    apr: str = Field(description="Monthly IRR × 12, fees included (PBoC [2021] No. 3)")
    effective_apr: str
    total_cost: str = Field(description="Interest plus fees over the loan")
    schedule: list[InstalmentOut]
    secured: bool = Field(
        False,
        description="Approve if secured: accepted only once the security is registered"
        " (GET /v1/applications/{id}/security)",
    )

    @classmethod
    def of(cls, offer: Offer) -> OfferOut:
        q = offer.quote
        return cls(
            application_id=offer.application_id,
            product=f"{q.product_code}@{q.product_version}",
            amount=yuan(q.amount),
            principal=yuan(q.principal),
            disbursed=yuan(q.disbursed),
            origination_fee=yuan(q.origination_fee),
            annual_rate=str(q.annual_rate),
            apr=str(q.apr),
            effective_apr=str(q.effective_apr),
            total_cost=yuan(q.total_cost),
            schedule=[InstalmentOut.of(i) for i in q.schedule],
            secured=offer.secured,
        )


class PositionOut(BaseModel):
    number: int
    due: date
    scheduled_total: str
    outstanding: str
    principal_outstanding: str
    interest_outstanding: str
    fee_outstanding: str
    penalty_outstanding: str
    days_past_due: int = Field(description="As of the loan's accrued_through date")


class LoanOut(BaseModel):
    loan_id: str
    application_id: str | None
    line_id: str | None
    status: str
    product: str
    amount: str
    principal: str
    annual_rate: str
    booked_on: date
    accrued_through: date = Field(
        description="The last date the loan was aged through (end of day, a repayment or its "
        "booking): DPD, bucket and class are as of this date"
    )
    principal_outstanding: str
    outstanding: str
    unapplied_credit: str
    days_past_due: int = Field(description="Of the oldest unpaid instalment, as of accrued_through")
    dpd_bucket: str
    loan_class: str
    contract_sha256: str | None
    contract_template: str | None
    schedule: list[InstalmentOut]
    positions: list[PositionOut]

    @classmethod
    def of(cls, view: LoanView) -> LoanOut:
        r = view.record
        s = r.state
        aged = view.delinquency
        return cls(
            loan_id=r.loan_id,
            application_id=r.application_id,
            line_id=r.line_id,
            status=r.stage.value,
            product=f"{s.terms.product_code}@{s.terms.product_version}",
            amount=yuan(r.amount),
            principal=yuan(s.terms.principal),
            annual_rate=str(s.terms.annual_rate),
            booked_on=r.booked_on,
            accrued_through=aged.as_of,
            principal_outstanding=yuan(s.principal_outstanding),
            outstanding=yuan(s.outstanding.total),
            unapplied_credit=yuan(s.unapplied_credit),
            days_past_due=aged.days_past_due,
            dpd_bucket=aged.bucket,
            loan_class=aged.loan_class.value,
            contract_sha256=view.contract.sha256 if view.contract else None,
            contract_template=view.contract.template_version if view.contract else None,
            schedule=[InstalmentOut.of(i) for i in view.schedule],
            positions=[
                PositionOut(
                    number=p.number,
                    due=p.due,
                    scheduled_total=yuan(p.instalment.total),
                    outstanding=yuan(p.outstanding.total),
                    principal_outstanding=yuan(p.outstanding.principal),
                    interest_outstanding=yuan(p.outstanding.interest),
                    fee_outstanding=yuan(p.outstanding.fee),
                    penalty_outstanding=yuan(p.outstanding.penalty),
                    days_past_due=dpd,
                )
                for p, dpd in zip(s.positions, aged.instalments, strict=True)
            ],
        )


class PayoutOut(BaseModel):
    payout_id: str
    status: str
    attempts: int
    amount: str
    reference: str | None
    last_error: str | None


class DisbursementOut(BaseModel):
    loan_id: str
    loan_status: str
    payout: PayoutOut

    @classmethod
    def of(cls, d: Disbursement) -> DisbursementOut:
        p = d.payout
        return cls(
            loan_id=d.loan_id,
            loan_status=d.stage.value,
            payout=PayoutOut(
                payout_id=p.payout_id,
                status=p.status.value,
                attempts=p.attempts,
                amount=yuan(p.amount),
                reference=p.reference,
                last_error=p.last_error,
            ),
        )


class PaymentIn(InputModel):
    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"example": {"amount": "888.49", "currency": "CNY"}}
    )

    amount: PositiveYuan
    currency: Annotated[str, StringConstraints(min_length=1, max_length=8)] = CURRENCY

    def fen(self) -> int:
        return int(yuan_to_fen(self.amount))


class RepaymentOut(BaseModel):
    repayment_id: str
    loan_id: str
    kind: str
    status: str
    amount: str
    business_date: date
    allocated: dict[str, str]
    to_credit: str
    loan_status: str

    @classmethod
    def of(cls, r: RepaymentPosted) -> RepaymentOut:
        return cls(
            repayment_id=r.repayment_id,
            loan_id=r.loan_id,
            kind=r.kind.value,
            status=r.status,
            amount=yuan(r.amount),
            business_date=r.business_date,
            allocated={k: yuan(v) for k, v in r.allocated.items()},
            to_credit=yuan(r.to_credit),
            loan_status=r.loan_stage.value,
        )


class ReversalIn(InputModel):
    model_config = ConfigDict(extra="forbid")
    reason: Reason


class SettlementQuoteOut(BaseModel):
    on: date
    principal: str
    interest: str
    fee: str
    penalty: str
    prepayment_fee: str
    credit: str
    total: str
    payable: str

    @classmethod
    def of(cls, q: SettlementQuote) -> SettlementQuoteOut:
        return cls(
            on=q.on,
            principal=yuan(q.principal),
            interest=yuan(q.interest),
            fee=yuan(q.fee),
            penalty=yuan(q.penalty),
            prepayment_fee=yuan(q.prepayment_fee),
            credit=yuan(q.credit),
            total=yuan(q.total),
            payable=yuan(q.payable),
        )


class RestructureIn(InputModel):
    model_config = ConfigDict(extra="forbid")
    reason: Reason
    extra_terms: int | None = Field(None, ge=1, le=360, description="展期: months added")
    new_terms: int | None = Field(None, ge=1, le=360, description="Re-amortise over this many")
    annual_rate: Decimal | None = Field(None, ge=0, le=1)


class LineOpenIn(InputModel):
    model_config = ConfigDict(extra="forbid")
    limit: YuanIn
    annual_rate: Decimal = Field(ge=0, le=1)
    product: str | None = None
    application_id: Annotated[str, StringConstraints(min_length=1, max_length=40)] | None = Field(
        None, description="The approved application it is opened on: its applicant is the borrower"
    )


class DrawIn(InputModel):
    model_config = ConfigDict(extra="forbid")
    amount: PositiveYuan
    terms: int = Field(ge=1, le=360)
    currency: Annotated[str, StringConstraints(min_length=1, max_length=8)] = CURRENCY
    # The use of funds (docs/use-of-funds.md): checked against the line's product.
    purpose: PurposeCode | None = None
    payee: PayeeIn | None = None


class LineActionIn(InputModel):
    model_config = ConfigDict(extra="forbid")
    reason: Reason
    new_limit: YuanIn | None = Field(None, description="For reduce and limit: the new limit")


class LineReinstateIn(InputModel):
    model_config = ConfigDict(extra="forbid")
    reason: Reason
    acknowledge_blacklist: bool = Field(
        False,
        description="Required to reverse an action taken for a black-list hit: the officer "
        "overrides a fraud signal knowingly",
    )


class LineNoticeOut(BaseModel):
    """A notice sent to a line's borrower about an automatic action or its reversal."""

    notice_id: str
    kind: str = Field(description="line_frozen, line_reduced, line_closed, line_raised, …")
    business_date: str
    reason: str = Field(description="The reason code (the borrower reads it in words)")
    limit_before: str | None
    limit_after: str | None
    language: str
    channel: str
    status: str = Field(description="pending, sent or failed")

    @classmethod
    def of(cls, r: ReminderRecord) -> LineNoticeOut:
        def money(key: str) -> str | None:
            value = r.detail.get(key)
            return yuan(value) if isinstance(value, int) else None

        return cls(
            notice_id=r.reminder_id,
            kind=r.kind,
            business_date=r.business_date.isoformat(),
            reason=str(r.detail.get("reason", "")),
            limit_before=money("limit_before"),
            limit_after=money("limit_after"),
            language=r.language,
            channel=r.channel,
            status=r.status,
        )


class DrawBalanceOut(BaseModel):
    draw_id: str
    principal_outstanding: str


class LineOut(BaseModel):
    line_id: str
    product: str
    status: str
    limit: str
    available: str
    drawn_outstanding: str
    annual_rate: str
    draws: list[str]
    draw_balances: list[DrawBalanceOut]
    history: list[dict[str, str]]
    days_past_due: int = Field(description="The worst over the line's active draws")
    dpd_bucket: str
    loan_class: str = Field(description="The worst class over the line's active draws")

    @classmethod
    def of(cls, line: CreditLine, aging: LineAging) -> LineOut:
        return cls(
            line_id=line.line_id,
            product=f"{line.product.code}@{line.product.version}",
            status=line.status.value,
            limit=yuan(line.limit),
            available=yuan(line.available),
            drawn_outstanding=yuan(line.drawn_outstanding),
            annual_rate=str(line.annual_rate),
            draws=[d.draw_id for d in line.draws],
            draw_balances=[
                DrawBalanceOut(
                    draw_id=d.draw_id, principal_outstanding=yuan(d.principal_outstanding)
                )
                for d in line.draws
            ],
            history=[
                {
                    "on": h.on.isoformat(),
                    "kind": h.kind.value,
                    "reason": h.reason,
                    "limit_before": yuan(h.limit_before),
                    "limit_after": yuan(h.limit_after),
                    "officer": h.officer,
                }
                for h in line.history
            ],
            days_past_due=aging.days_past_due,
            dpd_bucket=aging.bucket,
            loan_class=aging.loan_class.value,
        )


class DrawOut(BaseModel):
    line: LineOut
    loan: LoanOut
    disbursement: DisbursementOut
