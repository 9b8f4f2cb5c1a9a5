"""`Idempotency-Key` on every state-changing request (POST, PUT, PATCH, DELETE): a repeat of a
request is answered with the first one's response instead of running again (docs/idempotency.md).

A pure ASGI middleware, so it sees the exact response the route sent. The key's scope is the
credential the request presents (hashed), the method, the path and the key; the request's
fingerprint is the hash of its query string and body (JSON canonicalised). The first request
with a key claims it in `idempotency_records` (`db.idempotency`) before the route runs and
stores the response's status, content type, location and body before the last byte goes out. A
repeat with the same fingerprint gets that response (marked `Idempotent-Replayed: true`), after
waiting for the first to finish if it is still running (`idempotency_wait_seconds`; then 409); a
repeat with another fingerprint gets 422. A running request's claim is a lease its worker renews
(`_LeaseKeeper`, every quarter of `idempotency_lease_seconds`): when a worker dies mid-request the
lease lapses, a repeat claims the key afresh and runs knowing the request id of the attempt that
died (`core.request_id.earlier_attempt`), so that a route can answer with what that attempt
committed before it died instead of doing it twice. Only a success (2xx) is kept: after an error
answer (invalid input, a refusal, a failure) or a response over `idempotency_max_body_bytes` the
key is released, so a corrected request may use it and a repeat runs afresh, where the use cases' own
idempotency (a repayment's key in the journal) still applies it at most once.

Routes that require the header keep declaring it (`routes.loans.IdempotencyKey`); elsewhere it
is optional, and a request without it runs as before.
"""

from __future__ import annotations

import hashlib
import json
import logging
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import cached_property

import anyio
from sqlalchemy.exc import TimeoutError as PoolTimeout
from starlette.datastructures import Headers
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from fengkong.api.deps import presented_secret
from fengkong.api.errors import database_busy, problem
from fengkong.bootstrap import Context
from fengkong.core import request_id as request_ids
from fengkong.core.clock import Clock
from fengkong.db.idempotency import (
    Claimed,
    IdempotencyClaim,
    IdempotencyRecord,
    SqlIdempotencyRecords,
)

log = logging.getLogger(__name__)

HEADER = "Idempotency-Key"
REPLAYED_HEADER = "Idempotent-Replayed"
MAX_KEY_LENGTH = 100
WRITES = frozenset({"POST", "PUT", "PATCH", "DELETE"})
# What a replay repeats of the first response's headers; the rest (request id, length) are
# the replay's own.
KEPT_HEADERS = ("content-type", "location", "content-language")
_FIRST_POLL = 0.01
_LONGEST_POLL = 0.2


def keeps(status: int) -> bool:
    """Whether a response with this status is stored for repeats of its request: successes
    only. An error depends on the moment (a 409, a 5xx) or on a body the client will correct (a
    422), and nothing was done that a repeat could do twice."""
    return 200 <= status < 300


