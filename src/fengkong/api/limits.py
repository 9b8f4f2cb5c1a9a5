"""The HTTP edge's bounds, as pure ASGI middleware (no `BaseHTTPMiddleware`: it would buffer and
add a task per request): a request body no larger than configured (413), control characters in
no path or query string (422), an answer within the configured time (504), and CORS closed unless
origins are configured. Each refusal is problem+json.

The time bound answers the client; it does not stop the work. A sync handler runs in the thread
pool and Python cannot interrupt a thread: it runs on to its end (its answer dropped), so a
money-moving request may still be applied after its 504, once, under its idempotency key, which
the client retries with. On PostgreSQL `db_statement_timeout_ms` ends a statement that runs too
long, which bounds such a handler."""

from __future__ import annotations

import asyncio
import re
from collections.abc import Mapping
from urllib.parse import unquote_to_bytes

from fastapi import FastAPI
from starlette.exceptions import HTTPException
from starlette.middleware.cors import CORSMiddleware
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from fengkong.api.errors import problem
from fengkong.api.input import control_character
from fengkong.core.settings import Settings

# Routes that take a file in the body, and how large it may be (the list import's CSV).
UPLOADS = ("/v1/lists/import",)
# Routes with path parameters that take a file (an application's exported statement or report).
UPLOAD_PATTERNS = (re.compile(r"/v1/applications/[^/]+/sources/[^/]+"),)


class BodyTooLarge(HTTPException):
    """Raised from `receive` when the streamed body passes the limit. An `HTTPException`, so
    FastAPI's body parsing lets it through (anything else it turns into a 400) and the app's
    handler answers it as problem+json."""

    def __init__(self, limit: int) -> None:
        super().__init__(413, f"the request body is larger than {limit} bytes")


def _too_large(limit: int, path: str) -> object:
    return problem(
        413,
        "Request body too large",
        f"the request body is larger than {limit} bytes",
        "body-too-large",
        path,
        limit=limit,
    )


class BodyLimit:
    """413 when the declared Content-Length passes the limit, before anything is read; and when
    a body without one (chunked) or with a false one streams past it, as it is read."""

    def __init__(
        self,
        app: ASGIApp,
        limit: int,
        uploads: Mapping[str, int],
        upload_patterns: Mapping[re.Pattern[str], int] | None = None,
    ) -> None:
        self.app = app
        self.limit = limit
        self.uploads = uploads
        self.upload_patterns = upload_patterns or {}

    def _limit_of(self, path: str) -> int:
        if path in self.uploads:
            return self.uploads[path]
        return next((n for p, n in self.upload_patterns.items() if p.fullmatch(path)), self.limit)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path = str(scope.get("path", ""))
        limit = self._limit_of(path)
        declared = _header(scope, b"content-length")
        if declared is not None and (not declared.isdigit() or int(declared) > limit):
            if declared.isdigit():
                await _too_large(limit, path)(scope, receive, send)  # type: ignore[operator]
            else:
                bad = problem(
                    400, "Bad request", "Content-Length is not a number", "bad-request", path
                )
                await bad(scope, receive, send)
            return
        where = _control_in_target(scope)
        if where is not None:
            refused = problem(
                422,
                "Invalid input",
                f"the path or query string holds a control character ({where})",
                "invalid-input",
                path,
                errors=[
                    {
                        "loc": ["query"],
                        "msg": f"control character {where}",
                        "type": "control_character",
                    }
                ],
            )
            await refused(scope, receive, send)
            return
        received = 0
        started = False

        async def counting() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise BodyTooLarge(limit)
            return message

        async def sending(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, counting, sending)
        except BodyTooLarge:  # read outside a route (none does today): answered here
            if started:
                raise
            await _too_large(limit, path)(scope, receive, send)  # type: ignore[operator]


class RequestTimeout:
    """504 when the app has not started its answer within `seconds`; the work is then cancelled,
    which stops async code but not a sync handler's thread (module docstring)."""

    def __init__(self, app: ASGIApp, seconds: float) -> None:
        self.app = app
        self.seconds = seconds

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False
        timed_out = False

        async def sending(message: Message) -> None:
            nonlocal started
            if timed_out:
                return  # the client already has its 504
            started = started or message["type"] == "http.response.start"
            await send(message)

        work = asyncio.ensure_future(self.app(scope, receive, sending))
        try:
            done, _ = await asyncio.wait({work}, timeout=self.seconds)
            if work in done or started:
                await work
                return
            timed_out = True
            path = str(scope.get("path", ""))
            late = problem(
                504,
                "Request timed out",
                f"no answer within {self.seconds:g} s; the request may still be applied: retry "
                "it with the same Idempotency-Key",
                "timeout",
                path,
            )
            await late(scope, receive, send)
            # Cancelled, async work stops at its next await; a sync handler's thread runs on
            # to its end first (anyio waits for it), its answer dropped.
            work.cancel()
            await asyncio.gather(work, return_exceptions=True)
        except asyncio.CancelledError:
            work.cancel()
            raise


def _header(scope: Scope, key: bytes) -> str | None:
    for name, value in scope["headers"]:
        if name == key:
            return str(value.decode("latin-1")).strip()
    return None


def _control_in_target(scope: Scope) -> str | None:
    """The first control character in the decoded path or query string, as `U+XXXX at N`."""
    query = unquote_to_bytes(scope.get("query_string", b"").replace(b"+", b" "))
    for text in (str(scope.get("path", "")), query.decode("utf-8", errors="replace")):
        where = control_character(text)
        if where is not None:
            return where
    return None


def install(app: FastAPI, settings: Settings) -> None:
    """The edge's middleware, innermost first: the time bound, the body bound, then the rate
    limits (`api.ratelimit`) and CORS outside them."""
    from fengkong.api.ratelimit import RateLimit

    app.add_middleware(RequestTimeout, seconds=settings.api_request_timeout_seconds)
    upload_limit = max(settings.api_max_upload_bytes, settings.api_max_body_bytes)
    app.add_middleware(
        BodyLimit,
        limit=settings.api_max_body_bytes,
        uploads=dict.fromkeys(UPLOADS, upload_limit),
        upload_patterns=dict.fromkeys(UPLOAD_PATTERNS, upload_limit),
    )
    if settings.rate_limit_enabled:
        app.add_middleware(RateLimit, settings=settings)
    if settings.api_cors_origins:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=settings.api_cors_origins,
            allow_methods=["GET", "POST", "PUT", "PATCH", "DELETE"],
            allow_headers=["Authorization", "X-API-Key", "Content-Type", "Idempotency-Key"],
            expose_headers=["X-Request-ID", "Retry-After"],
        )


__all__ = ["UPLOADS", "UPLOAD_PATTERNS", "BodyLimit", "BodyTooLarge", "RequestTimeout", "install"]
