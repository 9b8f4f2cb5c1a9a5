"""A customer's page: the holder of one resident ID number across their applications, decisions,
loans and credit lines (`decision.customer_view`, as `GET /v1/customers/{id}` serves it), the
consents they gave and the list entries (black, grey, white) on their ID number, as
`POST /v1/lists/entries/search` finds them; all personal data masked; each loan and line links to its page. The customer
id is the only thing in the URL (derived from a blind index, it reveals nothing)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from fengkong.access.permissions import Permission, permits
from fengkong.core.errors import FieldError, Invalid, NotFound
from fengkong.decision.customer_view import customer_view
from fengkong.decision.service import get_application
from fengkong.fraud.keys import KeyType
from fengkong.fraud.list_admin import ListAdmin, ListEntryQuery, find_entries
from fengkong.fraud.lists import ListEntry
from fengkong.onboarding.consent import ConsentRecord
from fengkong.onboarding.party import bidx_of_customer
from fengkong.web.auth import console_actor, context_of
from fengkong.web.i18n import N_
from fengkong.web.pages import file_labels as labels
from fengkong.web.pages.application_extras import application_summary, extras_names
from fengkong.web.render import language_of, render

router = APIRouter()

LISTS = {"black": N_("Black list"), "grey": N_("Grey list"), "white": N_("White list")}
PURPOSES = {
    "credit_bureau": N_("Credit bureau enquiry"),
    "fraud_check": N_("Anti-fraud check"),
    "data_sources": N_("Third-party data"),
    "marketing": N_("Marketing"),
}


@router.get("/customers/{customer_id}")
def customer_page(request: Request, customer_id: str) -> Response:
    ctx = context_of(request)
    view = customer_view(customer_id, ctx.finders)
    actor = console_actor(request)
    errors: list[FieldError] = []
    bidx = bidx_of_customer(view.customer_id, "customer_id", errors)
    if bidx is None:
        raise Invalid(tuple(errors))
    consents: tuple[ConsentRecord, ...] = ()
    if permits(actor, Permission.CONSENTS_READ):
        # As `POST /v1/consents/search` reads them: the subject's records, oldest grant first.
        with ctx.uow() as uow:
            consents = tuple(uow.consents.for_subject(bidx))
    hits: tuple[ListEntry, ...] | None = None
    if permits(actor, Permission.LISTS_READ):
        # A list keys an ID number by the same blind index as the customer id holds.
        admin = ListAdmin(uow=ctx.uow, hasher=ctx.vault.blind_index, clock=ctx.clock)
        query = ListEntryQuery(key_type=KeyType.RESIDENT_ID, key_hash=bidx, include_inactive=True)
        hits = find_entries(query, admin)
    lang = language_of(request)
    # Per application: the external data its decision used, a business's masked name and code,
    # an approve-if-secured condition (each as the person's roles may read it).
    summaries: dict[str, dict[str, object]] = {}
    for row in view.applications:
        try:
            found = get_application(row.id, ctx.decisions)
        except NotFound:  # not decided (yet): nothing to show beside it
            continue
        summaries[row.id] = application_summary(ctx, actor, lang, found.application, found.decision)
    values = {
        "view": view,
        "summaries": summaries,
        "x": extras_names(lang),
        "consents": consents,
        "hits": hits,
        "lists": LISTS,
        "now": ctx.clock.now(),
        "purposes": PURPOSES,
        "labels": labels,
        "kinds": {"loans": (N_("Loans"), ()), "lines": (N_("Credit lines"), ())},
    }
    return render(request, "customer.html.j2", values)