def fingerprint(query: bytes, body: bytes) -> str:
    """sha256 of the query string and the body; a JSON body canonicalised (key order and
    spacing do not matter)."""
    try:
        document = json.loads(body) if body else None
        canonical = json.dumps(document, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
        content = b"json:" + canonical.encode("utf-8")
    except (ValueError, UnicodeDecodeError):
        content = b"raw:" + body
    return hashlib.sha256(query + b"\n" + content).hexdigest()


def scope_hash(secret: str | None, method: str, path: str, key: str) -> str:
    """What a key is unique within: the credential (its sha256, never itself), method, path."""
    credential = hashlib.sha256((secret or "").encode("utf-8")).hexdigest()
    return hashlib.sha256(json.dumps([credential, method, path, key]).encode("utf-8")).hexdigest()


class _LeaseKeeper:
    """Renews the leases of the claims this worker's running requests hold, every `every`
    seconds, from a thread of its own: a busy event loop or a full thread pool must not let a
    live request's lease lapse. The thread starts with the first claim and ends once a round
    finds none held."""

    def __init__(self, records: SqlIdempotencyRecords, clock: Clock, every: float) -> None:
        self.records = records
        self.clock = clock
        self.every = every
        self._held: set[tuple[str, datetime]] = set()  # (key, claimed at)
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None

    def hold(self, claim: tuple[str, datetime]) -> None:
        with self._lock:
            self._held.add(claim)
            if self._thread is None:
                self._thread = threading.Thread(
                    target=self._renew_while_held, name="idempotency-leases", daemon=True
                )
                self._thread.start()

    def drop(self, claim: tuple[str, datetime]) -> None:
        with self._lock:
            self._held.discard(claim)

    def _renew_while_held(self) -> None:
        while True:
            time.sleep(self.every)
            with self._lock:
                held = sorted(self._held)
                if not held:
                    self._thread = None
                    return
            try:
                self.records.renew(held, self.clock.now())
            except Exception:  # the database is unreachable: the next round tries again
                log.warning("idempotency leases not renewed", exc_info=True)


@dataclass
class _Captured:
    """The response the route sends, as it goes out."""

    limit: int
    status: int = 500
    headers: dict[str, str] = field(default_factory=dict)
    body: bytearray = field(default_factory=bytearray)
    too_large: bool = False
    settled: bool = False


class IdempotencyMiddleware:
    """Answers repeats of a state-changing request from the stored first response."""

    def __init__(self, app: ASGIApp, context: Context) -> None:
        self.app = app
        self.context = context
        settings = context.settings
        self.retention = timedelta(hours=settings.idempotency_retention_hours)
        self.wait_seconds = float(settings.idempotency_wait_seconds)
        self.max_body = int(settings.idempotency_max_body_bytes)
        self.lease = timedelta(seconds=settings.idempotency_lease_seconds)

    @cached_property
    def records(self) -> SqlIdempotencyRecords:
        return SqlIdempotencyRecords(self.context.db, lease=self.lease)

    @cached_property
    def leases(self) -> _LeaseKeeper:
        # Four renewals per lease: a round or two lost to a slow database leaves it standing.
        return _LeaseKeeper(self.records, self.context.clock, self.lease.total_seconds() / 4)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] not in WRITES:
            await self.app(scope, receive, send)
            return
        raw_key = Headers(scope=scope).get(HEADER)
        if raw_key is None:
            await self.app(scope, receive, send)
            return
        key = raw_key.strip()
        path = str(scope["path"])
        if not key or len(key) > MAX_KEY_LENGTH:
            await _bad_key(path)(scope, receive, send)
            return
        body = await _read_body(receive)
        method = str(scope["method"])
        claim = IdempotencyClaim(
            scope_hash=scope_hash(presented_secret(Request(scope)), method, path, key),
            method=method,
            path=path,
            key=key,
            request_hash=fingerprint(scope.get("query_string", b""), body),
        )
        try:
            found = await self._claim_or_wait(claim)
        except PoolTimeout as exc:  # outside the app's handlers: answered here, as they would
            await database_busy(path, exc)(scope, receive, send)
            return
        if isinstance(found, Claimed):
            await self._run(claim, found, body, scope, receive, send)
        elif found.request_hash != claim.request_hash:
            await _mismatch(path, key)(scope, receive, send)
        elif not found.done:
            await _still_running(path, key, self.wait_seconds)(scope, receive, send)
        else:
            await _replay(found)(scope, receive, send)

    async def _claim_or_wait(self, claim: IdempotencyClaim) -> Claimed | IdempotencyRecord:
        """`Claimed` once this request holds the key; else the record of the request that does:
        done, or for another body, or still running when the wait ran out."""
        deadline = time.monotonic() + self.wait_seconds
        pause = _FIRST_POLL
        holder = request_ids.current()
        while True:
            now = self.context.clock.now()
            found = await anyio.to_thread.run_sync(self.records.claim, claim, now, holder)
            if isinstance(found, Claimed) or found.done or found.request_hash != claim.request_hash:
                return found
            if time.monotonic() >= deadline:
                return found
            await anyio.sleep(pause)  # the first request is running: wait for its answer
            pause = min(pause * 2, _LONGEST_POLL)

    async def _run(
        self,
        claim: IdempotencyClaim,
        claimed: Claimed,
        body: bytes,
        scope: Scope,
        receive: Receive,
        send: Send,
    ) -> None:
        captured = _Captured(self.max_body)
        given = False
        held = (claim.scope_hash, claimed.at)

        async def replay_body() -> Message:
            nonlocal given
            if not given:
                given = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        async def sending(message: Message) -> None:
            if message["type"] == "http.response.start":
                captured.status = int(message["status"])
                captured.headers = _kept(message.get("headers", []))
            elif message["type"] == "http.response.body":
                chunk = bytes(message.get("body", b""))
                if len(captured.body) + len(chunk) > captured.limit:
                    captured.too_large = True
                    captured.body.clear()
                elif not captured.too_large:
                    captured.body += chunk
            await send(message)
            if message["type"] == "http.response.body" and not message.get("more_body", False):
                # Stored once the client has the answer, off its wait: a repeat that comes in
                # meanwhile finds the key in progress and waits the moment it takes.
                await self._settle(held, captured)

        self.leases.hold(held)
        earlier = claimed.abandoned.holder if claimed.abandoned is not None else None
        token = request_ids.resuming(earlier)
        try:
            await self.app(scope, replay_body, sending)
        finally:
            request_ids.resumed(token)
            if not captured.settled:  # the route raised, or the client went away
                captured.settled = True
                self.leases.drop(held)
                await anyio.to_thread.run_sync(self.records.release, held)

    async def _settle(self, held: tuple[str, datetime], captured: _Captured) -> None:
        captured.settled = True
        self.leases.drop(held)
        if keeps(captured.status) and not captured.too_large:
            await anyio.to_thread.run_sync(
                self.records.finish,
                held,
                captured.status,
                captured.headers,
                bytes(captured.body),
                self.context.clock.now() + self.retention,
            )
        else:
            await anyio.to_thread.run_sync(self.records.release, held)


