"""Pages rendered from the Jinja2 templates of `web/templates/`, in the person's language, with
the navigation their roles allow and the CSRF token their forms send back.

Every template gets: `_` (the language's gettext), `lang` (its formats: `lang.money(fen)`,
`lang.percent(rate)`, `lang.day(d)`), `actor`, `nav` (the entries the person may open), `csrf`,
`here` (the path, to mark the open entry) and `prefix` (`/console`)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape

from fengkong.access.console_routes import CONSOLE_ROUTES
from fengkong.access.permissions import permits
from fengkong.core.actor import Actor
from fengkong.web.auth import PREFIX, csrf_token, optional_actor
from fengkong.web.i18n import COOKIE, N_, Language, negotiated


@dataclass(frozen=True, slots=True)
class NavEntry:
    path: str  # under the prefix, as `CONSOLE_ROUTES` keys it
    label: str  # an English message id


# The console's sections in the order of the menu; each shows only to those who may open it.
NAV: tuple[NavEntry, ...] = (
    NavEntry("/console/dashboard", N_("Dashboard")),
    NavEntry("/console/review", N_("Review queue")),
    NavEntry("/console/search", N_("Search")),
    NavEntry("/console/collections", N_("Collections")),
    NavEntry("/console/lists", N_("Lists")),
    NavEntry("/console/approvals", N_("Approvals")),
    NavEntry("/console/policies", N_("Policies")),
    NavEntry("/console/models", N_("Models")),
    NavEntry("/console/audit", N_("Audit")),
)


def visible_nav(actor: Actor | None) -> list[NavEntry]:
    if actor is None:
        return []
    return [e for e in NAV if permits(actor, CONSOLE_ROUTES[("GET", e.path)])]


def language_of(request: Request) -> Language:
    return negotiated(request.cookies.get(COOKIE), request.headers.get("accept-language"))


@lru_cache(maxsize=1)
def environment() -> Environment:
    env = Environment(
        loader=PackageLoader("fengkong.web", "templates"),
        autoescape=select_autoescape(["j2", "html"], default_for_string=True),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.globals["prefix"] = PREFIX
    return env


def render(
    request: Request, template: str, values: Mapping[str, Any] | None = None, status: int = 200
) -> HTMLResponse:
    """The page of `template` for this request's person and language."""
    lang = language_of(request)
    actor = optional_actor(request)
    page = environment().get_template(template)
    body = page.render(
        _=lang.gettext,
        lang=lang,
        actor=actor,
        nav=visible_nav(actor),
        csrf=csrf_token(request),
        here=request.url.path,
        htmx=request.headers.get("hx-request") == "true",
        **(values or {}),
    )
    return HTMLResponse(body, status_code=status)
