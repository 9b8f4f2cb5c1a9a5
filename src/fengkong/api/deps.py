"""Typed dependencies: the routes ask for what they need, the app state supplies it."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request, Response

from fengkong.access.logins import StartedSession
from fengkong.api.metrics import ApiMetrics
from fengkong.bootstrap import Context
from fengkong.core.actor import Actor
from fengkong.core.errors import Unauthenticated

API_KEY_HEADER = "X-API-Key"
SESSION_COOKIE = "fengkong_session"


# The dependencies are coroutines though they await nothing: FastAPI runs a plain function
# dependency on its thread pool, a hand-off per dependency per request that costs more than the
# work (the authentication below is one short indexed read).
async def get_context(request: Request) -> Context:
    ctx: Context = request.app.state.context
    return ctx


async def get_metrics(request: Request) -> ApiMetrics:
    metrics: ApiMetrics = request.app.state.metrics
    return metrics


ContextDep = Annotated[Context, Depends(get_context)]
MetricsDep = Annotated[ApiMetrics, Depends(get_metrics)]


def presented_secret(request: Request) -> str | None:
    """The credential a request carries: `Authorization: Bearer <secret>`, the `X-API-Key`
    header, or the console's session cookie, in that order."""
    scheme, _, value = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() == "bearer" and value.strip():
        return value.strip()
    key = request.headers.get(API_KEY_HEADER, "").strip()
    if key:
        return key
    return request.cookies.get(SESSION_COOKIE) or None


def set_session_cookie(response: Response, started: StartedSession, secure: bool) -> None:
    """Carry a new login's session in the browser's cookie: HttpOnly (no script reads it),
    SameSite=Strict (no other site sends it), Secure in production, as long as the session."""
    lifetime = started.session.expires_at - started.session.created_at
    response.set_cookie(
        SESSION_COOKIE,
        started.token,
        max_age=int(lifetime.total_seconds()),
        httponly=True,
        samesite="strict",
        secure=secure,
        path="/",
    )


async def current_actor(request: Request, ctx: ContextDep) -> Actor:
    """The authenticated actor of this request; 401 without valid credentials. Authenticated
    once per request: the access check (`api.guard`) and the route share the answer."""
    known: Actor | None = getattr(request.state, "actor", None)
    if known is not None:
        return known
    secret = presented_secret(request)
    if secret is None:
        raise Unauthenticated("send an API key or a session token: Authorization: Bearer <secret>")
    actor = ctx.authenticator.authenticate(secret)
    request.state.actor = actor
    return actor


ActorDep = Annotated[Actor, Depends(current_actor)]