async def _read_body(receive: Receive) -> bytes:
    chunks = bytearray()
    while True:
        message = await receive()
        if message["type"] != "http.request":
            break  # the client went away: what came is all there is
        chunks += message.get("body", b"")
        if not message.get("more_body", False):
            break
    return bytes(chunks)


def _kept(headers: list[tuple[bytes, bytes]]) -> dict[str, str]:
    kept: dict[str, str] = {}
    for name, value in headers:
        text = name.decode("latin-1").lower()
        if text in KEPT_HEADERS:
            kept[text] = value.decode("latin-1")
    return kept


def _replay(record: IdempotencyRecord) -> Response:
    headers: Mapping[str, str] = record.response_headers or {}
    return Response(
        content=record.response_body or b"",
        status_code=record.response_status or 200,
        headers={**headers, REPLAYED_HEADER: "true"},
    )


def _bad_key(path: str) -> Response:
    message = f"1-{MAX_KEY_LENGTH} characters"
    return problem(
        422,
        "Invalid input",
        f"header.{HEADER}: {message}",
        "invalid-input",
        path,
        errors=[{"loc": ["header", HEADER], "msg": message, "type": "idempotency_key"}],
    )


def _mismatch(path: str, key: str) -> Response:
    return problem(
        422,
        "Idempotency key reused",
        f"the {HEADER} {key!r} was already used for a different request (another body or "
        "query) on this path; send a new key for a new request",
        "idempotency-key-reused",
        path,
    )


def _still_running(path: str, key: str, waited: float) -> Response:
    response = problem(
        409,
        "Request in progress",
        f"the request with {HEADER} {key!r} is still running after {waited:g} s; "
        "repeat it later for its answer",
        "idempotency-key-in-progress",
        path,
    )
    response.headers["Retry-After"] = "1"
    return response


__all__ = [
    "HEADER",
    "REPLAYED_HEADER",
    "IdempotencyMiddleware",
    "fingerprint",
    "keeps",
    "scope_hash",
]
