"""/v1/sessions and /v1/me: logging in and out over the API, and who a credential stands for.

A login answers with the session token and also sets it as the console's cookie
(`fengkong_session`: HttpOnly, SameSite=Strict, Secure in production), so a browser never hands
it to scripts or sends it from another site."""

from __future__ import annotations

import contextlib
from datetime import datetime

from fastapi import APIRouter, Request, Response, status
from pydantic import BaseModel, Field

from fengkong.access.logins import login, logout
from fengkong.access.ports import SESSION_PREFIX
from fengkong.api.deps import (
    SESSION_COOKIE,
    ActorDep,
    ContextDep,
    presented_secret,
    set_session_cookie,
)
from fengkong.core.errors import Invalid, Unauthenticated

router = APIRouter(tags=["sessions"])

PROBLEMS = {
    401: {"description": "Unknown login name, wrong password or TOTP code, locked (problem+json)"},
    422: {"description": "Invalid input, with field-level errors (problem+json)"},
}


class LoginIn(BaseModel):
    username: str = Field(min_length=1, max_length=64, description="The login name.")
    password: str = Field(min_length=1, max_length=1024)
    totp: str | None = Field(
        default=None, max_length=10, description="The authenticator app's code (approvers, admins)."
    )


class SessionOut(BaseModel):
    token: str = Field(description="The session token (`fks_…`): send it as a Bearer token.")
    expires_at: datetime = Field(description="The latest it lasts; unused, it ends sooner.")
    username: str
    roles: list[str]


class MeOut(BaseModel):
    name: str
    kind: str = Field(description="user or key")
    audit_name: str = Field(description="How the audit log names you: `user:alice`, `key:app`.")
    roles: list[str]
    channel: str | None = Field(description="The sales channel a channel key submits for.")


@router.post(
    "/v1/sessions",
    status_code=status.HTTP_201_CREATED,
    response_model=SessionOut,
    responses=PROBLEMS,  # type: ignore[arg-type]
)
def start_session(body: LoginIn, response: Response, ctx: ContextDep) -> SessionOut:
    """Log in with a password (and a TOTP code for approvers and admins)."""
    started = login(ctx.access, body.username, body.password, body.totp)
    set_session_cookie(response, started, secure=ctx.settings.env == "production")
    return SessionOut(
        token=started.token,
        expires_at=started.session.expires_at,
        username=started.user.login,
        roles=sorted(r.value for r in started.user.roles),
    )


@router.delete(
    "/v1/sessions/current",
    status_code=status.HTTP_204_NO_CONTENT,
    responses=PROBLEMS,  # type: ignore[arg-type]
)
def end_session(request: Request, ctx: ContextDep) -> Response:
    """Log out: the session of this request's token or cookie ends. Idempotent, as a DELETE is:
    a session that ended between the check of this request and now is answered 204 too."""
    secret = presented_secret(request)
    if secret is None:
        raise Unauthenticated("send the session token: Authorization: Bearer <token>")
    if not secret.startswith(SESSION_PREFIX):
        raise Invalid((), "an API key is not logged out: an admin revokes it")
    with contextlib.suppress(Unauthenticated):
        logout(ctx.access, secret)
    response = Response(status_code=status.HTTP_204_NO_CONTENT)
    response.delete_cookie(SESSION_COOKIE, path="/", httponly=True, samesite="strict")
    return response


@router.get("/v1/me", response_model=MeOut, responses={401: PROBLEMS[401]})
def me(actor: ActorDep) -> MeOut:
    """Who the presented credential stands for, and its roles."""
    return MeOut(
        name=actor.name,
        kind=actor.kind,
        audit_name=actor.audit_name,
        roles=sorted(r.value for r in actor.roles),
        channel=actor.channel,
    )
