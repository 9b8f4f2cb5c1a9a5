"""Logging in and out of the console, and choosing its language.

The login form asks for the name, the password and, for the roles that need one (approvers,
admins), the authenticator's six-digit code; `access.logins.login` checks them, locks an account
out after repeated failures and starts the session, which the console keeps in the API's session
cookie. A refused login shows why beside the form and keeps the name typed (never the
password)."""

from __future__ import annotations

import contextlib
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response

from fengkong.access.logins import Disabled, LockedOut, login, logout
from fengkong.api.deps import SESSION_COOKIE, set_session_cookie
from fengkong.core.actor import Actor
from fengkong.core.errors import Unauthenticated
from fengkong.web.auth import (
    LOGIN_CSRF_COOKIE,
    PREFIX,
    context_of,
    optional_actor,
    safe_next,
    session_token,
)
from fengkong.web.i18n import COOKIE, LANGUAGES, N_
from fengkong.web.render import render, visible_nav

router = APIRouter()

YEAR = 365 * 24 * 3600


def _form(
    request: Request,
    *,
    username: str = "",
    next_path: str = "",
    errors: dict[str, str] | None = None,
    notice: str | None = None,
    status: int = 200,
) -> Response:
    values = {
        "username": username,
        "next_path": safe_next(next_path),
        "errors": errors or {},
        "notice": notice,
    }
    return render(request, "login.html.j2", values, status=status)


@router.get("/login")
def login_page(request: Request, next: str = "", expired: str = "") -> Response:
    if optional_actor(request) is not None:
        return RedirectResponse(safe_next(next), status_code=303)
    notice = N_("Your session has ended: log in again.") if expired else None
    return _form(request, next_path=next, notice=notice)


@router.post("/login")
def login_submit(
    request: Request,
    username: Annotated[str, Form()] = "",
    password: Annotated[str, Form()] = "",
    totp: Annotated[str, Form()] = "",
    next: Annotated[str, Form()] = "",
) -> Response:
    errors = {}
    if not username.strip():
        errors["username"] = N_("Enter your login name.")
    if not password:
        errors["password"] = N_("Enter your password.")
    if totp.strip() and not (totp.strip().isdigit() and len(totp.strip()) == 6):
        errors["totp"] = N_("The code is the six digits your authenticator app shows.")
    if errors:
        return _form(request, username=username, next_path=next, errors=errors, status=422)
    ctx = context_of(request)
    try:
        started = login(ctx.access, username[:64], password[:1024], totp.strip() or None)
    except LockedOut:
        errors["form"] = N_("Too many failed attempts: this account is locked for a while.")
    except Disabled:
        errors["form"] = N_("This account is disabled; an administrator can enable it.")
    except Unauthenticated:
        errors["form"] = N_(
            "Unknown name, wrong password or wrong code (approvers and administrators "
            "also give the code of their authenticator app)."
        )
    if errors:
        return _form(request, username=username, next_path=next, errors=errors, status=401)
    target = safe_next(next)
    if target == PREFIX + "/":
        target = _home(started.user.actor())
    response = RedirectResponse(target, status_code=303)
    set_session_cookie(response, started, secure=ctx.settings.env == "production")
    response.delete_cookie(LOGIN_CSRF_COOKIE)
    return response


def _home(actor: Actor | None) -> str:
    entries = visible_nav(actor)
    return entries[0].path if entries else PREFIX + "/"


@router.get("/")
def home(request: Request) -> Response:
    """The first section the person may open; a home page saying so when there is none."""
    actor = optional_actor(request)
    target = _home(actor)
    if target != PREFIX + "/":
        return RedirectResponse(target, status_code=303)
    return render(request, "home.html.j2")


@router.post("/logout")
def logout_submit(request: Request) -> Response:
    token = session_token(request)
    if token is not None:
        with contextlib.suppress(Unauthenticated):  # ended already: no error to log out again
            logout(context_of(request).access, token)
    response = RedirectResponse(PREFIX + "/login", status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/", httponly=True, samesite="strict")
    return response


@router.post("/language")
def choose_language(
    request: Request,
    lang: Annotated[str, Form()] = "",
    next: Annotated[str, Form()] = "",
) -> Response:
    """Keep the person's language in a cookie and go back where they were."""
    response = RedirectResponse(safe_next(next) if next else PREFIX + "/", status_code=303)
    if lang in LANGUAGES:
        response.set_cookie(COOKIE, lang, max_age=YEAR, samesite="strict", path="/")
    return response
