"""Admission control: how many requests a worker serves at once, how many may wait for their
turn, and for how long; past those bounds a request is answered at once with 503 and
`Retry-After`, before any of its work starts, rather than queued into seconds.

A worker serving more requests at once than it has use for only shares its one core (and its
interpreter lock) more thinly: every request gets slower and none finishes sooner. Requests
beyond `api_max_in_flight` therefore wait, first come first served, on the event loop (a waiting
request costs no thread and no database connection); a request that finds `api_max_waiting`
already waiting, or that waits longer than `api_max_wait_ms`, is shed. A shed request did
nothing: the client retries it (with its `Idempotency-Key` where it moves money) after
`Retry-After`. Health and metrics are never shed, so an overloaded server can still be watched.

Per worker: with N workers the server serves N × `api_max_in_flight` requests at once.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections import deque
from dataclasses import dataclass

from fastapi import FastAPI
from fastapi.responses import JSONResponse
from starlette.types import ASGIApp, Receive, Scope, Send

from fengkong.api.errors import problem
from fengkong.api.metrics import ApiMetrics
from fengkong.core.settings import Settings

RETRY_AFTER_SECONDS = 1
# Always admitted: the load balancer's probe and the scraper must see an overloaded server.
UNLIMITED_PATHS = frozenset({"/healthz", "/metrics"})


@dataclass(frozen=True, slots=True)
class AdmissionLimits:
    in_flight: int  # requests served at once
    waiting: int  # requests allowed to wait for a turn
    wait_seconds: float  # how long one may wait


class Admission:
    """The bounds of `AdmissionLimits`, as plain ASGI middleware (one event loop per worker, so
    the counts need no lock)."""

    def __init__(self, app: ASGIApp, limits: AdmissionLimits, metrics: ApiMetrics) -> None:
        self.app = app
        self.limits = limits
        self.metrics = metrics
        self._free = limits.in_flight
        self._waiters: deque[asyncio.Future[None]] = deque()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope.get("path") in UNLIMITED_PATHS:
            await self.app(scope, receive, send)
            return
        refused = await self._admit()
        if refused is not None:
            self.metrics.shed.labels(refused).inc()
            await _busy(refused, str(scope.get("path", "")))(scope, receive, send)
            return
        self.metrics.in_flight.inc()
        try:
            await self.app(scope, receive, send)
        finally:
            self.metrics.in_flight.dec()
            self._release()

    async def _admit(self) -> str | None:
        """None once the request holds a turn; else why it was refused."""
        if self._free > 0 and not self._waiters:
            self._free -= 1
            self.metrics.wait.observe(0.0)
            return None
        if len(self._waiters) >= self.limits.waiting:
            return "queue_full"
        turn: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._waiters.append(turn)
        self.metrics.waiting.inc()
        started = time.perf_counter()
        try:
            async with asyncio.timeout(self.limits.wait_seconds):
                await turn
        except TimeoutError:
            if turn.done() and not turn.cancelled():
                return None  # the turn came as the time ran out: it is this request's
            self._forget(turn)
            return "waited_too_long"
        except asyncio.CancelledError:  # the client went away while waiting
            if turn.done() and not turn.cancelled():
                self._release()  # handed a turn it will not use: pass it on
            else:
                self._forget(turn)
            raise
        finally:
            self.metrics.waiting.dec()
            self.metrics.wait.observe(time.perf_counter() - started)
        return None

    def _release(self) -> None:
        """Hand the finished request's turn to the longest waiting one, or free it."""
        while self._waiters:
            turn = self._waiters.popleft()
            if not turn.done():
                turn.set_result(None)
                return
        self._free += 1

    def _forget(self, turn: asyncio.Future[None]) -> None:
        with contextlib.suppress(ValueError):  # already handed on and skipped
            self._waiters.remove(turn)


def _busy(reason: str, path: str) -> JSONResponse:
    detail = (
        "the server is at capacity and its queue is full; retry after the Retry-After seconds"
        if reason == "queue_full"
        else "the server is at capacity and no turn came free in time; retry after the "
        "Retry-After seconds"
    )
    answer = problem(503, "Service unavailable", detail, "server-busy", path, reason=reason)
    answer.headers["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return answer


def install(app: FastAPI, settings: Settings, metrics: ApiMetrics) -> None:
    """Outside the edge's limits and inside the request measurement, so a shed request is
    counted and logged like any other."""
    limits = AdmissionLimits(
        in_flight=settings.api_max_in_flight,
        waiting=settings.api_max_waiting,
        wait_seconds=settings.api_max_wait_ms / 1000,
    )
    app.add_middleware(Admission, limits=limits, metrics=metrics)
