"""The review queue (复核队列): the referred applications awaiting an officer, filtered and paged;
one item with its application (personal data masked), fraud signals and list hits, score and
reasons, the policy's trace and proposed terms; and the officer's actions on it — claim, approve
on terms within the referring policy's bounds, decline for a reason — with maker-checker's
second approval above the four-eyes amount.

Every action calls the use case the API's `/v1/review` routes call (`review_actions.claim`,
`review_actions.approve`, `declines.decline_and_flag`); htmx swaps the item's body, a plain form
is sent back to the item's page (303), and a refusal re-renders the form with the error beside
the field (422) or a notice of who holds the item (409)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response

from fengkong.access.permissions import Permission, permits
from fengkong.core.actor import Role
from fengkong.core.errors import Conflict, FengkongError, Invalid
from fengkong.decision import review_actions
from fengkong.decision.declines import decline_and_flag
from fengkong.decision.officer import DECLINE_REASONS, DEFAULT_DECLINE_REASON, bounds_of_item
from fengkong.decision.review import ACTIVE, ReviewConfig
from fengkong.decision.review_board import BOARD_STATUSES, ORDERS, BoardFilter, review_board
from fengkong.decision.review_queue import get_item
from fengkong.decision.service import get_application
from fengkong.lending.origination import booked_loan, quote_offer
from fengkong.onboarding.channel import SALES_CHANNELS
from fengkong.onboarding.service import masked_applicant
from fengkong.web.auth import PREFIX, console_actor, context_of
from fengkong.web.pages.application_extras import application_extras, extras_names
from fengkong.web.render import language_of, render
from fengkong.web.review_forms import (
    AMOUNT_FILTER,
    AMOUNT_ORDER,
    LIST_NAMES,
    ApproveForm,
    basis_text,
    conflict_notice,
    field_errors,
    labels,
    parse_yuan,
    reason_text,
)

router = APIRouter()

PER_PAGE = 25


def _is_htmx(request: Request) -> bool:
    return request.headers.get("hx-request") == "true"


@router.get("/review")
def queue(
    request: Request,
    status: str = "active",
    product: str = "",
    channel: str = "",
    min_amount: str = "",
    max_amount: str = "",
    order: str = "newest",
    page: int = 1,
) -> Response:
    """The queue, as the filters ask; a malformed amount shows its error beside the field."""
    ctx = context_of(request)
    actor = console_actor(request)
    lang = language_of(request)
    say = lang.gettext
    chosen = {
        "status": status if status in BOARD_STATUSES else "active",
        "product": product.strip(),
        "channel": channel if channel in SALES_CHANNELS else "",
        "min_amount": min_amount,
        "max_amount": max_amount,
        "order": order if order in ORDERS else "newest",
    }
    errors: dict[str, str] = {}
    amounts: dict[str, Any] = {}
    for name in ("min_amount", "max_amount"):
        try:
            amounts[name] = parse_yuan(chosen[name])
        except ValueError:
            errors[name] = say(AMOUNT_FILTER)
    low, high = amounts.get("min_amount"), amounts.get("max_amount")
    if not errors and low is not None and high is not None and low > high:
        errors["max_amount"] = say(AMOUNT_ORDER)
    board = None
    if not errors:
        wanted = BoardFilter(
            officer=actor.audit_name,
            status=chosen["status"],
            product=chosen["product"] or None,
            channel=chosen["channel"] or None,
            min_amount=low,
            max_amount=high,
            order=chosen["order"],
            page=max(page, 1),
            per_page=PER_PAGE,
        )
        with ctx.uow() as uow:
            board = review_board(uow, ctx.clock, wanted)
    values = {
        "chosen": chosen,
        "errors": errors,
        "board": board,
        "statuses": BOARD_STATUSES,
        "orders": ORDERS,
        "channels": SALES_CHANNELS,
        "names": labels(say),
        "reason_text": lambda r: reason_text(r, lang),
        "now": ctx.clock.now(),
        "me": actor.audit_name,
    }
    return render(request, "review_queue.html.j2", values, status=422 if errors else 200)


def _item_values(
    request: Request,
    item_id: str,
    form: ApproveForm | None = None,
    decline: dict[str, Any] | None = None,
    notice: str | None = None,
) -> dict[str, Any]:
    """Everything the item's page shows; `NotFound` for an unknown item."""
    ctx = context_of(request)
    actor = console_actor(request)
    lang = language_of(request)
    say = lang.gettext
    with ctx.uow() as uow:
        item, events = get_item(uow, item_id, ctx.clock)
        bounds = bounds_of_item(uow, item_id, ctx.clock)
    view = get_application(item.application_id, ctx.decisions)
    name, id_number, phone = masked_applicant(view.application, ctx.vault)
    offer = loan = None
    if view.officer is not None and view.officer.outcome.value == "approve":
        # conditional on security: offered once the security is registered, as the policy's
        loan = booked_loan(item.application_id, ctx.lending)
        try:
            offer = quote_offer(item.application_id, ctx.lending)
        except FengkongError:  # not offered (any more): the decision still shows its terms
            offer = None
    facts = view.decision.facts
    extras = application_extras(ctx, actor, lang, view.application, view.decision)
    me = actor.audit_name
    active = item.status in ACTIVE
    held = active and item.claimed_by == me
    first_was_me = item.first_approved_by == me
    may_work = permits(actor, Permission.REVIEW_WORK)
    fraud_seen: Mapping[str, Any] = next(
        (t.get("saw", {}) for t in view.decision.trace if t.get("stage") == "fraud"), {}
    )
    signals = [
        code
        for t in view.decision.trace
        if t.get("stage") == "signals"
        for code in t.get("fired", [])
    ]
    return {
        "item": item,
        "events": events,
        "bounds": bounds,
        "application": view.application,
        "decision": view.decision,
        "officer_decision": view.officer,
        "masked": {"name": name, "id_number": id_number, "phone": phone},
        "offer": offer,
        "loan": loan,
        "signals": signals,
        "list_hits": [(LIST_NAMES[k], facts.get(k)) for k in LIST_NAMES],
        "fraud_seen": fraud_seen,
        # the sources' stages show in their own section, with what each gave
        "trace": [t for t in view.decision.trace if t.get("stage") not in ("signals", "source")],
        "reason_text": lambda r: reason_text(r, lang),
        "basis": None if bounds is None else basis_text(bounds.max_amount_basis, say),
        "names": labels(say),
        "decline_reasons": [(r.code, reason_text(r, lang)) for r in DECLINE_REASONS.values()],
        "form": form or ApproveForm.suggested(bounds),
        "decline": decline or {"reason_code": DEFAULT_DECLINE_REASON, "note": "", "errors": {}},
        "notice": notice,
        "four_eyes_above": ReviewConfig.from_settings(ctx.settings).four_eyes_above,
        "active": active,
        "held": held,
        "first_was_me": first_was_me,
        "may_work": may_work,
        "is_approver": Role.APPROVER in actor.roles,
        "me": me,
        "x": extras_names(lang),
        **extras,
    }


