"""Finding things at the console: applications, decisions, loans and credit lines by the filters
officers use (product, outcome or status, channel, dates, score or days past due, customer id,
line id), and customers by product and dates or — posted, never in a URL — by full resident ID
number or mobile number. Each list is the use case behind `GET /v1/…` (and `POST
/v1/customers/search`), with its keyset pages ("Next page"), its rows masked, each linking to
the customer, loan or line page.

A bad filter comes back (422) with its error beside the field and what was typed; htmx swaps
the form and results in place (the URL follows the filters of a GET search)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response

from fengkong.access.permissions import Permission, permits
from fengkong.bootstrap import Context
from fengkong.core.errors import FieldError, Invalid
from fengkong.core.filters import Who
from fengkong.core.paging import next_cursor
from fengkong.decision.search import (
    application_filter,
    decision_filter,
    find_applications,
    find_decisions,
)
from fengkong.lending.customers import customer_filter, find_customers
from fengkong.lending.search import find_lines, find_loans, line_filter, loan_filter
from fengkong.web.auth import PREFIX, console_actor, context_of
from fengkong.web.i18n import N_
from fengkong.web.pages import file_labels as labels
from fengkong.web.render import render

router = APIRouter()

PAGE_SIZE = 50


@dataclass(frozen=True, slots=True)
class Filter:
    """One field of a search form: `kind` text, date, number or select (`options`: value →
    message id; the empty value means any)."""

    name: str
    label: str
    kind: str = "text"
    options: Mapping[str, str] = field(default_factory=dict)


def _any(options: Mapping[str, str]) -> dict[str, str]:
    return {"": N_("Any"), **options}


PRODUCT = Filter("product", N_("Product"))
CUSTOMER = Filter("customer_id", N_("Customer id"))
CHANNEL = Filter("channel", N_("Channel"), "select", _any(labels.CHANNELS))
OUTCOME = Filter("outcome", N_("Outcome"), "select", _any(labels.OUTCOMES))


def _sorts(options: Mapping[str, str]) -> Filter:
    return Filter("sort", N_("Order"), "select", options)


KINDS: dict[str, tuple[str, tuple[Filter, ...]]] = {
    "applications": (
        N_("Applications"),
        (
            PRODUCT,
            OUTCOME,
            CHANNEL,
            Filter("received_from", N_("Received from"), "date"),
            Filter("received_to", N_("Received to"), "date"),
            CUSTOMER,
            _sorts({"-received_at": N_("Newest first"), "-amount": N_("Largest amount first")}),
        ),
    ),
    "decisions": (
        N_("Decisions"),
        (
            PRODUCT,
            OUTCOME,
            CHANNEL,
            Filter("decided_from", N_("Decided from"), "date"),
            Filter("decided_to", N_("Decided to"), "date"),
            Filter("score_min", N_("Score from"), "number"),
            Filter("score_max", N_("Score to"), "number"),
            CUSTOMER,
            _sorts({"-decided_at": N_("Newest first"), "score": N_("Lowest score first")}),
        ),
    ),
    "loans": (
        N_("Loans"),
        (
            Filter("status", N_("Status"), "select", _any(labels.LOAN_STATUS)),
            PRODUCT,
            Filter("booked_from", N_("Booked from"), "date"),
            Filter("booked_to", N_("Booked to"), "date"),
            Filter("dpd_min", N_("Days past due from"), "number"),
            Filter("dpd_max", N_("Days past due to"), "number"),
            Filter("loan_class", N_("Loan class"), "select", _any(labels.LOAN_CLASS)),
            CHANNEL,
            Filter("line_id", N_("Line id")),
            CUSTOMER,
            _sorts(
                {
                    "-booked_on": N_("Newest first"),
                    "-days_past_due": N_("Most days past due first"),
                    "-principal_outstanding": N_("Largest outstanding first"),
                    "-amount": N_("Largest amount first"),
                }
            ),
        ),
    ),
    "lines": (
        N_("Credit lines"),
        (
            Filter("status", N_("Status"), "select", _any(labels.LINE_STATUS)),
            PRODUCT,
            Filter("opened_from", N_("Opened from"), "date"),
            Filter("opened_to", N_("Opened to"), "date"),
            CUSTOMER,
            _sorts({"-opened_at": N_("Newest first"), "-limit": N_("Largest limit first")}),
        ),
    ),
    "customers": (
        N_("Customers"),
        (
            PRODUCT,
            Filter("applied_from", N_("Applied from"), "date"),
            Filter("applied_to", N_("Applied to"), "date"),
            _sorts({"-last_applied_at": N_("Latest application first")}),
        ),
    ),
}
# Found only by a posted form: personal data never travels in a URL.
PERSON_FIELDS = (
    Filter("id_number", N_("Resident ID number")),
    Filter("phone", N_("Mobile number")),
)
NEED_PERSON = N_("Give a full resident ID number or mobile number (or both).")
# What an id opens, by its prefix (`core.ids.new_id`; a customer id is `cus_` and a blind index).
OPENS = {"loan_": "loans", "line_": "lines", "cus_": "customers"}
OPEN_WHAT = N_("Give a loan id (loan_…), a line id (line_…) or a customer id (cus_…).")


def _number(q: Mapping[str, str], name: str, errors: list[FieldError]) -> int | None:
    text = q.get(name, "").strip()
    if not text:
        return None
    try:
        return int(text)
    except ValueError:
        errors.append(FieldError((name,), "not a whole number"))
        return None


def _text(q: Mapping[str, str], name: str) -> str | None:
    return q.get(name, "").strip() or None


Found = tuple[list[Any], str | None]


def _applications(ctx: Context, q: Mapping[str, str], errors: list[FieldError]) -> Found:
    finders = ctx.finders
    f = application_filter(
        vault=finders.vault,
        as_of=finders.clock.business_date(),
        who=Who(customer=_text(q, "customer_id")),
        product=_text(q, "product"),
        outcome=_text(q, "outcome"),
        channel=_text(q, "channel"),
        received_from=_text(q, "received_from"),
        received_to=_text(q, "received_to"),
        sort=_text(q, "sort"),
        limit=PAGE_SIZE,
        cursor=_text(q, "cursor"),
    )
    page = find_applications(f, finders.applications, finders.vault)
    return list(page.items), next_cursor(f.page, page)


def _decisions(ctx: Context, q: Mapping[str, str], errors: list[FieldError]) -> Found:
    finders = ctx.finders
    low, high = _number(q, "score_min", errors), _number(q, "score_max", errors)
    if errors:
        raise Invalid(tuple(errors))
    f = decision_filter(
        vault=finders.vault,
        as_of=finders.clock.business_date(),
        who=Who(customer=_text(q, "customer_id")),
        product=_text(q, "product"),
        outcome=_text(q, "outcome"),
        channel=_text(q, "channel"),
        decided_from=_text(q, "decided_from"),
        decided_to=_text(q, "decided_to"),
        score_min=low,
        score_max=high,
        sort=_text(q, "sort"),
        limit=PAGE_SIZE,
        cursor=_text(q, "cursor"),
    )
    page = find_decisions(f, finders.decisions, finders.vault)
    return list(page.items), next_cursor(f.page, page)


def _loans(ctx: Context, q: Mapping[str, str], errors: list[FieldError]) -> Found:
    finders = ctx.finders
    low, high = _number(q, "dpd_min", errors), _number(q, "dpd_max", errors)
    if errors:
        raise Invalid(tuple(errors))
    f = loan_filter(
        vault=finders.vault,
        as_of=finders.clock.business_date(),
        who=Who(customer=_text(q, "customer_id")),
        status=_text(q, "status"),
        product=_text(q, "product"),
        booked_from=_text(q, "booked_from"),
        booked_to=_text(q, "booked_to"),
        dpd_min=low,
        dpd_max=high,
        loan_class=_text(q, "loan_class"),
        line_id=_text(q, "line_id"),
        channel=_text(q, "channel"),
        buckets=tuple(t.name for t in ctx.lending.config.buckets),
        sort=_text(q, "sort"),
        limit=PAGE_SIZE,
        cursor=_text(q, "cursor"),
    )
    page = find_loans(f, finders.loans, finders.vault)
    return list(page.items), next_cursor(f.page, page)


def _lines(ctx: Context, q: Mapping[str, str], errors: list[FieldError]) -> Found:
    finders = ctx.finders
    f = line_filter(
        vault=finders.vault,
        as_of=finders.clock.business_date(),
        who=Who(customer=_text(q, "customer_id")),
        status=_text(q, "status"),
        product=_text(q, "product"),
        opened_from=_text(q, "opened_from"),
        opened_to=_text(q, "opened_to"),
        sort=_text(q, "sort"),
        limit=PAGE_SIZE,
        cursor=_text(q, "cursor"),
    )
    page = find_lines(f, finders.lines, finders.vault)
    return list(page.items), next_cursor(f.page, page)


def _customers(ctx: Context, q: Mapping[str, str], errors: list[FieldError]) -> Found:
    finders = ctx.finders
    f = customer_filter(
        vault=finders.vault,
        as_of=finders.clock.business_date(),
        who=Who(id_number=_text(q, "id_number"), phone=_text(q, "phone")),
        product=_text(q, "product"),
        applied_from=_text(q, "applied_from"),
        applied_to=_text(q, "applied_to"),
        sort=_text(q, "sort"),
        limit=PAGE_SIZE,
        cursor=_text(q, "cursor"),
    )
    page = find_customers(f, finders)
    return list(page.items), next_cursor(f.page, page)


SEARCHES: dict[str, Callable[[Context, Mapping[str, str], list[FieldError]], Found]] = {
    "applications": _applications,
    "decisions": _decisions,
    "loans": _loans,
    "lines": _lines,
    "customers": _customers,
}


def _results(
    request: Request, kind: str, q: Mapping[str, str], posted: bool, opening: str | None = None
) -> Response:
    """The form of `kind` with what was asked, and the page of rows it finds (or the errors)."""
    actor = console_actor(request)
    typed = {k: v for k, v in q.items() if k != "cursor"}
    values: dict[str, Any] = {
        "kind": kind,
        "kinds": KINDS,
        "filters": KINDS[kind][1],
        "person_fields": PERSON_FIELDS,
        "may_customers": permits(actor, Permission.CUSTOMERS_READ),
        "posted": posted,
        "typed": typed,
        "errors": {},
        "rows": None,
        "next_cursor": None,
        "labels": labels,
        "opening": opening or "",
    }
    status = 200
    if opening is not None:
        values["errors"] = {"id": OPEN_WHAT}
        status = 422
    try:
        if posted and not (_text(q, "id_number") or _text(q, "phone")):
            raise Invalid((FieldError(("id_number",), "give id_number or phone"),))
        values["rows"], values["next_cursor"] = SEARCHES[kind](context_of(request), q, [])
    except Invalid as e:
        values["errors"] = {**values["errors"], **labels.field_errors(e, "form")}
        if posted and "id_number" in values["errors"] and not _text(q, "id_number"):
            values["errors"]["id_number"] = NEED_PERSON
        status = 422
    shown = {"id", *(f.name for f in (*KINDS[kind][1], *PERSON_FIELDS))}
    values["other_errors"] = sorted({m for k, m in values["errors"].items() if k not in shown})
    if not posted:
        values["next_query"] = {k: v for k, v in typed.items() if v}
    template = "search_body.html.j2" if values_htmx(request) else "search.html.j2"
    return render(request, template, values, status)


def values_htmx(request: Request) -> bool:
    return request.headers.get("hx-request") == "true"


def _query(request: Request) -> dict[str, str]:
    """The filters of a GET search; personal data in a URL is not even read."""
    personal = {f.name for f in PERSON_FIELDS}
    return {k: v for k, v in request.query_params.items() if k != "kind" and k not in personal}


@router.get("/search")
def search(request: Request, kind: str = "loans") -> Response:
    """Applications, decisions, loans or lines by their filters (GET: none of them personal)."""
    chosen = kind if kind in KINDS and kind != "customers" else "loans"
    return _results(request, chosen, _query(request), posted=False)


@router.get("/customers")
def customers(request: Request) -> Response:
    """Customers who applied, for a product or in a date range."""
    return _results(request, "customers", _query(request), posted=False)


@router.post("/customers/search")
def customers_by_person(
    request: Request,
    id_number: Annotated[str, Form()] = "",
    phone: Annotated[str, Form()] = "",
    cursor: Annotated[str, Form()] = "",
) -> Response:
    """The customers with this full resident ID number or mobile number (posted)."""
    q = {"id_number": id_number, "phone": phone, "cursor": cursor}
    return _results(request, "customers", q, posted=True)


@router.get("/open")
def open_by_id(request: Request, id: str = "") -> Response:
    """The page of a loan, line or customer id typed in the search's "Open" field; another
    word comes back to the search with the error beside the field."""
    word = id.strip()
    for start, where in OPENS.items():
        if word.startswith(start) and len(word) > len(start) and word.isascii():
            return RedirectResponse(f"{PREFIX}/{where}/{word}", status_code=303)
    return _results(request, "loans", {}, posted=False, opening=id)
