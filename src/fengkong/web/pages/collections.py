"""Collections (催收): the work list of delinquent loans by bucket (M1, M2, M3…), riskiest first,
each with its amount overdue, days past due and last action; a loan's case with its actions and
promises to pay; recording an action (call, SMS, visit, legal) with a note, and a promise to pay
with its date and amount in yuan. The same use cases as `/v1/collections` and
`fengkong collections`; the officer is the person logged in."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import Response

from fengkong.core.errors import FieldError, Invalid
from fengkong.core.money import yuan_to_fen
from fengkong.lending import collections
from fengkong.lending.collections import WorkItem
from fengkong.lending.servicing_records import CaseStatus
from fengkong.web.auth import PREFIX, console_actor, context_of
from fengkong.web.i18n import N_
from fengkong.web.pages.section_forms import field_errors, is_htmx, see_other
from fengkong.web.render import render

router = APIRouter()

LIMIT = 500
NOTE_MAX = 2000
CASE_STATUS = {"open": N_("Open"), "closed": N_("Closed")}
ACTION_KINDS = {
    "call": N_("Phone call"),
    "sms": N_("SMS"),
    "visit": N_("Visit"),
    "legal": N_("Legal action"),
}
PROMISE_STATUS = {"open": N_("Open"), "kept": N_("Kept"), "broken": N_("Broken")}
ACTION_ERRORS = {
    "kind": N_("Choose one of the listed actions."),
    "note": N_("Write what happened (at most 2,000 characters)."),
}
PROMISE_ERRORS = {
    "amount": N_("Enter a positive amount in yuan, at most two decimals."),
    "promised_on": N_("Enter a date from today on."),
    "loan_id": N_("Promises are taken on active loans only."),
}


def by_bucket(items: tuple[WorkItem, ...]) -> list[tuple[str, list[WorkItem]]]:
    """The work list cut by bucket, keeping the queue's order (worst bucket first)."""
    groups: dict[str, list[WorkItem]] = {}
    for item in items:
        groups.setdefault(item.case.bucket, []).append(item)
    return list(groups.items())


@router.get("/collections")
def work_list(request: Request, status: str = "open") -> Response:
    chosen = status if status in CASE_STATUS else "open"
    items = collections.collection_work_list(
        context_of(request).servicing, status=CaseStatus(chosen), limit=LIMIT
    )
    values = {
        "groups": by_bucket(items),
        "count": len(items),
        "status": chosen,
        "case_status": CASE_STATUS,
        "action_kinds": ACTION_KINDS,
    }
    return render(request, "collections.html.j2", values)


def _case(
    request: Request,
    loan_id: str,
    typed: dict[str, str] | None = None,
    errors: dict[str, str] | None = None,
    status: int = 200,
) -> Response:
    view = collections.get_case(loan_id, context_of(request).servicing)
    values: dict[str, Any] = {
        "view": view,
        "case_status": CASE_STATUS,
        "action_kinds": ACTION_KINDS,
        "promise_status": PROMISE_STATUS,
        "typed": typed or {},
        "errors": errors or {},
        "note_max": NOTE_MAX,
        "today": context_of(request).clock.business_date().isoformat(),
    }
    template = "collection_work.html.j2" if is_htmx(request) else "collection_case.html.j2"
    return render(request, template, values, status=status)


@router.get("/collections/{loan_id}")
def case_page(request: Request, loan_id: str) -> Response:
    return _case(request, loan_id)


@router.post("/collections/{loan_id}/actions")
def record_action(
    request: Request,
    loan_id: str,
    kind: Annotated[str, Form()] = "",
    note: Annotated[str, Form()] = "",
) -> Response:
    """Record what was done on the case; errors come back beside the fields."""
    ctx = context_of(request)
    who = console_actor(request).audit_name
    try:
        collections.record_action(loan_id, kind, note, who, ctx.servicing)
    except Invalid as e:
        typed = {"kind": kind, "note": note}
        return _case(request, loan_id, typed, field_errors(e, ACTION_ERRORS, "note"), 422)
    if is_htmx(request):
        return _case(request, loan_id)
    return see_other(f"{PREFIX}/collections/{loan_id}")


def _promised_on(text: str) -> date:
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise Invalid((FieldError(("promised_on",), "not a date"),)) from None


@router.post("/collections/{loan_id}/promises")
def record_promise(
    request: Request,
    loan_id: str,
    amount: Annotated[str, Form()] = "",
    promised_on: Annotated[str, Form()] = "",
) -> Response:
    """Record a promise to pay: an amount in yuan (kept as fen) by a date from today on."""
    ctx = context_of(request)
    who = console_actor(request).audit_name
    typed = {"amount": amount, "promised_on": promised_on}
    errors: dict[str, str] = {}
    fen = 0
    try:
        fen = int(yuan_to_fen(amount.strip()))
    except Invalid:
        errors["amount"] = PROMISE_ERRORS["amount"]
    try:
        day = _promised_on(promised_on)
    except Invalid:
        errors["promised_on"] = PROMISE_ERRORS["promised_on"]
    if errors:
        return _case(request, loan_id, typed, errors, 422)
    try:
        collections.record_promise(loan_id, fen, day, who, ctx.servicing)
    except Invalid as e:
        return _case(request, loan_id, typed, field_errors(e, PROMISE_ERRORS, "amount"), 422)
    if is_htmx(request):
        return _case(request, loan_id)
    return see_other(f"{PREFIX}/collections/{loan_id}")
