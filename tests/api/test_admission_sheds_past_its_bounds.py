"""Admission control (`api.admission`): a worker serves `in_flight` requests at once, lets
`waiting` more wait their turn first come first served, and answers any other at once with 503
problem+json and `Retry-After` (a full queue, or a wait past its bound) before its work starts;
`/healthz` and `/metrics` are always served. The served app here is a route that holds each
request until the test lets it go, so which request is where is known, not timed."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx
import pytest
from prometheus_client import generate_latest
from starlette.types import Receive, Scope, Send

from fengkong.api.admission import Admission, AdmissionLimits
from fengkong.api.metrics import ApiMetrics


class HeldRoute:
    """An ASGI app that answers 200 with its path once the test releases it."""

    def __init__(self) -> None:
        self.started: list[str] = []
        self.release = asyncio.Event()
        self.arrived = asyncio.Condition()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        async with self.arrived:
            self.started.append(scope["path"])
            self.arrived.notify_all()
        if scope["path"] not in ("/healthz", "/metrics"):
            await self.release.wait()
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": scope["path"].encode()})

    async def until_started(self, n: int) -> None:
        async with self.arrived:
            await self.arrived.wait_for(lambda: len(self.started) >= n)


@asynccontextmanager
async def served(
    limits: AdmissionLimits,
) -> AsyncIterator[tuple[httpx.AsyncClient, HeldRoute, ApiMetrics]]:
    route, metrics = HeldRoute(), ApiMetrics()
    app = Admission(route, limits, metrics)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://api") as client:
        yield client, route, metrics


def _busy(response: httpx.Response, reason: str) -> None:
    assert response.status_code == 503, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    assert response.headers["retry-after"] == "1"
    doc = response.json()
    assert doc["type"].endswith("/server-busy") and doc["reason"] == reason


def _metric(metrics: ApiMetrics, line_start: str) -> float:
    text = generate_latest(metrics.registry).decode()
    line = next(x for x in text.splitlines() if x.startswith(line_start))
    return float(line.rsplit(" ", 1)[1])


async def _waiting(metrics: ApiMetrics, n: int) -> None:
    while _metric(metrics, "fengkong_http_waiting ") < n:
        await asyncio.sleep(0)


@pytest.mark.anyio
async def test_a_full_queue_sheds_at_once_and_the_waiting_are_served_in_turn() -> None:
    async with served(AdmissionLimits(in_flight=1, waiting=2, wait_seconds=60)) as (
        client,
        route,
        metrics,
    ):
        first = asyncio.create_task(client.get("/one"))
        await route.until_started(1)
        second = asyncio.create_task(client.get("/two"))
        third = asyncio.create_task(client.get("/three"))
        await _waiting(metrics, 2)
        _busy(await client.get("/four"), "queue_full")  # a third would-be waiter
        assert route.started == ["/one"]  # the others have not started their work
        assert _metric(metrics, "fengkong_http_in_flight ") == 1
        # Watched while full: health and metrics pass the queue.
        assert (await client.get("/healthz")).status_code == 200
        route.release.set()
        answers = await asyncio.gather(first, second, third)
        assert [a.status_code for a in answers] == [200, 200, 200]
        assert route.started == ["/one", "/healthz", "/two", "/three"]  # first come first served
        assert _metric(metrics, 'fengkong_http_shed_total{reason="queue_full"}') == 1
        assert _metric(metrics, "fengkong_http_in_flight ") == 0
        assert _metric(metrics, "fengkong_http_waiting ") == 0


@pytest.mark.anyio
async def test_a_request_that_waits_past_its_bound_is_shed_and_its_place_freed() -> None:
    async with served(AdmissionLimits(in_flight=1, waiting=5, wait_seconds=0.01)) as (
        client,
        route,
        metrics,
    ):
        first = asyncio.create_task(client.get("/one"))
        await route.until_started(1)
        _busy(await client.get("/late"), "waited_too_long")
        assert _metric(metrics, "fengkong_http_waiting ") == 0
        route.release.set()
        assert (await first).status_code == 200
        # The turn is free again: the next request is served without waiting.
        assert (await client.get("/next")).status_code == 200
        assert route.started == ["/one", "/next"]
        assert _metric(metrics, 'fengkong_http_shed_total{reason="waited_too_long"}') == 1


@pytest.mark.anyio
async def test_a_waiter_whose_client_leaves_gives_up_its_place() -> None:
    async with served(AdmissionLimits(in_flight=1, waiting=1, wait_seconds=60)) as (
        client,
        route,
        metrics,
    ):
        first = asyncio.create_task(client.get("/one"))
        await route.until_started(1)
        gone = asyncio.create_task(client.get("/gone"))
        await _waiting(metrics, 1)
        gone.cancel()
        with pytest.raises(asyncio.CancelledError):
            await gone
        assert _metric(metrics, "fengkong_http_waiting ") == 0
        # Its place in the queue is free: another may wait, and is served in turn.
        after = asyncio.create_task(client.get("/after"))
        await _waiting(metrics, 1)
        route.release.set()
        assert [(await first).status_code, (await after).status_code] == [200, 200]
        assert route.started == ["/one", "/after"]


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"
