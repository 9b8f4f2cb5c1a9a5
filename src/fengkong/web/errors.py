"""The console's refusals as pages, in the person's language, never a stack trace: no session →
the login page (an htmx request is told to go there with `HX-Redirect`); a page the person may
not see → 403; one that does not exist → 404; malformed query values → 422; anything else → 500
with the request id to quote."""

from __future__ import annotations

from urllib.parse import quote

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.exceptions import HTTPException

from fengkong.api.errors import status_of
from fengkong.core.errors import FengkongError
from fengkong.core.log import get_logger
from fengkong.web.auth import PREFIX, LoginRequired
from fengkong.web.i18n import N_
from fengkong.web.render import render

log = get_logger(__name__)

# The heading and the sentence of each refusal, as English message ids.
REFUSALS: dict[int, tuple[str, str]] = {
    400: (N_("Bad request"), N_("The request could not be understood.")),
    403: (N_("Not allowed"), N_("Your role does not allow this page or action.")),
    404: (N_("Not found"), N_("There is nothing here: it does not exist, or no longer does.")),
    405: (N_("Request not accepted"), N_("This page does not take that kind of request.")),
    409: (
        N_("Conflict"),
        N_("Someone changed this in the meantime: reload the page and try again."),
    ),
    413: (N_("Too large"), N_("What you sent is larger than the console accepts.")),
    422: (N_("Invalid input"), N_("Some of the values given are not valid.")),
    503: (N_("Unavailable"), N_("The service is busy or down for a moment: try again shortly.")),
}
UNEXPECTED = (N_("Something went wrong"), N_("The console could not show this page."))


def refusal(request: Request, status: int) -> HTMLResponse:
    title, sentence = REFUSALS.get(status, UNEXPECTED)
    values = {"status": status, "title": title, "sentence": sentence}
    return render(request, "error.html.j2", values, status=status)


def to_login(request: Request, expired: bool) -> Response:
    target = f"{PREFIX}/login?next={quote(request.url.path)}" + ("&expired=1" if expired else "")
    if request.headers.get("hx-request") == "true":
        return Response(status_code=200, headers={"HX-Redirect": target})
    return RedirectResponse(target, status_code=303)


def install(app: FastAPI) -> None:
    @app.exception_handler(LoginRequired)
    async def login_required(request: Request, exc: LoginRequired) -> Response:
        return to_login(request, exc.expired)

    @app.exception_handler(FengkongError)
    async def domain_error(request: Request, exc: FengkongError) -> HTMLResponse:
        status = status_of(exc)
        if status == 401:
            return refusal(request, 403)
        if status >= 500:
            log.error("console request failed", error=exc.detail, kind=type(exc).__name__)
        return refusal(request, status)

    @app.exception_handler(HTTPException)
    async def http_error(request: Request, exc: HTTPException) -> HTMLResponse:
        return refusal(request, exc.status_code)

    @app.exception_handler(RequestValidationError)
    async def invalid(request: Request, exc: RequestValidationError) -> HTMLResponse:
        return refusal(request, 422)

    @app.exception_handler(Exception)
    async def unexpected(request: Request, exc: Exception) -> HTMLResponse:
        log.error("console page failed", kind=type(exc).__name__, error=str(exc))
        return refusal(request, 500)
