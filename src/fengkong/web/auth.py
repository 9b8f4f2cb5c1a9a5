"""Who is at the console, and whether a form came from it.

A person logs in on the console's own page (`pages/login.py`) and carries the same session as the
API's (`fengkong_session`: HttpOnly, SameSite=Strict, Secure in production), which ends after the
configured idle or absolute lifetime. Every console route is looked up in
`access.permissions.CONSOLE_ROUTES` (deny by default, as the API's guard does), and every request
that changes something carries a CSRF token: an HMAC of the session token (which scripts cannot
read) in the form's `csrf` field or htmx's `X-CSRF-Token` header. Before login, the token is a
random value kept in a cookie of its own (double submit)."""

from __future__ import annotations

import hashlib
import hmac
import secrets

from fastapi import Request

from fengkong.access.console_routes import CONSOLE_PUBLIC, CONSOLE_ROUTES
from fengkong.access.permissions import permits
from fengkong.access.ports import SESSION_PREFIX
from fengkong.api.deps import SESSION_COOKIE
from fengkong.bootstrap import Context
from fengkong.core.actor import Actor
from fengkong.core.errors import Forbidden, Unauthenticated

PREFIX = "/console"
LOGIN_CSRF_COOKIE = "fengkong_login_csrf"
CSRF_FIELD = "csrf"
CSRF_HEADER = "x-csrf-token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


class LoginRequired(Exception):
    """No live session: the person is sent to the login page (`expired` when a session cookie
    was presented but has ended)."""

    def __init__(self, expired: bool) -> None:
        super().__init__("log in")
        self.expired = expired


class BadCsrfToken(Forbidden):
    title = "Forbidden"


def context_of(request: Request) -> Context:
    ctx: Context = request.app.state.context
    return ctx


def session_token(request: Request) -> str | None:
    token = request.cookies.get(SESSION_COOKIE)
    return token if token and token.startswith(SESSION_PREFIX) else None


def console_actor(request: Request) -> Actor:
    """The person of this request's session; `LoginRequired` without a live one."""
    known: Actor | None = getattr(request.state, "actor", None)
    if known is not None:
        return known
    token = session_token(request)
    if token is None:
        raise LoginRequired(expired=SESSION_COOKIE in request.cookies)
    try:
        actor = context_of(request).authenticator.authenticate(token)
    except Unauthenticated:
        raise LoginRequired(expired=True) from None
    request.state.actor = actor
    return actor


def optional_actor(request: Request) -> Actor | None:
    try:
        return console_actor(request)
    except LoginRequired:
        return None


def csrf_of_session(token: str) -> str:
    return hmac.new(token.encode(), b"fengkong console form", hashlib.sha256).hexdigest()


def new_login_csrf() -> str:
    return secrets.token_urlsafe(32)


def csrf_token(request: Request) -> str:
    """The token this request's forms must send back."""
    token = session_token(request)
    if token is not None and getattr(request.state, "actor", None) is not None:
        return csrf_of_session(token)
    login_token: str | None = getattr(request.state, "login_csrf", None)
    if login_token is None:
        login_token = request.cookies.get(LOGIN_CSRF_COOKIE) or new_login_csrf()
        request.state.login_csrf = login_token
    return login_token


async def check_csrf(request: Request) -> None:
    """Refuse a state-changing request whose token does not match the session's (or, before
    login, the login cookie's)."""
    presented = request.headers.get(CSRF_HEADER)
    if not presented:
        form = await request.form()
        field = form.get(CSRF_FIELD)
        presented = field if isinstance(field, str) else None
    token = session_token(request)
    expected = (
        csrf_of_session(token)
        if token is not None and optional_actor(request) is not None
        else request.cookies.get(LOGIN_CSRF_COOKIE)
    )
    if not presented or not expected or not hmac.compare_digest(presented, expected):
        raise BadCsrfToken("the form's security token is missing or stale: reload the page")


def route_key(request: Request) -> tuple[str, str]:
    route = request.scope.get("route")
    return request.method, PREFIX + str(getattr(route, "path", ""))


async def authorize_page(request: Request) -> None:
    """The console's access check, a dependency of every console route: public pages pass (their
    forms still need the token), others need a live session and a role granted the route's
    permission; a route the table does not know is refused."""
    key = route_key(request)
    if key in CONSOLE_PUBLIC:
        if request.method not in SAFE_METHODS:
            await check_csrf(request)
        return
    actor = console_actor(request)
    if request.method not in SAFE_METHODS:
        await check_csrf(request)
    permission = CONSOLE_ROUTES.get(key)
    if permission is None:
        raise Forbidden(f"no permission is declared for {key[0]} {key[1]}")
    if not permits(actor, permission):
        raise Forbidden(f"{actor.audit_name} may not {permission.value}")


def safe_next(target: str | None) -> str:
    """Where to go after login: a console path only (never another site)."""
    if target and target.startswith(PREFIX + "/") and not target.startswith("//"):
        return target
    return PREFIX + "/"
