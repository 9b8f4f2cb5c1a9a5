"""Black, grey and white lists (黑名单、灰名单、白名单): the entries, shown masked, filtered by list
and key type; a search by a key's value (personal data: posted, never in a URL, found by its
blind index); asking for an entry to be added or removed — each a maker-checker request that an
approver other than the asker decides on the approvals page. The same use cases as `/v1/lists`
and `fengkong lists`."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import Response

from fengkong.api.routes.lists import admin_of, changes_of
from fengkong.core.errors import Conflict, FieldError, Invalid
from fengkong.fraud.keys import KeyType
from fengkong.fraud.list_admin import ListEntryQuery, find_entries, get_entry, key_of
from fengkong.fraud.list_changes import request_addition, request_removal
from fengkong.fraud.lists import ListKind, parse_entry, parse_key_type
from fengkong.web.auth import PREFIX, console_actor, context_of
from fengkong.web.i18n import N_
from fengkong.web.pages.section_forms import allowed, field_errors, is_htmx, see_other
from fengkong.web.render import render

router = APIRouter()

LIMIT = 200
LIST_NAMES = {"black": N_("Black list"), "grey": N_("Grey list"), "white": N_("White list")}
KEY_TYPES = {
    "resident_id": N_("Resident ID number"),
    "mobile": N_("Mobile number"),
    "bank_card": N_("Bank card number"),
    "device": N_("Device"),
    "ip": N_("IP address"),
    "ip_prefix": N_("IP range"),
    "employer": N_("Employer"),
}
ENTRY_ERRORS = {
    "list": N_("Choose one of the lists."),
    "key_type": N_("Choose one of the key types."),
    "value": N_("Enter a valid value of that key type."),
    "reason": N_("Give the reason (at most 2,000 characters)."),
    "source": N_("Name the source (at most 80 characters)."),
    "expires_at": N_("Enter a date after today, or leave it empty."),
}
REMOVAL_ERRORS = {"reason": N_("Give the reason (at most 2,000 characters).")}
ALREADY = N_("This key is on that list already, or its addition awaits an approver.")
REMOVAL_PENDING = N_("This entry was removed already, or its removal awaits an approver.")
EMPTY_FORM = {"list": "black", "key_type": "mobile", "value": "", "reason": "", "source": ""}


def _chosen(list_: str, key_type: str) -> tuple[ListKind | None, KeyType | None]:
    kind = ListKind(list_) if list_ in LIST_NAMES else None
    key = KeyType(key_type) if key_type in KEY_TYPES else None
    return kind, key


def _page(request: Request, values: dict[str, Any], status: int = 200) -> Response:
    base: dict[str, Any] = {
        "list_names": LIST_NAMES,
        "key_types": KEY_TYPES,
        "filters": {"list": "", "key_type": "", "inactive": False},
        "entries": None,
        "found": None,
        "search": {"key_type": "mobile", "value": ""},
        "search_errors": {},
        "typed": dict(EMPTY_FORM, expires_at=""),
        "errors": {},
        "asked": None,
        "now": context_of(request).clock.now(),
        "allowed": allowed(request),
    }
    base.update(values)
    if base["entries"] is None:
        kind, key = _chosen(base["filters"]["list"], base["filters"]["key_type"])
        query = ListEntryQuery(kind, key, None, bool(base["filters"]["inactive"]), LIMIT)
        base["entries"] = find_entries(query, admin_of(context_of(request)))
    return render(request, "lists.html.j2", base, status=status)


@router.get("/lists")
def lists_page(
    request: Request, list: str = "", key_type: str = "", inactive: bool = False, asked: str = ""
) -> Response:
    filters = {"list": list, "key_type": key_type, "inactive": inactive}
    return _page(request, {"filters": filters, "asked": asked or None})


@router.post("/lists/search")
def search(
    request: Request,
    key_type: Annotated[str, Form()] = "",
    value: Annotated[str, Form()] = "",
) -> Response:
    """The entries on one key, found by its blind index: the value never leaves the form."""
    admin = admin_of(context_of(request))
    typed = {"key_type": key_type, "value": value}
    try:
        if not value.strip():
            raise Invalid((FieldError(("value",), "required"),))
        kind = parse_key_type(key_type) if key_type in KEY_TYPES else None
        if kind is None:
            raise Invalid((FieldError(("key_type",), "unknown"),))
        hashed = key_of(kind, value, admin)
    except Invalid as e:
        errors = field_errors(e, ENTRY_ERRORS, "value")
        return _page(request, {"search": typed, "search_errors": errors}, 422)
    found = find_entries(ListEntryQuery(None, kind, hashed, True, None), admin)
    return _page(request, {"search": typed, "found": found})


@router.post("/lists/entries")
def ask_addition(
    request: Request,
    list: Annotated[str, Form()] = "",
    key_type: Annotated[str, Form()] = "",
    value: Annotated[str, Form()] = "",
    reason: Annotated[str, Form()] = "",
    source: Annotated[str, Form()] = "",
    expires_at: Annotated[str, Form()] = "",
) -> Response:
    """Ask for a key to go on a list: a request an approver other than the asker decides."""
    ctx = context_of(request)
    changes = changes_of(ctx)
    typed = {
        "list": list,
        "key_type": key_type,
        "value": value,
        "reason": reason,
        "source": source,
        "expires_at": expires_at,
    }
    try:
        entry = parse_entry({**typed, "expires_at": expires_at or None}, ctx.clock.now())
        asked = request_addition(entry, console_actor(request), changes)
    except Invalid as e:
        return _added(request, typed, field_errors(e, ENTRY_ERRORS, "value"), None, 422)
    except Conflict:
        return _added(request, typed, {"value": ALREADY}, None, 409)
    if is_htmx(request):
        return _added(request, dict(EMPTY_FORM, expires_at=""), {}, asked.id, 200)
    return see_other(f"{PREFIX}/lists?asked={asked.id}")


def _added(
    request: Request, typed: dict[str, str], errors: dict[str, str], asked: str | None, status: int
) -> Response:
    """The addition form again: the partial for htmx, else the whole page."""
    values = {"typed": typed, "errors": errors, "asked": asked}
    if is_htmx(request):
        shown = {"list_names": LIST_NAMES, "key_types": KEY_TYPES, **values}
        return render(request, "list_add.html.j2", shown, status=status)
    return _page(request, values, status)


@router.get("/lists/entries/{entry_id}")
def entry_page(request: Request, entry_id: str, asked: str = "") -> Response:
    return _entry(request, entry_id, asked=asked or None)


def _entry(
    request: Request,
    entry_id: str,
    typed: str = "",
    errors: dict[str, str] | None = None,
    asked: str | None = None,
    status: int = 200,
) -> Response:
    ctx = context_of(request)
    values = {
        "entry": get_entry(entry_id, admin_of(ctx)),
        "list_names": LIST_NAMES,
        "key_types": KEY_TYPES,
        "typed": typed,
        "errors": errors or {},
        "asked": asked,
        "now": ctx.clock.now(),
        "allowed": allowed(request),
    }
    template = "list_removal.html.j2" if is_htmx(request) else "list_entry.html.j2"
    return render(request, template, values, status=status)


@router.post("/lists/entries/{entry_id}/remove")
def ask_removal(request: Request, entry_id: str, reason: Annotated[str, Form()] = "") -> Response:
    """Ask for an entry to come off its list, with why: a request for an approver."""
    changes = changes_of(context_of(request))
    get_entry(entry_id, changes.admin)  # an unknown entry is a 404 before the reason is judged
    try:
        asked = request_removal(entry_id, reason, console_actor(request), changes)
    except Invalid as e:
        errors = field_errors(e, REMOVAL_ERRORS, "reason")
        return _entry(request, entry_id, reason, errors, status=422)
    except Conflict:
        return _entry(request, entry_id, reason, {"reason": REMOVAL_PENDING}, status=409)
    if is_htmx(request):
        return _entry(request, entry_id, asked=asked.id)
    return see_other(f"{PREFIX}/lists/entries/{entry_id}?asked={asked.id}")
