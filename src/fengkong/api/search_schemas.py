"""Response bodies of the officers' lists (`GET /v1/applications`, `/v1/decisions`, `/v1/loans`,
`/v1/lines`, `/v1/customers`) and of the customer view. Personal data appears only masked;
amounts are yuan strings. The CLI prints the same documents (`--json`) and rows (`--csv`)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any, Generic, TypeVar

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from fengkong.api.input import InputModel
from fengkong.api.loan_schemas import yuan
from fengkong.api.schemas import ReasonOut
from fengkong.core.paging import Page, PageRequest, next_cursor
from fengkong.decision.customer_view import CustomerView
from fengkong.decision.search import ApplicationRow, DecisionRow
from fengkong.lending.customers import CustomerRow
from fengkong.lending.search import LineRow, LoanRow
from fengkong.onboarding.channel import SalesChannel
from fengkong.onboarding.party import Borrower

T = TypeVar("T")


class BorrowerOut(BaseModel):
    customer_id: str = Field(description="cus_ and the blind index of the resident ID number")
    name: str = Field(description="Masked")
    id_number: str = Field(description="Masked")
    phone: str = Field(description="Masked")

    @classmethod
    def of(cls, b: Borrower) -> BorrowerOut:
        m = b.masked
        return cls(customer_id=b.customer_id, name=m.name, id_number=m.id_number, phone=m.phone)


def _borrower(b: Borrower | None) -> BorrowerOut | None:
    return None if b is None else BorrowerOut.of(b)


def _yuan(fen: int | None) -> str | None:
    return None if fen is None else yuan(fen)


def _channel(channel: SalesChannel | None) -> str | None:
    return None if channel is None else channel.value


# Field descriptions shared by several lists; each use gets a `Field` of its own.
_CHANNEL = "The sales channel of the application; null if stored before channels were kept"
_CHANNEL_PARTNER = "The partner's code, for a partner's referral"
_REQUEST_ID = "The X-Request-ID of the API request that made the decision (null from the CLI)"


class ApplicationSummaryOut(BaseModel):
    id: str
    received_at: datetime
    product: str
    amount: str
    term_months: int
    purpose: str
    decision_id: str
    decided_at: datetime
    outcome: str
    score: int | None
    approved_amount: str | None
    policy_version: str
    model_version: str | None
    loan_id: str | None = Field(description="The loan booked from it, once accepted")
    channel: str | None = Field(description=_CHANNEL)
    channel_partner: str | None = Field(description=_CHANNEL_PARTNER)
    request_id: str | None = Field(description=_REQUEST_ID)
    borrower: BorrowerOut | None

    @classmethod
    def of(cls, r: ApplicationRow) -> ApplicationSummaryOut:
        return cls(
            id=r.id,
            received_at=r.received_at,
            product=r.product,
            amount=yuan(r.amount),
            term_months=r.term_months,
            purpose=r.purpose,
            decision_id=r.decision_id,
            decided_at=r.decided_at,
            outcome=r.outcome.value,
            score=r.score,
            approved_amount=_yuan(r.approved_amount),
            policy_version=r.policy_version,
            model_version=r.model_version,
            loan_id=r.loan_id,
            channel=_channel(r.channel),
            channel_partner=r.channel_partner,
            request_id=r.request_id,
            borrower=_borrower(r.borrower),
        )


class DecisionSummaryOut(BaseModel):
    id: str
    application_id: str
    decided_at: datetime
    outcome: str
    score: int | None
    probability_of_default: str | None
    product: str
    requested_amount: str
    approved_amount: str | None
    annual_rate: str | None
    term_months: int | None
    reasons: list[ReasonOut]
    policy_version: str
    model_version: str | None
    channel: str | None = Field(description=_CHANNEL)
    channel_partner: str | None = Field(description=_CHANNEL_PARTNER)
    request_id: str | None = Field(description=_REQUEST_ID)
    borrower: BorrowerOut | None

    @classmethod
    def of(cls, r: DecisionRow) -> DecisionSummaryOut:
        return cls(
            id=r.id,
            application_id=r.application_id,
            decided_at=r.decided_at,
            outcome=r.outcome.value,
            score=r.score,
            probability_of_default=r.pd,
            product=r.product,
            requested_amount=yuan(r.requested_amount),
            approved_amount=_yuan(r.approved_amount),
            annual_rate=r.annual_rate,
            term_months=r.term_months,
            reasons=[ReasonOut(**x.as_dict()) for x in r.reasons],
            policy_version=r.policy_version,
            model_version=r.model_version,
            channel=_channel(r.channel),
            channel_partner=r.channel_partner,
            request_id=r.request_id,
            borrower=_borrower(r.borrower),
        )


class LoanSummaryOut(BaseModel):
    loan_id: str
    application_id: str | None
    line_id: str | None
    product: str
    status: str
    amount: str
    principal_outstanding: str
    annual_rate: str
    booked_on: date
    days_past_due: int
    dpd_bucket: str
    loan_class: str
    channel: str | None = Field(
        description="The sales channel of the application it was booked from (a draw: its "
        "line's); null when there is none or it was stored before channels were kept"
    )
    channel_partner: str | None = Field(description=_CHANNEL_PARTNER)
    borrower: BorrowerOut | None = Field(description="None for a draw on a line with no borrower")

    @classmethod
    def of(cls, r: LoanRow) -> LoanSummaryOut:
        return cls(
            loan_id=r.loan_id,
            application_id=r.application_id,
            line_id=r.line_id,
            product=r.product,
            status=r.status.value,
            amount=yuan(r.amount),
            principal_outstanding=yuan(r.principal_outstanding),
            annual_rate=str(r.annual_rate),
            booked_on=r.booked_on,
            days_past_due=r.days_past_due,
            dpd_bucket=r.dpd_bucket,
            loan_class=r.loan_class.value,
            channel=_channel(r.channel),
            channel_partner=r.channel_partner,
            borrower=_borrower(r.borrower),
        )


class LineSummaryOut(BaseModel):
    line_id: str
    application_id: str | None
    product: str
    status: str
    limit: str
    drawn_outstanding: str
    available: str
    annual_rate: str
    opened_at: datetime
    borrower: BorrowerOut | None = Field(description="None for a line opened on no application")

    @classmethod
    def of(cls, r: LineRow) -> LineSummaryOut:
        return cls(
            line_id=r.line_id,
            application_id=r.application_id,
            product=r.product,
            status=r.status.value,
            limit=yuan(r.limit),
            drawn_outstanding=yuan(r.drawn),
            available=yuan(r.available),
            annual_rate=str(r.annual_rate),
            opened_at=r.opened_at,
            borrower=_borrower(r.borrower),
        )


class CustomerSummaryOut(BaseModel):
    customer_id: str
    name: str = Field(description="Masked, from the latest application")
    id_number: str = Field(description="Masked")
    phone: str = Field(description="Masked, from the latest application")
    applications: int
    first_applied_at: datetime
    last_applied_at: datetime

    @classmethod
    def of(cls, r: CustomerRow) -> CustomerSummaryOut:
        assert r.borrower is not None
        m = r.borrower.masked
        return cls(
            customer_id=r.customer_id,
            name=m.name,
            id_number=m.id_number,
            phone=m.phone,
            applications=r.applications,
            first_applied_at=r.first_applied_at,
            last_applied_at=r.last_applied_at,
        )


class CustomerOut(BaseModel):
    """One borrower: every application, decision, loan and line, newest first."""

    customer_id: str
    name: str = Field(description="Masked, from the latest application")
    id_number: str = Field(description="Masked")
    phone: str = Field(description="Masked, from the latest application")
    applications: list[ApplicationSummaryOut]
    decisions: list[DecisionSummaryOut]
    loans: list[LoanSummaryOut]
    lines: list[LineSummaryOut]

    @classmethod
    def of(cls, v: CustomerView) -> CustomerOut:
        return cls(
            customer_id=v.customer_id,
            name=v.masked.name,
            id_number=v.masked.id_number,
            phone=v.masked.phone,
            applications=[ApplicationSummaryOut.of(r) for r in v.applications],
            decisions=[DecisionSummaryOut.of(r) for r in v.decisions],
            loans=[LoanSummaryOut.of(r) for r in v.loans],
            lines=[LineSummaryOut.of(r) for r in v.lines],
        )


class PageOut(BaseModel, Generic[T]):
    items: list[T]
    next_cursor: str | None = Field(
        description="Pass as `cursor` (same filters and sort) for the next page; null at the end"
    )


def page_out(request: PageRequest, page: Page[Any], items: list[T]) -> PageOut[T]:
    return PageOut[T](items=items, next_cursor=next_cursor(request, page))


class CustomerSearchIn(InputModel):
    """Find customers by a full resident ID number or mobile number. They travel in the body, not
    the query string: access logs and proxies record URLs."""

    model_config = ConfigDict(extra="forbid")

    id_number: Annotated[str, StringConstraints(min_length=1, max_length=32)] | None = None
    phone: Annotated[str, StringConstraints(min_length=1, max_length=24)] | None = None
    sort: str | None = None
    limit: int | None = None
    cursor: str | None = None
