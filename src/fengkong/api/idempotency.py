"""`Idempotency-Key` on every state-changing request (POST, PUT, PATCH, DELETE): a repeat of a
request is answered with the first one's response instead of running again (docs/idempotency.md).

A pure ASGI middleware, so it sees the exact response the route sent. The key's scope is the
credential the request presents (hashed), the method, the path and the key; the request's
fingerprint is the hash of its query string and body (JSON canonicalised). The first request
with a key claims it in `idempotency_records` (`db.idempotency`) before the route runs and
stores the response's status, content type, location and body before the last byte goes out. A
repeat with the same fingerprint gets that response (marked `Idempotent-Replayed: true`), after
waiting for the first to finish if it is still running (`idempotency_wait_seconds`; then 409); a
repeat with another fingerprint gets 422. Only a success (2xx) is kept: after an error answer
(invalid input, a refusal, a failure) or a response over `idempotency_max_body_bytes` the key is
released, so a corrected request may use it and a repeat runs afresh, where the use cases' own
idempotency (a repayment's key in the journal) still applies it at most once.

Routes that require the header keep declaring it (`routes.loans.IdempotencyKey`); elsewhere it
is optional, and a request without it runs as before.
"""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from functools import cached_property

import anyio
from starlette.datastructures import Headers
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from fengkong.api.deps import presented_secret
from fengkong.api.errors import problem
from fengkong.bootstrap import Context
from fengkong.db.idempotency import IdempotencyClaim, IdempotencyRecord, SqlIdempotencyRecords

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

    @cached_property
    def records(self) -> SqlIdempotencyRecords:
        return SqlIdempotencyRecords(self.context.db)

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
        found = await self._claim_or_wait(claim)
        if found is None:
            await self._run(claim, body, scope, receive, send)
        elif found.request_hash != claim.request_hash:
            await _mismatch(path, key)(scope, receive, send)
        elif not found.done:
            await _still_running(path, key, self.wait_seconds)(scope, receive, send)
        else:
            await _replay(found)(scope, receive, send)

    async def _claim_or_wait(self, claim: IdempotencyClaim) -> IdempotencyRecord | None:
        """None once this request holds the key; else the record of the request that does:
        done, or for another body, or still running when the wait ran out."""
        deadline = time.monotonic() + self.wait_seconds
        pause = _FIRST_POLL
        while True:
            now = self.context.clock.now()
            found = await anyio.to_thread.run_sync(
                self.records.claim, claim, now, now + self.retention
            )
            if found is None or found.done or found.request_hash != claim.request_hash:
                return found
            if time.monotonic() >= deadline:
                return found
            await anyio.sleep(pause)  # the first request is running: wait for its answer
            pause = min(pause * 2, _LONGEST_POLL)

    async def _run(
        self, claim: IdempotencyClaim, body: bytes, scope: Scope, receive: Receive, send: Send
    ) -> None:
        captured = _Captured(self.max_body)
        given = False

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
                await self._settle(claim, captured)

        try:
            await self.app(scope, replay_body, sending)
        finally:
            if not captured.settled:  # the route raised, or the client went away
                captured.settled = True
                await anyio.to_thread.run_sync(self.records.release, claim.scope_hash)

    async def _settle(self, claim: IdempotencyClaim, captured: _Captured) -> None:
        captured.settled = True
        if keeps(captured.status) and not captured.too_large:
            await anyio.to_thread.run_sync(
                self.records.finish,
                claim.scope_hash,
                captured.status,
                captured.headers,
                bytes(captured.body),
            )
        else:
            await anyio.to_thread.run_sync(self.records.release, claim.scope_hash)


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
