"""Rate limits at the HTTP edge (pure ASGI, the `limits` package's async API): so many requests
per presented credential and so many per source address, in a sliding window; beyond either the
answer is 429 problem+json with `Retry-After`. `/healthz` is exempt.

- The credential is the `Authorization` bearer token or the `X-API-Key` value, keyed by its
  SHA-256: the secret itself is never stored, and a wrong secret is limited like a right one
  (so guessing is slowed as well).
- The address is the connection's peer; behind a trusted proxy
  (`rate_limit_trust_forwarded_for`) it is the last address of `X-Forwarded-For`, the one that
  proxy appended (the earlier ones are the client's to forge).
- The counters live in Redis when `rate_limit_storage_url` or `redis_url` names one, shared by
  every worker; otherwise in each worker's memory. When Redis does not answer, the request is let
  through and the failure logged: the limits protect the service, they must not stop it.
"""

from __future__ import annotations

import hashlib
import math
import time

import structlog
from limits import RateLimitItem, parse_many
from limits.aio.storage import Storage
from limits.aio.strategies import SlidingWindowCounterRateLimiter
from limits.storage import storage_from_string
from starlette.types import ASGIApp, Receive, Scope, Send

from fengkong.api.errors import problem
from fengkong.core.settings import Settings

EXEMPT = frozenset({"/healthz"})
log = structlog.get_logger(__name__)


def storage_uri(settings: Settings) -> str:
    """The `limits` async storage the settings name: Redis (theirs or the app's), else memory."""
    uri = settings.rate_limit_storage_url or settings.redis_url
    if not uri:
        return "async+memory://"
    return uri if uri.startswith("async+") else f"async+{uri}"


def open_storage(settings: Settings) -> Storage:
    uri = storage_uri(settings)
    options: dict[str, float | str | bool] = {}
    if "redis" in uri.split("://", 1)[0]:
        # redis-py is installed (the fraud counters use it); coredis, the default, is not.
        options = {"implementation": "redispy", "socket_timeout": 0.5}
    storage = storage_from_string(uri, **options)
    if not isinstance(storage, Storage):
        raise ValueError(f"not an async rate-limit storage: {uri!r}")
    return storage


class RateLimit:
    """429 problem+json with `Retry-After` once a credential or an address is over its limits."""

    def __init__(self, app: ASGIApp, settings: Settings) -> None:
        self.app = app
        self.per_credential = parse_many(settings.rate_limit_per_credential)
        self.per_address = parse_many(settings.rate_limit_per_address)
        self.trust_forwarded = settings.rate_limit_trust_forwarded_for
        self.limiter = SlidingWindowCounterRateLimiter(open_storage(settings))

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope.get("path") in EXEMPT:
            await self.app(scope, receive, send)
            return
        checks: list[tuple[list[RateLimitItem], str, str]] = [
            (self.per_address, "address", self.address(scope))
        ]
        credential = _credential(scope)
        if credential is not None:
            checks.append((self.per_credential, "credential", credential))
        for items, kind, key in checks:
            retry_after = await self._over(items, kind, key)
            if retry_after is not None:
                refused = problem(
                    429,
                    "Too many requests",
                    f"too many requests from this {kind}; retry after {retry_after} s",
                    "too-many-requests",
                    str(scope.get("path", "")),
                )
                refused.headers["Retry-After"] = str(retry_after)
                await refused(scope, receive, send)
                return
        await self.app(scope, receive, send)

    async def _over(self, items: list[RateLimitItem], kind: str, key: str) -> int | None:
        """Seconds until `key` may ask again when one of `items` refuses it, else None."""
        try:
            for item in items:
                if not await self.limiter.hit(item, "fengkong", kind, key):
                    stats = await self.limiter.get_window_stats(item, "fengkong", kind, key)
                    # The window is the storage's, on wall time, not the business clock.
                    return max(1, math.ceil(stats.reset_time - time.time()))
        except Exception as exc:  # the store is down: let the request through (docstring)
            log.warning("rate limit store failed", error=type(exc).__name__)
        return None

    def address(self, scope: Scope) -> str:
        if self.trust_forwarded:
            forwarded = _header(scope, b"x-forwarded-for")
            if forwarded:
                last = forwarded.split(",")[-1].strip()
                if last:
                    return last
        client = scope.get("client")
        return str(client[0]) if client else "unknown"


def _credential(scope: Scope) -> str | None:
    """SHA-256 of the presented secret (bearer token or API key), or None when none is."""
    secret = _header(scope, b"x-api-key")
    authorization = _header(scope, b"authorization")
    if authorization:
        scheme, _, token = authorization.partition(" ")
        secret = token.strip() if scheme.lower() == "bearer" and token.strip() else authorization
    if not secret:
        return None
    return hashlib.sha256(secret.encode("utf-8", errors="replace")).hexdigest()


def _header(scope: Scope, key: bytes) -> str | None:
    for name, value in scope["headers"]:
        if name == key:
            return str(value.decode("latin-1")).strip()
    return None


__all__ = ["EXEMPT", "RateLimit", "open_storage", "storage_uri"]
