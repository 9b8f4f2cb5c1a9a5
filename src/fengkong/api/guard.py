"""The API's access check, one dependency for the whole app: the route's permission is looked up
in `fengkong.access.permissions`; public routes pass, others need credentials (401) and a role
granted the permission (403). A route the table does not know is refused (deny by default).

Also: the OpenAPI security schemes (bearer token, `X-API-Key`), so the documentation page has an
Authorize button and generated clients send credentials. A channel key's confinement to its own
applications and loans is `lending.ownership`'s, which the routes and the CLI call alike."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import FastAPI, Request, Security
from fastapi.responses import JSONResponse
from fastapi.security import APIKeyHeader, HTTPAuthorizationCredentials, HTTPBearer

from fengkong.access.permissions import (
    PUBLIC,
    ROUTE_PERMISSIONS,
    permits,
)
from fengkong.api.deps import API_KEY_HEADER, ContextDep, current_actor
from fengkong.core.errors import Forbidden

# Declared for OpenAPI only (auto_error off): `current_actor` reads the credentials itself.
bearer_scheme = HTTPBearer(
    scheme_name="bearer",
    description="A login session token or an API key: `Authorization: Bearer <secret>`",
    auto_error=False,
)
api_key_scheme = APIKeyHeader(
    name=API_KEY_HEADER,
    scheme_name="apiKey",
    description="An API key (`fkk_…`) in its own header",
    auto_error=False,
)


def route_of(request: Request) -> tuple[str, str]:
    """The request's method and matched route template, as `ROUTE_PERMISSIONS` keys them."""
    route = request.scope.get("route")
    return request.method, str(getattr(route, "path", ""))


async def authorize(
    request: Request,
    ctx: ContextDep,
    _bearer: Annotated[HTTPAuthorizationCredentials | None, Security(bearer_scheme)],
    _api_key: Annotated[str | None, Security(api_key_scheme)],
) -> None:
    """Let the request through when its route is public or the caller holds its permission."""
    key = route_of(request)
    if key in PUBLIC:
        return
    actor = await current_actor(request, ctx)
    permission = ROUTE_PERMISSIONS.get(key)
    if permission is None:
        raise Forbidden(f"no permission is declared for {key[0]} {key[1]}")
    if not permits(actor, permission):
        raise Forbidden(f"{actor.audit_name} may not {permission.value}")


def guarded_openapi_document(app: FastAPI) -> None:
    """Serve the OpenAPI document through the access check like any route: Starlette's own
    route for it does not pass through the app's dependencies. The documentation pages fetch it
    with the caller's session cookie, so a logged-in person's browser reads it."""
    path = app.openapi_url
    app.router.routes[:] = [
        r
        for r in app.router.routes
        if not (getattr(r, "path", None) == path and getattr(r, "name", None) == "openapi")
    ]

    @app.get(str(path), include_in_schema=False)
    def openapi_document() -> JSONResponse:
        return JSONResponse(app.openapi())


def public_openapi(app: FastAPI) -> None:
    """Mark the public operations of the app's OpenAPI document as needing no credentials."""
    plain = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is not None:
            return app.openapi_schema
        schema = plain()
        for path, operations in schema.get("paths", {}).items():
            for method, operation in operations.items():
                if (method.upper(), path) in PUBLIC and isinstance(operation, dict):
                    operation["security"] = []
        return schema

    app.openapi = openapi  # type: ignore[method-assign]
