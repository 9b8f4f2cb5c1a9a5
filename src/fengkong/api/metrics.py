"""Prometheus metrics: request counts and latency by route, decisions by outcome."""

from __future__ import annotations

import time
from collections.abc import Mapping
from typing import Any

import structlog
from fastapi import FastAPI, Request, Response
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
)
from starlette.types import ASGIApp, Message, Receive, Scope, Send

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

    def render(self) -> Response:
        return Response(generate_latest(self.registry), media_type=CONTENT_TYPE_LATEST)


def route_of(request: Request) -> str:
    """The route template (`/v1/applications/{application_id}`), not the raw path, so ids do not
    explode the label set."""
    return _route(request.scope)


def _route(scope: Mapping[str, Any]) -> str:
    return str(getattr(scope.get("route"), "path", "unmatched"))


class MeasureRequests:
    """Counts, times and logs every HTTP request. A plain ASGI middleware: Starlette's
    `BaseHTTPMiddleware` (what `@app.middleware("http")` builds) runs each request through an
    extra task and memory streams, which cost more than the rest of a small request's shell."""

    def __init__(self, app: ASGIApp, metrics: ApiMetrics) -> None:
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500

        async def sending(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, sending)
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
            )


def install(app: FastAPI, metrics: ApiMetrics) -> None:
    app.add_middleware(MeasureRequests, metrics=metrics)
