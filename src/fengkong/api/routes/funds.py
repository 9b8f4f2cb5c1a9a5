"""The use of funds (docs/use-of-funds.md): receipts (发票/凭证) attached to a paid-out draw or
loan, and what they cover. A draw's or payout's purpose and payee travel in the draw and
disburse bodies (`api.routes.loans`)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, status

from fengkong.api.deps import ActorDep
from fengkong.api.funds_schemas import FundUseOut, ReceiptBody
from fengkong.api.routes.loans import PROBLEMS, LendingDep, get_servicing
from fengkong.lending import funds
from fengkong.lending.receipts_trigger import add_receipt
from fengkong.lending.servicing import ServicingServices

ServicingDep = Annotated[ServicingServices, Depends(get_servicing)]

router = APIRouter(tags=["use of funds"])

RECEIPT_PROBLEMS = {
    **PROBLEMS,
    422: {
        "description": "A receipt over what was paid out (or not yet covered), dated before the "
        "payout or after today, naming another payee than the entrusted one, or given twice "
        "(problem+json)"
    },
}


@router.post(
    "/v1/lines/{line_id}/draws/{draw_id}/receipts",
    status_code=status.HTTP_201_CREATED,
    responses=RECEIPT_PROBLEMS,  # type: ignore[arg-type]
)
def attach_draw_receipt(
    line_id: str, draw_id: str, body: ReceiptBody, svc: ServicingDep, actor: ActorDep
) -> FundUseOut:
    """Attach a receipt to a paid-out draw; the answer holds every receipt and the cover.
    When the product lifts a freeze for missing receipts, the borrower is told."""
    view = add_receipt(draw_id, body.receipt(), svc, line_id=line_id, actor=actor.audit_name)
    return FundUseOut.of(view)


@router.get("/v1/lines/{line_id}/draws/{draw_id}/receipts", responses=PROBLEMS)  # type: ignore[arg-type]
def read_draw_receipts(line_id: str, draw_id: str, svc: LendingDep) -> FundUseOut:
    """A draw's purpose, payee (masked), receipts and their cover of the payout."""
    return FundUseOut.of(funds.fund_use_view(draw_id, svc, line_id=line_id))


@router.post(
    "/v1/loans/{loan_id}/receipts",
    status_code=status.HTTP_201_CREATED,
    responses=RECEIPT_PROBLEMS,  # type: ignore[arg-type]
)
def attach_loan_receipt(
    loan_id: str, body: ReceiptBody, svc: ServicingDep, actor: ActorDep
) -> FundUseOut:
    """Attach a receipt to a paid-out loan (a draw's too, by its loan id)."""
    return FundUseOut.of(add_receipt(loan_id, body.receipt(), svc, actor=actor.audit_name))


@router.get("/v1/loans/{loan_id}/receipts", responses=PROBLEMS)  # type: ignore[arg-type]
def read_loan_receipts(loan_id: str, svc: LendingDep) -> FundUseOut:
    """A loan's purpose, payee (masked), receipts and their cover of the payout."""
    return FundUseOut.of(funds.fund_use_view(loan_id, svc))
