"""A simulated external data provider: a small HTTP server speaking the providers' protocol
(`db.source_http`), answering from a callable, with seeded realistic latency, a share of 503
errors and a share of answers slower than any client waits for.

    with serving(answer, latency_ms=30, error_rate=0.1, timeout_rate=0.05, seed=7) as url:
        connector = HttpConnector("sim", url, None, timeout=0.5)

`answer(kind, subject, as_of, params) -> (payload, cost_fen)` is given per kind by whoever knows
the kind's synthetic documents (the simulator's population); raising `LookupError` answers 404
(no record of that subject), `core.errors.Invalid` 422.
"""

from __future__ import annotations

import json
import math
import random
import threading
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from fengkong.core.errors import Invalid
from fengkong.sources.kinds import SourceKind

__all__ = ["Behaviour", "ProviderAnswer", "serving"]

ProviderAnswer = Callable[
    [SourceKind, Mapping[str, str], date, Mapping[str, Any]], tuple[Mapping[str, Any], int]
]


@dataclass
class Behaviour:
    """How the provider misbehaves, drawn from one seeded generator (under a lock: the server
    answers on several threads). Latency is log-normal around `latency_ms` (its median)."""

    latency_ms: float = 30.0
    latency_sigma: float = 0.5
    error_rate: float = 0.0
    timeout_rate: float = 0.0
    slow_seconds: float = 5.0  # how long a "timeout" answer takes: longer than clients wait
    seed: int = 0
    _random: random.Random = field(init=False, repr=False)
    _lock: threading.Lock = field(init=False, repr=False, default_factory=threading.Lock)

    def __post_init__(self) -> None:
        for name in ("error_rate", "timeout_rate"):
            if not 0 <= getattr(self, name) <= 1:
                raise ValueError(f"{name} is a share between 0 and 1")
        self._random = random.Random(self.seed)

    def draw(self) -> tuple[str, float]:
        """What the next call gets ("error", "slow" or "answer") and after how many seconds."""
        with self._lock:
            roll = self._random.random()
            delay = self._random.lognormvariate(math.log(self.latency_ms), self.latency_sigma)
        if roll < self.error_rate:
            return "error", delay / 1000
        if roll < self.error_rate + self.timeout_rate:
            return "slow", self.slow_seconds
        return "answer", delay / 1000


def _handler(
    answer: ProviderAnswer, behaviour: Behaviour, token: str | None, stop: threading.Event
) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: Any) -> None:
            pass  # a simulation's calls are not worth a log line each

        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length)
            if token is not None and self.headers.get("Authorization") != f"Bearer {token}":
                return self._send(HTTPStatus.UNAUTHORIZED, {"error": "bad token"})
            prefix, _, kind_name = self.path.rpartition("/")
            if not prefix.endswith("/v1") or kind_name not in SourceKind._value2member_map_:
                return self._send(HTTPStatus.NOT_FOUND, {"error": "no such kind"})
            try:
                body = json.loads(raw)
                subject = {str(k): str(v) for k, v in body["subject"].items()}
                as_of = date.fromisoformat(body["as_of"])
                params = body.get("params") or {}
                if not isinstance(params, dict):
                    raise TypeError("params")
            except (ValueError, KeyError, TypeError, AttributeError):
                return self._send(HTTPStatus.BAD_REQUEST, {"error": "malformed request"})
            what, delay = behaviour.draw()
            if stop.wait(delay):
                return None  # shutting down
            if what == "error":
                return self._send(HTTPStatus.SERVICE_UNAVAILABLE, {"error": "busy"})
            if what == "slow":
                return self._send(HTTPStatus.GATEWAY_TIMEOUT, {"error": "too late"})
            try:
                payload, cost = answer(SourceKind(kind_name), subject, as_of, params)
            except LookupError:
                return self._send(HTTPStatus.NOT_FOUND, {"error": "no record of this subject"})
            except Invalid as exc:
                return self._send(HTTPStatus.UNPROCESSABLE_ENTITY, {"error": exc.detail})
            return self._send(HTTPStatus.OK, {"payload": dict(payload), "cost_fen": int(cost)})

        def _send(self, status: HTTPStatus, body: Mapping[str, Any]) -> None:
            data = json.dumps(body, ensure_ascii=False).encode("utf-8")
            try:
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)
            except (BrokenPipeError, ConnectionResetError):
                pass  # the client stopped waiting (a simulated timeout): nobody to answer

    return Handler


@contextmanager
def serving(
    answer: ProviderAnswer,
    *,
    latency_ms: float = 30.0,
    error_rate: float = 0.0,
    timeout_rate: float = 0.0,
    slow_seconds: float = 5.0,
    seed: int = 0,
    token: str | None = None,
) -> Iterator[str]:
    """A simulated provider on 127.0.0.1 and a free port, in a background thread, for the
    block; yields its base URL. With `token`, calls without that bearer token get 401."""
    behaviour = Behaviour(
        latency_ms=latency_ms,
        error_rate=error_rate,
        timeout_rate=timeout_rate,
        slow_seconds=slow_seconds,
        seed=seed,
    )
    stop = threading.Event()
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(answer, behaviour, token, stop))
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, name="sim-provider", daemon=True)
    thread.start()
    try:
        host, port = server.server_address[:2]
        yield f"http://{host!s}:{port}"
    finally:
        stop.set()  # slow answers stop waiting
        server.shutdown()
        server.server_close()
        thread.join()
