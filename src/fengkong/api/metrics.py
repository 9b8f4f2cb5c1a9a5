"""Prometheus metrics (request counts and latency by route, decisions by outcome, the connection
pool), the access log line and the request id of each request. Under `fengkong serve --workers N`
(N > 1) every worker writes its values to `PROMETHEUS_MULTIPROC_DIR` and a scrape of any worker
adds up all of them (prometheus_client's multiprocess mode)."""

from __future__ import annotations

import os
import time
from collections.abc import Mapping
from typing import Any

import structlog
from fastapi import FastAPI, Request, Response
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
    multiprocess,
)
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from fengkong.api.errors import problem
from fengkong.core import request_id as request_ids
from fengkong.core.clock import Clock
from fengkong.db.database import PoolStatus

log = structlog.get_logger("fengkong.api")


class ApiMetrics:
    """One set of collectors per app, in its own registry, so several apps can live in one
    process (tests, workers) without clashing."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.requests = Counter(
            "fengkong_http_requests_total",
            "HTTP requests by method, route and status",
            ["method", "route", "status"],
            registry=self.registry,
        )
        self.latency = Histogram(
            "fengkong_http_request_duration_seconds",
            "HTTP request latency by method and route",
            ["method", "route"],
            buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5),
            registry=self.registry,
        )
        self.decisions = Counter(
            "fengkong_decisions_total",
            "Credit decisions by outcome",
            ["outcome"],
            registry=self.registry,
        )

        self.identity_checks = Counter(
            "fengkong_identity_checks_total",
            "Identity-check calls answered, by check, provider and result",
            ["check", "provider", "result"],
            registry=self.registry,
        )
        self.identity_check_cost = Counter(
            "fengkong_identity_check_cost_fen_total",
            "What identity-check calls cost, fen, by check and provider",
            ["check", "provider"],
            registry=self.registry,
        )

        # One value per live worker, added up at a scrape: the server's pool is the sum of its
        # workers' pools; a dead worker's connections are gone with it ("livesum").
        self.pool_size = Gauge(
            "fengkong_db_pool_size",
            "Connections the database pools keep open (configured size)",
            registry=self.registry,
            multiprocess_mode="livesum",
        )
        self.pool_checked_out = Gauge(
            "fengkong_db_pool_checked_out",
            "Database connections lent to units of work now",
            registry=self.registry,
            multiprocess_mode="livesum",
        )
        self.pool_overflow = Gauge(
            "fengkong_db_pool_overflow",
            "Connections open beyond the pools' size (negative: fewer than the size are open)",
            registry=self.registry,
            multiprocess_mode="livesum",
        )

        # Admission control (`api.admission`): the worker's queue in front of its routes.
        self.in_flight = Gauge(
            "fengkong_http_in_flight",
            "Requests being served now",
            registry=self.registry,
            multiprocess_mode="livesum",
        )
        self.waiting = Gauge(
            "fengkong_http_waiting",
            "Requests waiting for a turn to be served",
            registry=self.registry,
            multiprocess_mode="livesum",
        )
        self.shed = Counter(
            "fengkong_http_shed_total",
            "Requests answered 503 without being served, by reason (queue_full, waited_too_long)",
            ["reason"],
            registry=self.registry,
        )
        self.wait = Histogram(
            "fengkong_http_wait_seconds",
            "How long admitted and shed requests waited for a turn",
            buckets=(0.0005, 0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5),
            registry=self.registry,
        )

    def observe_pool(self, status: PoolStatus) -> None:
        self.pool_size.set(status.size)
        self.pool_checked_out.set(status.checked_out)
        self.pool_overflow.set(status.overflow)

    def render(self) -> Response:
        """This process's metrics; under multiprocess mode, every worker's, added up."""
        if multiprocess_dir() is None:
            return Response(generate_latest(self.registry), media_type=CONTENT_TYPE_LATEST)
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)  # type: ignore[no-untyped-call]
        return Response(generate_latest(registry), media_type=CONTENT_TYPE_LATEST)


MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"


def multiprocess_dir() -> str | None:
    """Where workers write their metrics when several serve (prometheus_client reads the same
    variable when it is imported, to choose file-backed values); None: one process."""
    return os.environ.get(MULTIPROC_ENV) or None


def worker_exited(pid: int | None = None) -> None:
    """Drop a finished worker's live gauges from the sums (its counters stay counted)."""
    if multiprocess_dir() is not None:
        multiprocess.mark_process_dead(os.getpid() if pid is None else pid)  # type: ignore[no-untyped-call]


def route_of(request: Request) -> str:
    """The route template (`/v1/applications/{application_id}`), not the raw path, so ids do not
    explode the label set."""
    return _route(request.scope)


def _route(scope: Mapping[str, Any]) -> str:
    return str(getattr(scope.get("route"), "path", "unmatched"))


class MeasureRequests:
    """Counts, times and logs every HTTP request, in one access line (method, route template,
    status, duration, request id), and carries its request id: the caller's `X-Request-ID` when
    sane (`core.request_id`), else a new one, set for the stores that write decisions and audit
    records, bound to every log line of the request, and echoed on the response, errors
    included. A plain ASGI middleware: Starlette's `BaseHTTPMiddleware` (what
    `@app.middleware("http")` builds) runs each request through an extra task and memory
    streams, which cost more than the rest of a small request's shell."""

    def __init__(self, app: ASGIApp, metrics: ApiMetrics, clock: Clock) -> None:
        self.app = app
        self.metrics = metrics
        self.clock = clock

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500
        responded = False
        rid = request_ids.accepted(_header(scope, _REQUEST_ID_KEY), self.clock)
        echoed = (_REQUEST_ID_KEY, rid.encode("ascii"))

        async def sending(message: Message) -> None:
            nonlocal status, responded
            if message["type"] == "http.response.start":
                status = message["status"]
                responded = True
                message = {**message, "headers": [*message.get("headers", ()), echoed]}
            await send(message)

        token = request_ids.serving(rid)
        bound = structlog.contextvars.bind_contextvars(request_id=rid)
        try:
            await self.app(scope, receive, sending)
        except Exception:
            if not responded:  # what Starlette would send, as problem+json with the request id
                await _internal_error(scope)(scope, receive, sending)
            raise
        finally:
            route = _route(scope)  # the router records the matched route in the shared scope
            method = scope["method"]
            elapsed = time.perf_counter() - started
            self.metrics.requests.labels(method, route, str(status)).inc()
            self.metrics.latency.labels(method, route).observe(elapsed)
            log.info(
                "request",
                method=method,
                route=route,
                status=status,
                duration_ms=round(elapsed * 1000, 2),
                request_id=rid,
            )
            structlog.contextvars.reset_contextvars(**bound)
            request_ids.done(token)


_REQUEST_ID_KEY = request_ids.HEADER.lower().encode("ascii")


def _header(scope: Scope, key: bytes) -> str | None:
    """The first value of header `key` (lower case), as text; None when absent."""
    for name, value in scope["headers"]:
        if name == key:
            return str(value.decode("latin-1"))
    return None


def _internal_error(scope: Scope) -> Response:
    return problem(
        500,
        "Internal error",
        f"the server failed; quote the {request_ids.HEADER} response header when reporting it",
        "internal-error",
        str(scope.get("path", "")),
    )


def install(app: FastAPI, metrics: ApiMetrics, clock: Clock) -> None:
    app.add_middleware(MeasureRequests, metrics=metrics, clock=clock)
