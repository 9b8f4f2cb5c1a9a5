"""Finding things: `GET /v1/applications`, `/v1/decisions`, `/v1/loans`, `/v1/lines`,
`/v1/customers` with the officers' filters, a sort and cursor pages; one decision; one customer
with everything they have. Filters are validated once (`*_filter`); bad ones are a 422 naming
the allowed values. A customer is found by full ID number or phone only through
`POST /v1/customers/search`, which takes them in the body: URLs end up in access logs."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from fengkong.access.permissions import Permission, channel_scope
from fengkong.api.deps import ActorDep, ContextDep
from fengkong.api.search_schemas import (
    ApplicationSummaryOut,
    CustomerOut,
    CustomerSearchIn,
    CustomerSummaryOut,
    DecisionSummaryOut,
    LineSummaryOut,
    LoanSummaryOut,
    PageOut,
    page_out,
)
from fengkong.core.errors import FieldError, Invalid, NotFound
from fengkong.core.filters import Who
from fengkong.core.paging import MAX_LIMIT
from fengkong.decision.customer_view import customer_view
from fengkong.decision.search import (
    application_filter,
    decision_filter,
    find_applications,
    find_decisions,
    show_decision,
)
from fengkong.lending.customers import customer_filter, find_customers
from fengkong.lending.search import find_lines, find_loans, line_filter, loan_filter
from fengkong.onboarding.channel import SALES_CHANNELS

router = APIRouter()

PROBLEMS = {422: {"description": "A bad filter, sort or cursor, naming the allowed values"}}
Words = Annotated[
    list[str] | None, Query(description="Repeat the parameter or separate values with commas")
]
Day = Annotated[str | None, Query(description="YYYY-MM-DD, business date (Asia/Shanghai)")]
Customer = Annotated[str | None, Query(description="A customer id (cus_…)")]
Sort = Annotated[str | None, Query(description="A sort key, '-' first for descending")]
Limit = Annotated[int | None, Query(description=f"Rows per page, 1 to {MAX_LIMIT} (default 50)")]
Cursor = Annotated[str | None, Query(description="`next_cursor` of the previous page")]
Channels = Annotated[
    list[str] | None,
    Query(
        description="Sales channels (" + ", ".join(SALES_CHANNELS) + "): repeat the parameter "
        "or separate values with commas"
    ),
]
RequestId = Annotated[
    str | None,
    Query(description="The X-Request-ID of the API request that made the decision"),
]


@router.get("/v1/applications", tags=["applications"], responses=PROBLEMS)  # type: ignore[arg-type]
def list_applications(
    ctx: ContextDep,
    product: Words = None,
    outcome: Words = None,
    channel: Channels = None,
    request_id: RequestId = None,
    received_from: Day = None,
    received_to: Day = None,
    policy_version: str | None = None,
    model_version: str | None = None,
    customer_id: Customer = None,
    sort: Sort = None,
    limit: Limit = None,
    cursor: Cursor = None,
) -> PageOut[ApplicationSummaryOut]:
    """Applications with their decision (and loan, once accepted); sorts `received_at`
    (default `-received_at`) and `amount`."""
    finders = ctx.reads.finders
    f = application_filter(
        vault=finders.vault,
        as_of=finders.clock.business_date(),
        who=Who(customer=customer_id),
        product=product,
        outcome=outcome,
        channel=channel,
        request_id=request_id,
        received_from=received_from,
        received_to=received_to,
        policy_version=policy_version,
        model_version=model_version,
        sort=sort,
        limit=limit,
        cursor=cursor,
    )
    page = find_applications(f, finders.applications, finders.vault)
    return page_out(f.page, page, [ApplicationSummaryOut.of(r) for r in page.items])


@router.get("/v1/decisions", tags=["decisions"], responses=PROBLEMS)  # type: ignore[arg-type]
def list_decisions(
    ctx: ContextDep,
    product: Words = None,
    outcome: Words = None,
    channel: Channels = None,
    request_id: RequestId = None,
    decided_from: Day = None,
    decided_to: Day = None,
    score_min: int | None = None,
    score_max: int | None = None,
    policy_version: str | None = None,
    model_version: str | None = None,
    customer_id: Customer = None,
    sort: Sort = None,
    limit: Limit = None,
    cursor: Cursor = None,
) -> PageOut[DecisionSummaryOut]:
    """Decisions with their reasons; sorts `decided_at` (default `-decided_at`) and `score`."""
    finders = ctx.reads.finders
    f = decision_filter(
        vault=finders.vault,
        as_of=finders.clock.business_date(),
        who=Who(customer=customer_id),
        product=product,
        outcome=outcome,
        channel=channel,
        request_id=request_id,
        decided_from=decided_from,
        decided_to=decided_to,
        score_min=score_min,
        score_max=score_max,
        policy_version=policy_version,
        model_version=model_version,
        sort=sort,
        limit=limit,
        cursor=cursor,
    )
    page = find_decisions(f, finders.decisions, finders.vault)
    return page_out(f.page, page, [DecisionSummaryOut.of(r) for r in page.items])


@router.get(
    "/v1/decisions/{decision_id}",
    tags=["decisions"],
    responses={404: {"description": "Unknown decision"}},
)
def read_decision(decision_id: str, ctx: ContextDep, actor: ActorDep) -> DecisionSummaryOut:
    """One decision with its reasons; a channel key sees only its own channel's."""
    finders = ctx.finders
    row = show_decision(decision_id, finders.decisions, finders.vault)
    scope = channel_scope(actor, Permission.DECISIONS_READ)
    if scope is not None and (row.channel is None or row.channel.value != scope):
        raise NotFound(f"no decision {decision_id!r}")
    return DecisionSummaryOut.of(row)


