"""What the pages of collections, lists, approvals, policies, models and audit share: whether a
request came from htmx, a form's errors beside its fields (in the console's words, not the
use case's), and the answer after an action (the partial for htmx, a 303 for a plain form)."""

from __future__ import annotations

from collections.abc import Mapping

from fastapi import Request
from fastapi.responses import RedirectResponse

from fengkong.access.console_routes import CONSOLE_ROUTES
from fengkong.access.permissions import permits
from fengkong.core.errors import Invalid
from fengkong.web.auth import console_actor
from fengkong.web.i18n import NOT_VALID


def is_htmx(request: Request) -> bool:
    return request.headers.get("hx-request") == "true"


def field_errors(error: Invalid, messages: Mapping[str, str], default_field: str) -> dict[str, str]:
    """Field → the console's message (an English message id) for each field the use case
    refused; a field the form does not show lands on `default_field`."""
    found: dict[str, str] = {}
    for e in error.errors:
        name = str(e.loc[0]) if e.loc else default_field
        if name not in messages:
            name = default_field
        found.setdefault(name, messages.get(name, NOT_VALID))
    return found or {default_field: messages.get(default_field, NOT_VALID)}


def see_other(target: str) -> RedirectResponse:
    """After a plain form's action: back to the page (post/redirect/get)."""
    return RedirectResponse(target, status_code=303)


def allowed(request: Request) -> frozenset[str]:
    """The console routes ("POST /console/lists/entries") the person may use: a page offers
    only the forms its reader may send."""
    actor = console_actor(request)
    return frozenset(f"{m} {p}" for (m, p), need in CONSOLE_ROUTES.items() if permits(actor, need))
