"""The one place where errors become HTTP responses: problem+json (RFC 9457)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import structlog
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import TimeoutError as PoolTimeout
from starlette.exceptions import HTTPException

from fengkong.core.errors import (
    Conflict,
    FengkongError,
    Forbidden,
    IntegrityBroken,
    Invalid,
    NotFound,
    Unauthenticated,
    Unavailable,
)

PROBLEM_JSON = "application/problem+json"
STATUS: dict[type[FengkongError], int] = {
    Invalid: 422,
    Unauthenticated: 401,
    Forbidden: 403,
    NotFound: 404,
    Conflict: 409,
    Unavailable: 503,
    IntegrityBroken: 500,
}
log = structlog.get_logger(__name__)
POOL_RETRY_AFTER_SECONDS = 1


def database_busy(path: str, exc: PoolTimeout) -> JSONResponse:
    """503 `database-busy` with `Retry-After`: no database connection came free within
    `db_pool_timeout_seconds`, so nothing was done and the caller may retry."""
    log.warning("database pool exhausted", error=str(exc))
    response = problem(
        503,
        "Service unavailable",
        "the server is busy: no database connection came free in time; retry shortly",
        "database-busy",
        path,
    )
    response.headers["Retry-After"] = str(POOL_RETRY_AFTER_SECONDS)
    return response


def problem(
    status: int, title: str, detail: str, slug: str, instance: str, **extra: Any
) -> JSONResponse:
    body = {
        "type": f"https://fengkong.dev/problems/{slug}",
        "title": title,
        "status": status,
        "detail": detail,
        "instance": instance,
        **extra,
    }
    return JSONResponse(body, status_code=status, media_type=PROBLEM_JSON)


_HTTP_TITLES = {
    400: "Malformed request",
    404: "Not found",
    405: "Method not allowed",
    413: "Request body too large",
}


def status_of(exc: FengkongError) -> int:
    return next((code for kind, code in STATUS.items() if isinstance(exc, kind)), 500)


def _field_error(e: Mapping[str, Any]) -> dict[str, Any]:
    """A Pydantic error as a field error; `allowed` when the field has a fixed set of values."""
    doc = {"loc": list(e["loc"]), "msg": e["msg"], "type": e["type"]}
    allowed = (e.get("ctx") or {}).get("allowed")
    if allowed is not None:
        doc["allowed"] = list(allowed)
    return doc


def install(app: FastAPI) -> None:
    @app.exception_handler(FengkongError)
    async def domain_error(request: Request, exc: FengkongError) -> JSONResponse:
        status = status_of(exc)
        extra = {"errors": [e.as_dict() for e in exc.errors]} if isinstance(exc, Invalid) else {}
        if status >= 500:
            log.error("request failed", error=exc.detail, kind=type(exc).__name__)
        response = problem(status, exc.title, exc.detail, exc.type_slug, request.url.path, **extra)
        if status == 401:
            # RFC 9110: a 401 names the scheme that would succeed.
            response.headers["WWW-Authenticate"] = 'Bearer realm="fengkong"'
        retry_after = getattr(exc, "retry_after_seconds", None)
        if status == 503 and isinstance(retry_after, int):
            response.headers["Retry-After"] = str(retry_after)  # RFC 9110 §10.2.3
        return response

    @app.exception_handler(PoolTimeout)
    async def pool_exhausted(request: Request, exc: PoolTimeout) -> JSONResponse:
        """No database connection came free within `db_pool_timeout_seconds`: the worker is
        saturated, so the caller is told to come back (nothing was done: the unit of work never
        started) rather than given a bare 500."""
        return database_busy(request.url.path, exc)

    @app.exception_handler(HTTPException)
    async def http_error(request: Request, exc: HTTPException) -> JSONResponse:
        """The framework's own refusals (no route, wrong method, a body it cannot parse: too
        deep, not UTF-8) as problem+json, with their headers (`Allow` on 405)."""
        status = exc.status_code
        title = _HTTP_TITLES.get(status, "Request refused")
        slug = title.lower().replace(" ", "-")
        detail = exc.detail if isinstance(exc.detail, str) else title
        refused = problem(status, title, detail, slug, request.url.path)
        refused.headers.update(exc.headers or {})
        return refused

    @app.exception_handler(RequestValidationError)
    async def validation_error(request: Request, exc: RequestValidationError) -> JSONResponse:
        errors = [_field_error(e) for e in exc.errors()]
        if any(e["type"] == "json_invalid" for e in errors):
            return problem(
                400,
                "Malformed JSON",
                "the request body is not valid JSON",
                "malformed-json",
                request.url.path,
                errors=errors,
            )
        detail = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in errors)
        return problem(
            422, "Invalid input", detail, "invalid-input", request.url.path, errors=errors
        )