@router.get("/v1/loans", tags=["loans"], responses=PROBLEMS)  # type: ignore[arg-type]
def list_loans(
    ctx: ContextDep,
    status: Words = None,
    product: Words = None,
    booked_from: Day = None,
    booked_to: Day = None,
    dpd_min: int | None = None,
    dpd_max: int | None = None,
    bucket: Words = None,
    loan_class: Words = None,
    line_id: str | None = None,
    channel: Channels = None,
    customer_id: Customer = None,
    sort: Sort = None,
    limit: Limit = None,
    cursor: Cursor = None,
) -> PageOut[LoanSummaryOut]:
    """Loans with DPD, bucket, class and borrower; sorts `booked_on` (default `-booked_on`),
    `days_past_due`, `principal_outstanding`, `amount`."""
    finders = ctx.reads.finders
    f = loan_filter(
        vault=finders.vault,
        as_of=finders.clock.business_date(),
        who=Who(customer=customer_id),
        status=status,
        product=product,
        booked_from=booked_from,
        booked_to=booked_to,
        dpd_min=dpd_min,
        dpd_max=dpd_max,
        bucket=bucket,
        loan_class=loan_class,
        line_id=line_id,
        channel=channel,
        buckets=tuple(t.name for t in ctx.lending.config.buckets),
        sort=sort,
        limit=limit,
        cursor=cursor,
    )
    page = find_loans(f, finders.loans, finders.vault)
    return page_out(f.page, page, [LoanSummaryOut.of(r) for r in page.items])


@router.get("/v1/lines", tags=["credit lines"], responses=PROBLEMS)  # type: ignore[arg-type]
def list_lines(
    ctx: ContextDep,
    status: Words = None,
    product: Words = None,
    opened_from: Day = None,
    opened_to: Day = None,
    customer_id: Customer = None,
    sort: Sort = None,
    limit: Limit = None,
    cursor: Cursor = None,
) -> PageOut[LineSummaryOut]:
    """Credit lines with limit, drawn and available; sorts `opened_at` (default `-opened_at`)
    and `limit`."""
    finders = ctx.reads.finders
    f = line_filter(
        vault=finders.vault,
        as_of=finders.clock.business_date(),
        who=Who(customer=customer_id),
        status=status,
        product=product,
        opened_from=opened_from,
        opened_to=opened_to,
        sort=sort,
        limit=limit,
        cursor=cursor,
    )
    page = find_lines(f, finders.lines, finders.vault)
    return page_out(f.page, page, [LineSummaryOut.of(r) for r in page.items])


@router.get("/v1/customers", tags=["customers"], responses=PROBLEMS)  # type: ignore[arg-type]
def list_customers(
    ctx: ContextDep,
    product: Words = None,
    applied_from: Day = None,
    applied_to: Day = None,
    sort: Sort = None,
    limit: Limit = None,
    cursor: Cursor = None,
) -> PageOut[CustomerSummaryOut]:
    """Customers (one per resident ID number) who applied, in the range or for the product if
    given; sorts `last_applied_at` (default `-last_applied_at`) and `first_applied_at`."""
    finders = ctx.finders
    f = customer_filter(
        vault=finders.vault,
        as_of=finders.clock.business_date(),
        product=product,
        applied_from=applied_from,
        applied_to=applied_to,
        sort=sort,
        limit=limit,
        cursor=cursor,
    )
    page = find_customers(f, finders)
    return page_out(f.page, page, [CustomerSummaryOut.of(r) for r in page.items])


@router.post("/v1/customers/search", tags=["customers"], responses=PROBLEMS)  # type: ignore[arg-type]
def search_customers(body: CustomerSearchIn, ctx: ContextDep) -> PageOut[CustomerSummaryOut]:
    """The customers with this full resident ID number or mobile number (matched by blind
    index; shown masked). Their `customer_id` then filters the other lists."""
    if body.id_number is None and body.phone is None:
        raise Invalid((FieldError(("id_number",), "give id_number or phone (or both)"),))
    finders = ctx.finders
    f = customer_filter(
        vault=finders.vault,
        as_of=finders.clock.business_date(),
        who=Who(id_number=body.id_number, phone=body.phone),
        sort=body.sort,
        limit=body.limit,
        cursor=body.cursor,
    )
    page = find_customers(f, finders)
    return page_out(f.page, page, [CustomerSummaryOut.of(r) for r in page.items])


@router.get(
    "/v1/customers/{customer_id}",
    tags=["customers"],
    responses={404: {"description": "No application of this customer"}, **PROBLEMS},  # type: ignore[dict-item]
)
def read_customer(customer_id: str, ctx: ContextDep) -> CustomerOut:
    """One borrower across applications, decisions, loans and lines, personal data masked."""
    return CustomerOut.of(customer_view(customer_id, ctx.finders))
