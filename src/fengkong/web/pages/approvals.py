"""Approvals (审批): the changes people asked for under maker-checker — list changes, model
promotions, loan write-offs and restructures — pending or decided; an approver other than the
asker approves one (the change is made then, by its area's use case) or rejects it with a
reason. The asker is refused as checker, and told so. The same use cases as `/v1/approvals`."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import Response

from fengkong.access.approvals import (
    ApprovalKind,
    ApprovalQuery,
    ApprovalRequest,
    ApprovalStatus,
    find_requests,
    get_request,
)
from fengkong.api.routes.approvals import HANDLERS
from fengkong.bootstrap import Context
from fengkong.core.errors import Conflict, Forbidden, Invalid
from fengkong.web.auth import PREFIX, console_actor, context_of
from fengkong.web.i18n import N_
from fengkong.web.pages.lists import KEY_TYPES, LIST_NAMES
from fengkong.web.pages.section_forms import allowed, is_htmx, see_other
from fengkong.web.render import render

router = APIRouter()

LIMIT = 200
KINDS = {
    "list.change": N_("List change"),
    "model.promotion": N_("Model promotion"),
    "loan.write_off": N_("Loan write-off"),
    "loan.restructure": N_("Loan restructure"),
}
STATUSES = {"pending": N_("Pending"), "approved": N_("Approved"), "rejected": N_("Rejected")}
OPERATIONS = {
    "add": N_("Add to a list"),
    "remove": N_("Remove from a list"),
    "import": N_("Import a list file"),
}
ROLES = {"champion": N_("Champion"), "challenger": N_("Challenger")}
SAME_PERSON = N_("You asked for this change: an approver other than you must decide it.")
DECIDED = N_("This request was decided already, or its change cannot be made now.")
REASON_NEEDED = N_("Give the reason for rejecting (at most 2,000 characters).")


def describe(request: ApprovalRequest) -> list[tuple[str, str]]:
    """What the request would change, as (label message id, value) pairs: ids, lists, masked
    displays and figures, never a value in clear (the payloads hold none)."""
    p = request.payload
    if request.kind is ApprovalKind.LIST_CHANGE:
        facts = [(N_("Change"), p.get("op", ""))]
        entry = p.get("entry") or {}
        if entry:
            facts += [
                (N_("List"), entry.get("list", "")),
                (N_("Key type"), entry.get("key_type", "")),
                (N_("Masked value"), entry.get("display") or "—"),
                (N_("Source"), entry.get("source", "")),
            ]
        if "entry_id" in p:
            facts += [(N_("Entry"), p["entry_id"]), (N_("Masked value"), p.get("display") or "—")]
        if "rows" in p:
            facts.append((N_("Rows"), str(len(p["rows"]))))
        return facts
    if request.kind is ApprovalKind.MODEL_PROMOTION:
        return [
            (N_("Model version"), request.subject),
            (N_("Role"), p.get("role", "")),
            (N_("Model"), p.get("name", "")),
        ]
    facts = [(N_("Loan"), request.subject)]
    for key, label in (
        ("extra_terms", N_("Extra terms")),
        ("new_terms", N_("New terms")),
        ("annual_rate", N_("Annual rate")),
    ):
        if p.get(key) is not None:
            facts.append((label, str(p[key])))
    return facts


def _read(ctx: Context, request_id: str) -> ApprovalRequest:
    with ctx.uow() as uow:
        return get_request(uow, request_id)


def _labels() -> dict[str, Any]:
    return {
        "kinds": KINDS,
        "statuses": STATUSES,
        "operations": OPERATIONS,
        "roles": ROLES,
        "list_names": LIST_NAMES,
        "key_types": KEY_TYPES,
        "describe": describe,
    }


@router.get("/approvals")
def approvals_page(request: Request, status: str = "pending", kind: str = "") -> Response:
    chosen = status if status in STATUSES else "pending"
    of_kind = ApprovalKind(kind) if kind in KINDS else None
    with context_of(request).uow() as uow:
        found = find_requests(uow, ApprovalQuery(ApprovalStatus(chosen), of_kind, None, LIMIT))
    values = {
        "requests": found,
        "status": chosen,
        "kind": kind if of_kind else "",
        "allowed": allowed(request),
        **_labels(),
    }
    return render(request, "approvals.html.j2", values)


def _one(
    request: Request,
    request_id: str,
    error: str | None = None,
    reason: str = "",
    reason_error: str | None = None,
    status: int = 200,
) -> Response:
    values = {
        "r": _read(context_of(request), request_id),
        "error": error,
        "reason": reason,
        "reason_error": reason_error,
        "allowed": allowed(request),
        **_labels(),
    }
    template = "approval_row.html.j2" if is_htmx(request) else "approval.html.j2"
    return render(request, template, values, status=status)


@router.get("/approvals/{request_id}")
def approval_page(request: Request, request_id: str) -> Response:
    return _one(request, request_id)


def _refused(request: Request, request_id: str, error: str, plain_status: int) -> Response:
    """A refusal shown beside the request: htmx swaps the row (as a 409, which it swaps), a
    plain form gets the request's page with the refusal's own status."""
    return _one(request, request_id, error, status=409 if is_htmx(request) else plain_status)


@router.post("/approvals/{request_id}/approve")
def approve(request: Request, request_id: str) -> Response:
    """Approve as the person logged in (not the asker): the change is made now."""
    ctx = context_of(request)
    approve_kind, _ = HANDLERS[_read(ctx, request_id).kind]
    try:
        approve_kind(ctx, request_id, console_actor(request))
    except Forbidden:
        return _refused(request, request_id, SAME_PERSON, 403)
    except Conflict:
        return _refused(request, request_id, DECIDED, 409)
    if is_htmx(request):
        return _one(request, request_id)
    return see_other(f"{PREFIX}/approvals/{request_id}")


@router.post("/approvals/{request_id}/reject")
def reject(request: Request, request_id: str, reason: Annotated[str, Form()] = "") -> Response:
    """Reject as the person logged in (not the asker), with why; nothing changes."""
    ctx = context_of(request)
    _, reject_kind = HANDLERS[_read(ctx, request_id).kind]
    try:
        reject_kind(ctx, request_id, console_actor(request), reason)
    except Invalid:
        return _one(request, request_id, None, reason, REASON_NEEDED, 422)
    except Forbidden:
        return _refused(request, request_id, SAME_PERSON, 403)
    except Conflict:
        return _refused(request, request_id, DECIDED, 409)
    if is_htmx(request):
        return _one(request, request_id)
    return see_other(f"{PREFIX}/approvals/{request_id}")
