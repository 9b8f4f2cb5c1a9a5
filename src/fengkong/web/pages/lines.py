"""A credit line's page: its limit, drawn and available amounts, status and aging, its draws
(links to their loans), its history of changes, its borrower's behaviour scores, the notices
sent to them, each draw's use of funds (purpose, entrusted payee, receipts and their deadline)
and its audit trail; and the officers' actions, each with a reason: freeze,
unfreeze, and reinstate what a rule did (复核恢复).

The actions are the use cases `fengkong line freeze|unfreeze|reinstate` and `POST /v1/lines/…`
call; the reason is recorded on the line and audited with the officer. A form without a reason
comes back (422) with the error beside the field and what was typed; htmx swaps the line's
file in place, a plain form is sent back to the page (303)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response

from fengkong.access.permissions import Permission, permits
from fengkong.core.errors import Conflict, Invalid
from fengkong.lending import credit_lines, line_notices
from fengkong.lending.line_aging import line_aging
from fengkong.lending.rescoring import line_scores
from fengkong.lending.trail import line_trail
from fengkong.web.auth import PREFIX, console_actor, context_of
from fengkong.web.i18n import N_
from fengkong.web.pages import file_labels as labels
from fengkong.web.pages.fund_use import FUND_STATUS, fund_use_of
from fengkong.web.render import language_of, render

router = APIRouter()

SCORES_SHOWN = 30
ACTIONS = ("freeze", "unfreeze", "reinstate")
STALE = N_("The line changed in the meantime or is not in a state for this: see its status.")


def _values(request: Request, line_id: str) -> dict[str, Any]:
    """What the line's file shows; `LineNotFound` for an unknown id."""
    ctx = context_of(request)
    actor = console_actor(request)
    line = credit_lines.get_line(line_id, ctx.lending)
    purposes = line.product.use_of_funds.purposes
    lang = language_of(request)
    return {
        "line": line,
        "fund_uses": {d.draw_id: fund_use_of(ctx, d.draw_id, purposes, lang) for d in line.draws},
        "fund_status": FUND_STATUS,
        "aging": line_aging(line_id, ctx.lending),
        "scores": line_scores(line_id, SCORES_SHOWN, ctx.rescoring),
        "notices": line_notices.line_notices(line_id, ctx.servicing),
        "trail": line_trail(line_id, ctx.uow),
        "labels": labels,
        "may_service": permits(actor, Permission.LOANS_SERVICE),
        "may_reinstate": permits(actor, Permission.LINES_REINSTATE),
        "errors": {},
        "typed": {},
        "done": None,
    }


@router.get("/lines/{line_id}")
def line_page(request: Request, line_id: str) -> Response:
    return render(request, "line.html.j2", _values(request, line_id))


def _act(
    request: Request, line_id: str, action: str, reason: str, acknowledge: bool = False
) -> Response:
    """Apply `action` with `reason`; the file again (htmx) or a redirect, or the form's error."""
    ctx = context_of(request)
    officer = console_actor(request).audit_name
    htmx = request.headers.get("hx-request") == "true"
    error: dict[str, str] = {}
    status = 200
    try:
        if action == "reinstate":
            line_notices.reinstate(
                line_id,
                reason,
                ctx.servicing,
                officer=officer,
                acknowledge_blacklist=acknowledge,
                actor=officer,
            )
        else:
            credit_lines.change_line(
                line_id, action, reason, ctx.lending, officer=officer, actor=officer
            )
    except Invalid as e:
        error, status = labels.field_errors(e, "reason"), 422
    except Conflict:
        error, status = {"form": STALE}, 409
    if status == 200 and not htmx:
        return RedirectResponse(f"{PREFIX}/lines/{line_id}", status_code=303)
    values = _values(request, line_id)
    values["errors"] = {action: error} if error else {}
    values["typed"] = {action: reason} if error else {}
    values["done"] = None if error else action
    return render(request, "line_file.html.j2" if htmx else "line.html.j2", values, status)


Reason = Annotated[str, Form()]


@router.post("/lines/{line_id}/freeze")
def freeze(request: Request, line_id: str, reason: Reason = "") -> Response:
    return _act(request, line_id, "freeze", reason)


@router.post("/lines/{line_id}/unfreeze")
def unfreeze(request: Request, line_id: str, reason: Reason = "") -> Response:
    return _act(request, line_id, "unfreeze", reason)


@router.post("/lines/{line_id}/reinstate")
def reinstate(
    request: Request,
    line_id: str,
    reason: Reason = "",
    acknowledge_blacklist: Annotated[str, Form()] = "",
) -> Response:
    return _act(request, line_id, "reinstate", reason, acknowledge_blacklist == "yes")
