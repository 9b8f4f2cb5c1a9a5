"""A loan's page: its terms and where it stands (outstanding, days past due, bucket, class), the
schedule and each instalment's position (principal, interest, fees and penalty outstanding, DPD),
the balances its journal postings leave on its ledger sub-accounts and its latest journal entries, payouts and auto-debits,
reminders, the collections case (its actions and promises to pay), collateral with valuations
and margin calls, guarantees, its use of funds (purpose, entrusted payee, receipts and their
deadline: `fund_use`), and the loan's audit trail.

Each part is the use case `GET /v1/loans/{id}…`, `/v1/collections/{id}` and `fengkong loan
show` read; a part the person's role may not read (collections) is left out."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response

from fengkong.access.permissions import Permission, permits
from fengkong.core.errors import NotFound
from fengkong.lending import (
    autodebit,
    collateral_service,
    collections,
    guarantee,
    origination,
    reminders,
)
from fengkong.lending.trail import loan_trail
from fengkong.web.auth import console_actor, context_of
from fengkong.web.pages import file_labels as labels
from fengkong.web.pages.fund_use import FUND_STATUS, RECEIPT_CHECKED, loan_fund_use
from fengkong.web.render import language_of, render

router = APIRouter()


@router.get("/loans/{loan_id}")
def loan_page(request: Request, loan_id: str) -> Response:
    ctx = context_of(request)
    svc = ctx.servicing
    view = origination.get_loan(loan_id, ctx.lending)  # LoanNotFound: the 404 page
    trail = loan_trail(loan_id, ctx.uow)
    state = view.record.state
    case = None
    if permits(console_actor(request), Permission.COLLECTIONS_READ):
        try:
            case = collections.get_case(loan_id, svc)
        except NotFound:  # never delinquent: no case
            case = None
    values: dict[str, Any] = {
        "view": view,
        "record": view.record,
        "state": state,
        "aged": view.delinquency,
        "positions": list(zip(state.positions, view.delinquency.instalments, strict=True)),
        "balances": trail.balances,
        "entries": trail.entries,
        "trail": trail.audit,
        "moves": trail.delinquency,
        "debits": autodebit.debit_attempts(loan_id, svc),
        "reminders": reminders.reminders_for(loan_id, svc),
        "case": case,
        "may_collections": permits(console_actor(request), Permission.COLLECTIONS_READ),
        "collateral": collateral_service.collateral_of(loan_id, svc),
        "guarantees": guarantee.guarantees_for_loan(loan_id, svc),
        "fund_use": loan_fund_use(ctx, view.record, language_of(request)),
        "fund_status": FUND_STATUS,
        "receipt_checked": RECEIPT_CHECKED,
        "labels": labels,
    }
    return render(request, "loan.html.j2", values)
