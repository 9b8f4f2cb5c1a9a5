"""Every route of the console is declared with the permission it needs (or as public), and the
table names no route the console does not have; each role opens exactly the GET pages its
permissions allow (the rest answer 403, never a stack trace)."""

from __future__ import annotations

import pytest
from fastapi.routing import APIRoute, iter_route_contexts
from fastapi.testclient import TestClient
from starlette.routing import Mount

from fakes.access import STAFF
from fengkong.access.console_routes import CONSOLE_PUBLIC, CONSOLE_ROUTES
from fengkong.access.permissions import permits
from fengkong.bootstrap import Context
from fengkong.web.app import create_console
from fengkong.web.auth import PREFIX
from web.conftest import as_staff

MOUNTS = {"/static", "/vendor"}  # the console's own script, styles and vendored libraries


def console_routes(context: Context) -> set[tuple[str, str]]:
    found = set()
    for route_context in iter_route_contexts(create_console(context).routes):
        route = route_context.original_route
        if isinstance(route, Mount):
            assert route.path in MOUNTS, f"an unexpected mount: {route.path}"
        elif isinstance(route, APIRoute):
            methods = route_context.methods or ()
            found |= {(m, PREFIX + str(route_context.path)) for m in methods if m != "HEAD"}
    return found


def test_every_route_is_declared_and_every_declaration_is_a_route(context: Context) -> None:
    routes = console_routes(context)
    declared = set(CONSOLE_ROUTES) | CONSOLE_PUBLIC
    assert sorted(routes - declared) == [], "routes without a permission (deny by default)"
    assert sorted(declared - routes) == [], "declared routes the console does not have"
    assert not set(CONSOLE_ROUTES) & CONSOLE_PUBLIC


@pytest.mark.parametrize(
    "secret", ["fks_officer", "fks_risk", "fks_approver", "fks_auditor", "fks_admin", "fks_channel"]
)
def test_each_role_opens_the_pages_its_permissions_allow(
    console: TestClient, context: Context, secret: str
) -> None:
    actor = STAFF[secret]
    as_staff(console, secret)
    pages = sorted(p for m, p in CONSOLE_ROUTES if m == "GET" and "{" not in p)
    for path in pages:
        answer = console.get(path)
        allowed = permits(actor, CONSOLE_ROUTES[("GET", path)])
        if allowed:  # shown, or a redirect, or a form asking for what it lacks (`/open`)
            assert answer.status_code in (200, 303, 422), (secret, path, answer.status_code)
        else:
            assert answer.status_code == 403, (secret, path, answer.status_code)
        assert "Traceback" not in answer.text