def _page(request: Request, values: dict[str, Any], status: int = 200) -> Response:
    template = "review_item_body.html.j2" if _is_htmx(request) else "review_item.html.j2"
    return render(request, template, values, status=status)


@router.get("/review/{item_id}")
def item_page(request: Request, item_id: str) -> Response:
    return render(request, "review_item.html.j2", _item_values(request, item_id))


def _done(request: Request, item_id: str) -> Response:
    if _is_htmx(request):
        return _page(request, _item_values(request, item_id))
    return RedirectResponse(f"{PREFIX}/review/{item_id}", status_code=303)


@router.post("/review/{item_id}/claim")
def claim(request: Request, item_id: str) -> Response:
    """Take the item for the claim timeout (again: renew one's claim)."""
    ctx = context_of(request)
    who = console_actor(request).audit_name
    config = ReviewConfig.from_settings(ctx.settings)
    try:
        review_actions.claim(ctx.uow(), item_id, who, ctx.clock, config)
    except Conflict as e:
        return _page(request, _item_values(request, item_id, notice=conflict_notice(e)), 409)
    return _done(request, item_id)


@router.post("/review/{item_id}/approve")
def approve(
    request: Request,
    item_id: str,
    limit: Annotated[str, Form()] = "",
    annual_rate: Annotated[str, Form()] = "",
    term_months: Annotated[str, Form()] = "",
    comment: Annotated[str, Form()] = "",
    security: Annotated[str, Form()] = "",
) -> Response:
    """Approve the item one holds on the typed terms (a second approval confirms the first's),
    on condition of the security chosen, if any; what was typed comes back with the error
    beside its field when refused."""
    ctx = context_of(request)
    actor = console_actor(request)
    lang = language_of(request)
    form = ApproveForm(limit, annual_rate, term_months, comment, security)
    asked = form.asked(lang.gettext)
    if asked is None:
        return _page(request, _item_values(request, item_id, form=form), 422)
    try:
        review_actions.approve(ctx.uow(), item_id, actor, comment, ctx.clock, asked)
    except Invalid as e:
        with ctx.uow() as uow:
            bounds = bounds_of_item(uow, item_id, ctx.clock)
        form.errors = field_errors(e, bounds, lang)
        return _page(request, _item_values(request, item_id, form=form), 422)
    except Conflict as e:
        values = _item_values(request, item_id, form=form, notice=conflict_notice(e))
        return _page(request, values, 409)
    return _done(request, item_id)


@router.post("/review/{item_id}/decline")
def decline(
    request: Request,
    item_id: str,
    reason_code: Annotated[str, Form()] = "",
    note: Annotated[str, Form()] = "",
) -> Response:
    """Decline the item one holds, for a listed reason, with a note for the audit log."""
    ctx = context_of(request)
    who = console_actor(request).audit_name
    lang = language_of(request)
    typed = {"reason_code": reason_code, "note": note, "errors": {}}
    try:
        decline_and_flag(
            ctx.uow, ctx.fraud, item_id, who, note, ctx.clock, reason_code=reason_code or None
        )
    except Invalid as e:
        errors = field_errors(e, None, lang)
        typed["errors"] = {("note" if k == "comment" else k): v for k, v in errors.items()}
        return _page(request, _item_values(request, item_id, decline=typed), 422)
    except Conflict as e:
        values = _item_values(request, item_id, decline=typed, notice=conflict_notice(e))
        return _page(request, values, 409)
    return _done(request, item_id)
