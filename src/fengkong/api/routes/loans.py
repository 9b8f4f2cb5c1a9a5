"""/v1/loans and /v1/lines: offers, booking, payout, repayments, settlement, restructuring and
credit lines. Every money-moving POST takes an `Idempotency-Key` header."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Header, Request, status

from fengkong.api.approval_schemas import ApprovalOut
from fengkong.api.deps import ActorDep
from fengkong.api.line_schemas import LineRepaymentIn, LineRepaymentOut
from fengkong.api.loan_schemas import (
    DisbursementOut,
    DrawIn,
    DrawOut,
    LineActionIn,
    LineOpenIn,
    LineOut,
    LoanOut,
    OfferOut,
    PaymentIn,
    RepaymentOut,
    RestructureIn,
    ReversalIn,
    SettlementQuoteOut,
)
from fengkong.api.review_schemas import OFFICER_DOC, OFFICER_HEADER
from fengkong.core.money import yuan_to_fen
from fengkong.lending import credit_lines, disbursement, loan_changes, origination, repayment
from fengkong.lending.line_aging import line_aging
from fengkong.lending.line_repayment import repay_draw
from fengkong.lending.services import LendingServices

loans_router = APIRouter(prefix="/v1/loans", tags=["loans"])
lines_router = APIRouter(prefix="/v1/lines", tags=["credit lines"])

PROBLEMS = {
    404: {"description": "Unknown application, loan or line (problem+json)"},
    409: {"description": "Wrong status, or the key was used for another request (problem+json)"},
    422: {"description": "Invalid input, with field-level errors (problem+json)"},
}


async def get_lending(request: Request) -> LendingServices:
    """The app's lending services. Async, as it only reads the app's state: FastAPI runs a sync
    dependency in the thread pool, a hop per dependency on every request."""
    lending: LendingServices = request.app.state.context.lending
    return lending


LendingDep = Annotated[LendingServices, Depends(get_lending)]
IdempotencyKey = Annotated[
    str,
    Header(
        alias="Idempotency-Key",
        min_length=1,
        max_length=100,
        description="Unique per request: a retry with the same key and body is applied once",
    ),
]


@loans_router.get("/offers/{application_id}", responses=PROBLEMS)  # type: ignore[arg-type]
def read_offer(application_id: str, svc: LendingDep) -> OfferOut:
    """The loan an approved application may accept: schedule, APR and total cost."""
    return OfferOut.of(origination.quote_offer(application_id, svc))


@loans_router.post(
    "/offers/{application_id}/accept",
    status_code=status.HTTP_201_CREATED,
    responses=PROBLEMS,  # type: ignore[arg-type]
)
def accept(application_id: str, key: IdempotencyKey, svc: LendingDep) -> LoanOut:
    """Accept the offer: the loan is booked and its contract rendered (sha256 audited)."""
    view = origination.accept_offer(application_id, key, svc)
    return LoanOut.of(view)


@loans_router.get("/{loan_id}", responses=PROBLEMS)  # type: ignore[arg-type]
def read_loan(loan_id: str, svc: LendingDep) -> LoanOut:
    return LoanOut.of(origination.get_loan(loan_id, svc))


@loans_router.post("/{loan_id}/disburse", responses=PROBLEMS)  # type: ignore[arg-type]
def disburse(loan_id: str, key: IdempotencyKey, svc: LendingDep) -> DisbursementOut:
    return DisbursementOut.of(disbursement.disburse(loan_id, key, svc))


@loans_router.post(
    "/{loan_id}/repayments",
    status_code=status.HTTP_201_CREATED,
    responses=PROBLEMS,  # type: ignore[arg-type]
)
def repay(loan_id: str, body: PaymentIn, key: IdempotencyKey, svc: LendingDep) -> RepaymentOut:
    posted = repayment.post_repayment(loan_id, body.fen(), key, svc, currency=body.currency)
    return RepaymentOut.of(posted)


@loans_router.post("/{loan_id}/repayments/{repayment_id}/reversal", responses=PROBLEMS)  # type: ignore[arg-type]
def reverse(
    loan_id: str, repayment_id: str, body: ReversalIn, key: IdempotencyKey, svc: LendingDep
) -> RepaymentOut:
    return RepaymentOut.of(
        repayment.reverse_repayment(loan_id, repayment_id, key, body.reason, svc)
    )


@loans_router.get("/{loan_id}/settlement-quote", responses=PROBLEMS)  # type: ignore[arg-type]
def settlement_quote(loan_id: str, svc: LendingDep) -> SettlementQuoteOut:
    return SettlementQuoteOut.of(repayment.quote_settlement(loan_id, svc))


@loans_router.post("/{loan_id}/settle", responses=PROBLEMS)  # type: ignore[arg-type]
def settle(loan_id: str, body: PaymentIn, key: IdempotencyKey, svc: LendingDep) -> RepaymentOut:
    return RepaymentOut.of(
        repayment.settle_loan(loan_id, body.fen(), key, svc, currency=body.currency)
    )


@loans_router.post(
    "/{loan_id}/restructure",
    status_code=status.HTTP_202_ACCEPTED,
    responses=PROBLEMS,  # type: ignore[arg-type]
)
def restructure(loan_id: str, body: RestructureIn, svc: LendingDep, actor: ActorDep) -> ApprovalOut:
    """Ask, as an officer, for 展期 or re-amortisation; an approver other than you approves it
    at `/v1/approvals/{id}/approve`, which restructures the loan."""
    request = loan_changes.request_restructure(
        loan_id,
        body.reason,
        actor,
        svc,
        extra_terms=body.extra_terms,
        new_terms=body.new_terms,
        annual_rate=body.annual_rate,
    )
    return ApprovalOut.of(request)


@lines_router.post("", status_code=status.HTTP_201_CREATED, responses=PROBLEMS)  # type: ignore[arg-type]
def open_line(body: LineOpenIn, key: IdempotencyKey, svc: LendingDep) -> LineOut:
    line = credit_lines.open_line(
        int(yuan_to_fen(body.limit)),
        body.annual_rate,
        key,
        svc,
        product_code=body.product,
        application_id=body.application_id,
    )
    return LineOut.of(line, line_aging(line.line_id, svc))


@lines_router.get("/{line_id}", responses=PROBLEMS)  # type: ignore[arg-type]
def read_line(line_id: str, svc: LendingDep) -> LineOut:
    return LineOut.of(credit_lines.get_line(line_id, svc), line_aging(line_id, svc))


@lines_router.post(
    "/{line_id}/draws",
    status_code=status.HTTP_201_CREATED,
    responses=PROBLEMS,  # type: ignore[arg-type]
)
def draw(line_id: str, body: DrawIn, key: IdempotencyKey, svc: LendingDep) -> DrawOut:
    result = credit_lines.draw(
        line_id, int(yuan_to_fen(body.amount)), body.terms, key, svc, currency=body.currency
    )
    return DrawOut(
        line=LineOut.of(result.line, line_aging(line_id, svc)),
        loan=LoanOut.of(result.loan),
        disbursement=DisbursementOut.of(result.disbursement),
    )


@lines_router.post(
    "/{line_id}/repayments",
    status_code=status.HTTP_201_CREATED,
    responses=PROBLEMS,  # type: ignore[arg-type]
)
def repay_line(
    line_id: str, body: LineRepaymentIn, key: IdempotencyKey, svc: LendingDep
) -> LineRepaymentOut:
    """Repay one of the line's draws; the answer holds the line with what it frees again."""
    result = repay_draw(line_id, body.draw_id, body.fen(), key, svc, currency=body.currency)
    return LineRepaymentOut.of(result, line_aging(line_id, svc))


@lines_router.post("/{line_id}/{action}", responses=PROBLEMS)  # type: ignore[arg-type]
def change_line(
    line_id: str,
    action: str,
    body: LineActionIn,
    svc: LendingDep,
    x_officer: Annotated[str | None, Header(alias=OFFICER_HEADER, description=OFFICER_DOC)] = None,
) -> LineOut:
    """freeze, unfreeze (an officer's appeal path), reduce (with new_limit), limit (new_limit
    lower, or higher by an officer: 提额) or close; the reason is recorded and audited."""
    new_limit = None if body.new_limit is None else int(yuan_to_fen(body.new_limit))
    officer = body.officer.strip() or (x_officer or "").strip()
    line = credit_lines.change_line(
        line_id, action, body.reason, svc, officer=officer, new_limit=new_limit
    )
    return LineOut.of(line, line_aging(line_id, svc))


# What `api/app.py` includes: both areas under one router.
router = APIRouter()
router.include_router(loans_router)
router.include_router(lines_router)
