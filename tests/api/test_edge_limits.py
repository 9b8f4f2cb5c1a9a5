"""The HTTP edge's bounds, each configured in settings: rate limits per presented credential and
per source address (429 problem+json with Retry-After, `/healthz` exempt), kept in memory or in
Redis; the larger body limit of the list import only; the request time bound (504); CORS closed
unless origins are configured."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from fakes.access import bearer
from fakes.api import api_client
from fengkong.api import guard
from fengkong.bootstrap import bootstrap
from fengkong.core.clock import FakeClock
from fengkong.core.settings import Settings

REDIS_URL = "redis://127.0.0.1:6379/0"

Client = Callable[..., Any]


@pytest.fixture
def client_with(tmp_path: Path, clock: FakeClock) -> Iterator[Client]:
    """Open a test client on an app whose settings take `changes`; all closed at the end."""
    with ExitStack() as stack:

        def open_(**changes: Any) -> TestClient:
            settings = Settings(
                env="test",
                home=tmp_path / "home",
                database_url=f"sqlite:///{tmp_path / 'fengkong.db'}",
                **changes,
            )
            ctx = bootstrap(settings, clock=clock)
            stack.callback(ctx.close)
            return stack.enter_context(api_client(ctx))

        yield open_


def _too_many(response: Any) -> None:
    assert response.status_code == 429, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    assert int(response.headers["retry-after"]) >= 1
    doc = response.json()
    assert doc["status"] == 429 and doc["title"] == "Too many requests"


def test_an_address_over_its_limit_gets_429_and_healthz_is_exempt(client_with: Client) -> None:
    client = client_with(rate_limit_per_address="3/minute")
    assert [client.get("/v1/loans/nope").status_code for _ in range(3)] == [404] * 3
    _too_many(client.get("/v1/loans/nope"))
    assert all(client.get("/healthz").status_code == 200 for _ in range(10))


def test_each_credential_has_its_own_limit(client_with: Client) -> None:
    client = client_with(rate_limit_per_credential="2/minute", rate_limit_per_address="100/minute")
    officer, approver = bearer("fks_officer"), bearer("fks_approver")
    assert [client.get("/v1/loans/x", headers=officer).status_code for _ in range(2)] == [404] * 2
    _too_many(client.get("/v1/loans/x", headers=officer))
    same_secret = {"Authorization": "", "X-API-Key": "fks_officer"}
    _too_many(client.get("/v1/loans/x", headers=same_secret))
    assert client.get("/v1/loans/x", headers=approver).status_code == 404
    # No credential: only the address's limit, then authentication refuses it.
    assert client.get("/v1/loans/x", headers={"Authorization": ""}).status_code == 401


def test_forwarded_for_counts_only_behind_a_trusted_proxy(client_with: Client) -> None:
    def hits(client: TestClient) -> list[int]:
        return [
            client.get("/v1/loans/x", headers={"X-Forwarded-For": f"203.0.113.{n}"}).status_code
            for n in range(3)
        ]

    assert hits(client_with(rate_limit_per_address="2/minute")) == [404, 404, 429]
    trusted = client_with(rate_limit_per_address="2/minute", rate_limit_trust_forwarded_for=True)
    assert hits(trusted) == [404, 404, 404]


@pytest.mark.redis
def test_workers_share_their_counters_in_redis(client_with: Client) -> None:
    secret = {"Authorization": f"Bearer fks_{uuid.uuid4().hex}"}  # fresh counters in Redis
    limits = {"rate_limit_per_credential": "3/minute", "rate_limit_per_address": "1000/minute"}
    first = client_with(redis_url=REDIS_URL, **limits)
    second = client_with(rate_limit_storage_url=REDIS_URL, **limits)
    # A secret the app does not know is refused (401), and counted all the same: the limits
    # stand in front of authentication.
    assert [first.get("/v1/loans/x", headers=secret).status_code for _ in range(3)] == [401] * 3
    _too_many(second.get("/v1/loans/x", headers=secret))


def test_rate_limits_can_be_switched_off(client_with: Client) -> None:
    client = client_with(rate_limit_per_address="1/minute", rate_limit_enabled=False)
    assert {client.get("/v1/loans/x").status_code for _ in range(5)} == {404}


def test_only_the_list_import_takes_a_larger_body(client_with: Client) -> None:
    client = client_with(api_max_body_bytes=64 * 1024, api_max_upload_bytes=1024 * 1024)
    csv = "list,key_type,value,reason,source,expires_at\n" + "x" * (512 * 1024)
    imported = client.post("/v1/lists/import", content=csv, headers={"content-type": "text/csv"})
    assert imported.status_code != 413 and imported.status_code < 500, imported.text
    refused = client.post(
        "/v1/applications", content=csv, headers={"content-type": "application/json"}
    )
    assert refused.status_code == 413 and refused.json()["limit"] == 64 * 1024


def test_a_request_over_its_time_gets_504(
    client_with: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Long enough for the request to reach its handler on a loaded machine: work cancelled
    # before it starts has nothing to show for it.
    client = client_with(api_request_timeout_seconds=1.0)
    entered, cancelled = asyncio.Event(), asyncio.Event()

    async def stuck() -> dict[str, str]:
        entered.set()
        try:
            await asyncio.sleep(3600)
        except asyncio.CancelledError:
            cancelled.set()
            raise
        return {}

    client.app.add_api_route("/stuck", stuck)  # type: ignore[attr-defined]
    # Deny by default: a route must be declared to be reached at all.
    monkeypatch.setattr(guard, "PUBLIC", guard.PUBLIC | {("GET", "/stuck")})
    response = client.get("/stuck")
    assert response.status_code == 504
    assert response.headers["content-type"].startswith("application/problem+json")
    assert response.json()["type"].endswith("/timeout")
    assert entered.is_set() and cancelled.is_set()
    assert client.get("/healthz").status_code == 200


def test_cors_is_closed_unless_origins_are_configured(client_with: Client) -> None:
    preflight = {
        "Origin": "https://console.example",
        "Access-Control-Request-Method": "POST",
    }
    closed = client_with().options("/v1/applications", headers=preflight)
    assert "access-control-allow-origin" not in closed.headers
    opened = client_with(api_cors_origins=["https://console.example"]).options(
        "/v1/applications", headers=preflight
    )
    assert opened.headers["access-control-allow-origin"] == "https://console.example"
    other = client_with(api_cors_origins=["https://console.example"]).options(
        "/v1/applications", headers={**preflight, "Origin": "https://evil.example"}
    )
    assert "access-control-allow-origin" not in other.headers


def test_settings_refuse_a_malformed_rate_or_origin() -> None:
    with pytest.raises(ValueError, match="rate limit"):
        Settings(rate_limit_per_address="lots")
    with pytest.raises(ValueError, match="origin"):
        Settings(api_cors_origins=["console.example"])


def test_a_rate_limit_store_that_does_not_answer_lets_requests_through(
    client_with: Client,
) -> None:
    client = client_with(
        rate_limit_storage_url="redis://127.0.0.1:1/0", rate_limit_per_address="1/minute"
    )
    assert [client.get("/v1/loans/x").status_code for _ in range(3)] == [404] * 3
