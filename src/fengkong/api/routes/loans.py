"""/v1/loans and /v1/lines: offers, booking, payout, repayments, settlement, restructuring and
credit lines. Every money-moving POST requires an `Idempotency-Key` header; a repeat is answered
from the first response (`api.idempotency`, docs/idempotency.md). Who acts is the
authenticated caller; a channel key reaches only the offers and loans of its own channel's
applications (`api.guard`)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Header, Query, Request, status

from fengkong.access.permissions import Permission
from fengkong.api.approval_schemas import ApprovalOut
from fengkong.api.deps import ActorDep, ContextDep
from fengkong.api.funds_schemas import DisburseIn
from fengkong.api.line_schemas import BehaviourScoreOut, LineRepaymentIn, LineRepaymentOut
from fengkong.api.loan_schemas import (
    DisbursementOut,
    DrawIn,
    DrawOut,
    LineActionIn,
    LineNoticeOut,
    LineOpenIn,
    LineOut,
    LineReinstateIn,
    LoanOut,
    OfferOut,
    PaymentIn,
    RepaymentOut,
    RestructureIn,
    ReversalIn,
    SettlementQuoteOut,
)
from fengkong.core.money import yuan_to_fen
from fengkong.lending import (
    credit_lines,
    disbursement,
    line_notices,
    loan_changes,
    origination,
    repayment,
)
from fengkong.lending.line_aging import line_aging
from fengkong.lending.line_repayment import repay_draw
from fengkong.lending.ownership import own_application, own_loan
from fengkong.lending.rescoring import line_scores
from fengkong.lending.services import LendingServices
from fengkong.lending.servicing import ServicingServices

loans_router = APIRouter(prefix="/v1/loans", tags=["loans"])
lines_router = APIRouter(prefix="/v1/lines", tags=["credit lines"])

PROBLEMS = {
    404: {"description": "Unknown application, loan or line (problem+json)"},
    409: {
        "description": "Wrong status, the key was used for another request on another route, "
        "or a request with this key is still running (problem+json)"
    },
    422: {
        "description": "Invalid input, with field-level errors, or the Idempotency-Key was "
        "used for another body (problem+json)"
    },
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
        description="Unique per request: a repeat with the same key and body is applied once "
        "and answered with the first response; with another body it is a 422 "
        "(docs/idempotency.md)",
    ),
]


@loans_router.get("/offers/{application_id}", responses=PROBLEMS)  # type: ignore[arg-type]
def read_offer(application_id: str, svc: LendingDep, ctx: ContextDep, actor: ActorDep) -> OfferOut:
    """The loan an approved application may accept: schedule, APR and total cost."""
    own_application(ctx.lending, actor, Permission.LOANS_READ, application_id)
    return OfferOut.of(origination.quote_offer(application_id, svc))


@loans_router.post(
    "/offers/{application_id}/accept",
    status_code=status.HTTP_201_CREATED,
    responses=PROBLEMS,  # type: ignore[arg-type]
)
def accept(
    application_id: str, key: IdempotencyKey, svc: LendingDep, ctx: ContextDep, actor: ActorDep
) -> LoanOut:
    """Accept the offer (the lender's app does, for the borrower): the loan is booked and its
    contract rendered (sha256 audited)."""
    own_application(ctx.lending, actor, Permission.OFFERS_ACCEPT, application_id)
    view = origination.accept_offer(application_id, key, svc, actor=actor.audit_name)
    return LoanOut.of(view)


@loans_router.get("/{loan_id}", responses=PROBLEMS)  # type: ignore[arg-type]
def read_loan(loan_id: str, svc: LendingDep, ctx: ContextDep, actor: ActorDep) -> LoanOut:
    own_loan(ctx.lending, actor, Permission.LOANS_READ, loan_id)
    return LoanOut.of(origination.get_loan(loan_id, svc))


@loans_router.post("/{loan_id}/disburse", responses=PROBLEMS)  # type: ignore[arg-type]
def disburse(
    loan_id: str,
    key: IdempotencyKey,
    svc: LendingDep,
    actor: ActorDep,
    body: DisburseIn | None = None,
) -> DisbursementOut:
    """Pay the loan out; the body states the purpose and, under entrusted payment (受托支付),
    the payee paid instead of the borrower (docs/use-of-funds.md). Without a body the loan
    takes its application's purpose."""
    stated = body or DisburseIn()
    paid = disbursement.disburse(
        loan_id,
        key,
        svc,
        actor=actor.audit_name,
        purpose=stated.purpose,
        payee=None if stated.payee is None else stated.payee.payee(),
    )
    return DisbursementOut.of(paid)


@loans_router.post(
    "/{loan_id}/repayments",
    status_code=status.HTTP_201_CREATED,
    responses=PROBLEMS,  # type: ignore[arg-type]
)
def repay(
    loan_id: str,
    body: PaymentIn,
    key: IdempotencyKey,
    svc: LendingDep,
    ctx: ContextDep,
    actor: ActorDep,
) -> RepaymentOut:
    own_loan(ctx.lending, actor, Permission.LOANS_REPAY, loan_id)
    posted = repayment.post_repayment(
        loan_id, body.fen(), key, svc, currency=body.currency, actor=actor.audit_name
    )
    return RepaymentOut.of(posted)


@loans_router.post("/{loan_id}/repayments/{repayment_id}/reversal", responses=PROBLEMS)  # type: ignore[arg-type]
def reverse(
    loan_id: str,
    repayment_id: str,
    body: ReversalIn,
    key: IdempotencyKey,
    svc: LendingDep,
    actor: ActorDep,
) -> RepaymentOut:
    return RepaymentOut.of(
        repayment.reverse_repayment(
            loan_id, repayment_id, key, body.reason, svc, actor=actor.audit_name
        )
    )


@loans_router.get("/{loan_id}/settlement-quote", responses=PROBLEMS)  # type: ignore[arg-type]
def settlement_quote(
    loan_id: str, svc: LendingDep, ctx: ContextDep, actor: ActorDep
) -> SettlementQuoteOut:
    own_loan(ctx.lending, actor, Permission.LOANS_READ, loan_id)
    return SettlementQuoteOut.of(repayment.quote_settlement(loan_id, svc))


@loans_router.post("/{loan_id}/settle", responses=PROBLEMS)  # type: ignore[arg-type]
def settle(
    loan_id: str,
    body: PaymentIn,
    key: IdempotencyKey,
    svc: LendingDep,
    ctx: ContextDep,
    actor: ActorDep,
) -> RepaymentOut:
    own_loan(ctx.lending, actor, Permission.LOANS_REPAY, loan_id)
    return RepaymentOut.of(
        repayment.settle_loan(
            loan_id, body.fen(), key, svc, currency=body.currency, actor=actor.audit_name
        )
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
def open_line(body: LineOpenIn, key: IdempotencyKey, svc: LendingDep, actor: ActorDep) -> LineOut:
    line = credit_lines.open_line(
        int(yuan_to_fen(body.limit)),
        body.annual_rate,
        key,
        svc,
        product_code=body.product,
        application_id=body.application_id,
        actor=actor.audit_name,
    )
    return LineOut.of(line, line_aging(line.line_id, svc))


@lines_router.get("/{line_id}", responses=PROBLEMS)  # type: ignore[arg-type]
def read_line(line_id: str, svc: LendingDep) -> LineOut:
    return LineOut.of(credit_lines.get_line(line_id, svc), line_aging(line_id, svc))


@lines_router.get("/{line_id}/behaviour-scores", responses=PROBLEMS)  # type: ignore[arg-type]
def read_behaviour_scores(
    line_id: str, ctx: ContextDep, limit: Annotated[int, Query(ge=1, le=366)] = 30
) -> list[BehaviourScoreOut]:
    """The line's borrower's behaviour scores, newest first: what the line rules and the
    pricing of new draws read (docs/post-loan.md)."""
    return [BehaviourScoreOut.of(s) for s in line_scores(line_id, limit, ctx.rescoring)]


@lines_router.post(
    "/{line_id}/draws",
    status_code=status.HTTP_201_CREATED,
    responses=PROBLEMS,  # type: ignore[arg-type]
)
def draw(
    line_id: str, body: DrawIn, key: IdempotencyKey, svc: LendingDep, actor: ActorDep
) -> DrawOut:
    result = credit_lines.draw(
        line_id,
        int(yuan_to_fen(body.amount)),
        body.terms,
        key,
        svc,
        currency=body.currency,
        actor=actor.audit_name,
        purpose=body.purpose,
        payee=None if body.payee is None else body.payee.payee(),
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
    line_id: str, body: LineRepaymentIn, key: IdempotencyKey, svc: LendingDep, actor: ActorDep
) -> LineRepaymentOut:
    """Repay one of the line's draws; the answer holds the line with what it frees again."""
    result = repay_draw(
        line_id,
        body.draw_id,
        body.fen(),
        key,
        svc,
        currency=body.currency,
        actor=actor.audit_name,
    )
    return LineRepaymentOut.of(result, line_aging(line_id, svc))


def get_servicing(ctx: ContextDep) -> ServicingServices:
    servicing: ServicingServices = ctx.servicing
    return servicing


@lines_router.post("/{line_id}/reinstatement", responses=PROBLEMS)  # type: ignore[arg-type]
def reinstate_line(
    line_id: str,
    body: LineReinstateIn,
    svc: Annotated[ServicingServices, Depends(get_servicing)],
    actor: ActorDep,
) -> LineOut:
    """复核恢复: reverse the line's latest automatic action (a rule's freeze, reduction or close)
    on the borrower's dispute, and tell the borrower. 409 when the latest change is not a
    rule's; 422 without a reason, or for a black-list action without `acknowledge_blacklist`.
    Declared before `/{line_id}/{action}`, which would take the path otherwise."""
    line = line_notices.reinstate(
        line_id,
        body.reason,
        svc,
        officer=actor.audit_name,
        acknowledge_blacklist=body.acknowledge_blacklist,
        actor=actor.audit_name,
    )
    return LineOut.of(line, line_aging(line_id, svc.lending))


@lines_router.get("/{line_id}/notices", responses=PROBLEMS)  # type: ignore[arg-type]
def list_line_notices(
    line_id: str, svc: Annotated[ServicingServices, Depends(get_servicing)]
) -> list[LineNoticeOut]:
    """The notices sent to the line's borrower about automatic actions and their reversals."""
    return [LineNoticeOut.of(r) for r in line_notices.line_notices(line_id, svc)]


@lines_router.post("/{line_id}/{action}", responses=PROBLEMS)  # type: ignore[arg-type]
def change_line(
    line_id: str,
    action: str,
    body: LineActionIn,
    svc: LendingDep,
    actor: ActorDep,
) -> LineOut:
    """freeze, unfreeze (an officer's appeal path), reduce (with new_limit), limit (new_limit
    lower, or higher by an officer: 提额) or close; the reason is recorded and audited."""
    new_limit = None if body.new_limit is None else int(yuan_to_fen(body.new_limit))
    line = credit_lines.change_line(
        line_id, action, body.reason, svc, officer=actor.audit_name, new_limit=new_limit
    )
    return LineOut.of(line, line_aging(line_id, svc))


# What `api/app.py` includes: both areas under one router.
router = APIRouter()
router.include_router(loans_router)
router.include_router(lines_router)
