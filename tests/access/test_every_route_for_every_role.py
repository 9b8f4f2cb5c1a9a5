"""Every route of the app, called by every role and by nobody: each is declared (a permission in
`ROUTE_PERMISSIONS`, or public), nobody gets 401 on a non-public one, a role not granted the
permission gets 403, a role granted it gets past the check (a 404 or 422 on dummy ids and an
empty body is fine), and the table names no route the app does not have."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from fastapi.routing import APIRoute, iter_route_contexts
from fastapi.testclient import TestClient
from starlette.routing import Mount

from fakes.access import STAFF, bearer
from fengkong.access.permissions import GRANTS, PUBLIC, PUBLIC_MOUNTS, ROUTE_PERMISSIONS
from fengkong.api.app import create_app
from fengkong.bootstrap import Context
from fengkong.core.actor import Actor, Role

# One actor per role.
ROLE_SECRETS = {
    secret: actor
    for secret, actor in STAFF.items()
    if len(actor.roles) == 1 and secret != "fks_approver2"
}
PARAM = re.compile(r"\{(\w+)(?::\w+)?\}")
DUMMY = {"action": "freeze"}


def api_routes(app: object) -> list[tuple[str, str]]:
    """(method, path template) of every FastAPI route, HEAD left out (it follows GET)."""
    found: list[tuple[str, str]] = []
    for context in iter_route_contexts(app.routes):  # type: ignore[attr-defined]
        if isinstance(context.original_route, APIRoute):
            for method in sorted(context.methods or ()):
                found.append((method, str(context.path)))
    return found


def other_routes(app: object) -> list[tuple[str, str]]:
    """Starlette's own routes (the OpenAPI document) and mounts, which the access check, a
    FastAPI dependency, does not see: each must be public."""
    found: list[tuple[str, str]] = []
    for context in iter_route_contexts(app.routes):  # type: ignore[attr-defined]
        route = context.original_route
        if isinstance(route, Mount):
            found.append(("MOUNT", route.path))
        elif not isinstance(route, APIRoute):
            found += [(m, str(context.path)) for m in sorted(context.methods or ())]
    return found


def concrete(path: str) -> str:
    return PARAM.sub(lambda m: DUMMY.get(m.group(1), f"x-{m.group(1)}"), path)


@pytest.fixture
def client(context: Context) -> Iterator[TestClient]:
    with TestClient(create_app(context), raise_server_exceptions=False) as c:
        yield c


def call(client: TestClient, method: str, path: str, headers: dict[str, str]) -> int:
    kwargs: dict[str, object] = {"headers": headers | {"Idempotency-Key": "k-1"}}
    if method in ("POST", "PUT", "PATCH"):
        kwargs["json"] = {}
    return client.request(method, concrete(path), **kwargs).status_code  # type: ignore[arg-type]


def test_every_route_is_declared(context: Context) -> None:
    app = create_app(context)
    undeclared = [r for r in api_routes(app) if r not in ROUTE_PERMISSIONS and r not in PUBLIC]
    assert undeclared == [], f"routes neither in ROUTE_PERMISSIONS nor PUBLIC: {undeclared}"
    unseen = [
        r
        for r in other_routes(app)
        if (r[0] == "MOUNT" and r[1] not in PUBLIC_MOUNTS) or (r[0] != "MOUNT" and r not in PUBLIC)
    ]
    assert unseen == [], f"routes the access check does not see, and not public: {unseen}"


def test_the_table_names_only_real_routes(context: Context) -> None:
    real = set(api_routes(create_app(context)))
    stale = sorted(set(ROUTE_PERMISSIONS) - real)
    assert stale == [], f"ROUTE_PERMISSIONS names routes the app does not have: {stale}"
    assert not set(ROUTE_PERMISSIONS) & PUBLIC
    assert set(GRANTS) >= set(ROUTE_PERMISSIONS.values())


def test_every_route_for_every_role(client: TestClient) -> None:
    wrong: list[str] = []
    for method, path in api_routes(client.app):
        if (method, path) in PUBLIC:
            continue
        permission = ROUTE_PERMISSIONS[(method, path)]
        nobody = call(client, method, path, {})
        if nobody != 401:
            wrong.append(f"{method} {path} without credentials: {nobody}, not 401")
        for secret, actor in ROLE_SECRETS.items():
            got = call(client, method, path, bearer(secret))
            granted = not actor.roles.isdisjoint(GRANTS[permission])
            if granted and got in (401, 403):
                wrong.append(f"{method} {path} as {_role(actor)} (granted): {got}")
            if not granted and got != 403:
                wrong.append(f"{method} {path} as {_role(actor)} (not granted): {got}, not 403")
    assert wrong == [], "\n".join(wrong)


def test_public_routes_need_no_credentials(client: TestClient) -> None:
    for method, path in sorted(PUBLIC):
        if "{" in path or path == "/v1/sessions" or method == "HEAD":
            continue  # logging in is the authentication package's, tested there
        answer = client.request(method, path, follow_redirects=False)
        assert answer.status_code in (200, 307), (method, path)  # the root sends to /console/


def test_a_401_says_how_to_authenticate(client: TestClient) -> None:
    response = client.get("/v1/review/items")
    assert response.status_code == 401
    assert response.headers["www-authenticate"].startswith("Bearer")
    assert response.headers["content-type"] == "application/problem+json"
    assert client.get("/v1/review/items", headers=bearer("fks_nobody")).status_code == 401
    assert client.get("/v1/review/items", headers={"X-API-Key": "fks_officer"}).status_code == 200


def test_the_schema_offers_bearer_and_api_key(client: TestClient) -> None:
    schema = client.get("/openapi.json", headers=bearer("fks_channel")).json()
    schemes = schema["components"]["securitySchemes"]
    assert schemes["bearer"] == schemes["bearer"] | {"type": "http", "scheme": "bearer"}
    assert schemes["apiKey"] == schemes["apiKey"] | {"type": "apiKey", "name": "X-API-Key"}
    assert schema["paths"]["/healthz"]["get"]["security"] == []
    assert {"bearer": []} in schema["paths"]["/v1/review/items"]["get"]["security"]


def _role(actor: Actor) -> str:
    return ",".join(sorted(actor.roles))


def test_the_auditor_reads_everything_and_changes_nothing() -> None:
    auditor = {p for p, roles in GRANTS.items() if Role.AUDITOR in roles}
    unread = [r for r, p in ROUTE_PERMISSIONS.items() if r[0] == "GET" and p not in auditor]
    assert unread == []
    # POSTs that only look up (the value searched for goes in the body, never in a URL).
    lookups = {"/v1/customers/search", "/v1/consents/search", "/v1/lists/entries/search"}
    changes = [r for r, p in ROUTE_PERMISSIONS.items() if r[0] != "GET" and p in auditor]
    # …and logging out, which ends the auditor's own session and changes no lending record.
    assert sorted(changes) == sorted(
        [("POST", path) for path in lookups] + [("DELETE", "/v1/sessions/current")]
    )


def test_the_admin_does_no_lending() -> None:
    admin = {p.value for p, roles in GRANTS.items() if Role.ADMIN in roles}
    # users and keys, the platform's own jobs (end of day, backups, key rotation), its metrics
    assert admin == {
        "users.manage",
        "users.read",
        "operations.run",
        "metrics.read",
        "api.docs",
        "session.own",
        "console.use",
    }
