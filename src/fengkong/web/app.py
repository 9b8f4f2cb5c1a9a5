"""The officer console: a FastAPI application of server-rendered pages (Jinja2, htmx, ECharts),
mounted at `/console` beside the API by `fengkong serve` (`web.main`).

Its own application so that its refusals are pages, not problem+json, and its access check is
the console's (`web.auth.authorize_page`); it shares the API's wiring (`bootstrap.Context`),
sessions and edge limits. Every response carries a Content-Security-Policy that admits no inline
script or style and no other origin: the pages load their scripts and styles from
`/console/static/` and `/console/vendor/`, all shipped in the package, so the console works with
no internet."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from importlib.resources import files

from fastapi import Depends, FastAPI, Request, Response
from fastapi.staticfiles import StaticFiles

from fengkong.bootstrap import Context
from fengkong.web import errors
from fengkong.web.auth import LOGIN_CSRF_COOKIE, PREFIX, authorize_page
from fengkong.web.pages import dashboard, login
from fengkong.web.pages import files as file_pages  # search, customer, loan and line pages
from fengkong.web.pages import review as review_page  # the review queue

# section collections, lists, approvals, policies, models and audit
from fengkong.web.pages.approvals import router as approvals_router
from fengkong.web.pages.audit import router as audit_router
from fengkong.web.pages.collections import router as collections_router
from fengkong.web.pages.lists import router as lists_router
from fengkong.web.pages.models import router as models_router
from fengkong.web.pages.policies import router as policies_router

CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; font-src 'self'; form-action 'self'; frame-ancestors 'none'; "
    "base-uri 'none'"
)
SECURITY_HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
}


def create_console(context: Context) -> FastAPI:
    console = FastAPI(
        title="Fengkong console",
        docs_url=None,
        redoc_url=None,
        openapi_url=None,
        dependencies=[Depends(authorize_page)],
    )
    console.state.context = context
    errors.install(console)
    secure = context.settings.env == "production"

    @console.middleware("http")
    async def headers(
        request: Request, call_next: Callable[[Request], Awaitable[Response]]
    ) -> Response:
        response = await call_next(request)
        response.headers.update(SECURITY_HEADERS)
        if not request.url.path.startswith((PREFIX + "/static/", PREFIX + "/vendor/")):
            # Pages show personal data (masked): never kept by a shared cache or the history.
            response.headers["Cache-Control"] = "no-store"
        login_token = getattr(request.state, "login_csrf", None)
        if login_token is not None and request.cookies.get(LOGIN_CSRF_COOKIE) != login_token:
            response.set_cookie(
                LOGIN_CSRF_COOKIE, login_token, httponly=True, samesite="strict", secure=secure
            )
        return response

    console.mount("/static", StaticFiles(packages=[("fengkong.web", "static")]), name="static")
    console.mount(
        "/vendor",
        StaticFiles(directory=str(files("fengkong") / "static" / "vendor")),
        name="vendor",
    )
    console.include_router(login.router)
    console.include_router(dashboard.router)
    console.include_router(review_page.router)  # the review queue
    # section collections, lists, approvals, policies, models and audit
    console.include_router(collections_router)
    console.include_router(lists_router)
    console.include_router(approvals_router)
    console.include_router(policies_router)
    console.include_router(models_router)
    console.include_router(audit_router)
    console.include_router(file_pages.router)  # search, customer, loan and line pages
    return console


def install(app: FastAPI, context: Context) -> None:
    """Mount the console at `/console` (the API's root already sends browsers there)."""
    app.mount(PREFIX, create_console(context))
