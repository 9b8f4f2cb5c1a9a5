"""The Redis velocity store: one sorted set per key, scored by the event's instant in microseconds,
each member `<event id>:<amount in fen>` so that recording an event twice counts it once.

One Lua script records the event under all its keys, prunes what has left the longest window,
renews the expiry and counts every window — atomically (Redis runs a script alone) and in one
round trip. When Redis fails the store either raises `VelocityUnavailable` (fail closed: the
decision refers) or, given a fallback store, answers from it; after a failure it leaves Redis
alone for `retry_after`, so an outage costs one timeout, not one per application.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

import redis

from fengkong.core.clock import Clock
from fengkong.fraud.keys import Hasher, KeyType, hash_keys
from fengkong.fraud.velocity import (
    DEFAULT_WINDOWS,
    VelocityEvent,
    VelocitySnapshot,
    VelocityStore,
    VelocityUnavailable,
    Window,
    check_windows,
    snapshot_from_rows,
)

__all__ = ["RedisVelocityStore", "redis_client"]

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)

# KEYS: one sorted set per key. ARGV: mode ("record" | "count"), member, score, ttl seconds,
# lower bound (exclusive), upper bound ("+inf" or a score), then one lower bound per window.
_SCRIPT = """
local mode, member, score, ttl = ARGV[1], ARGV[2], ARGV[3], ARGV[4]
local lower, upper = ARGV[5], ARGV[6]
local nwin = #ARGV - 6
local bounds = {}
for w = 1, nwin do bounds[w] = tonumber(ARGV[6 + w]) end
local out = {}
for i, key in ipairs(KEYS) do
  if mode == "record" then
    redis.call("ZADD", key, score, member)
    redis.call("ZREMRANGEBYSCORE", key, "-inf", lower)
    redis.call("EXPIRE", key, ttl)
  end
  local counts, sums = {}, {}
  for w = 1, nwin do counts[w] = 0; sums[w] = 0 end
  local found = redis.call("ZRANGEBYSCORE", key, "(" .. lower, upper, "WITHSCORES")
  for j = 1, #found, 2 do
    local s = tonumber(found[j + 1])
    local amount = tonumber(string.match(found[j], ":(%d+)$")) or 0
    for w = 1, nwin do
      if s > bounds[w] then
        counts[w] = counts[w] + 1
        sums[w] = sums[w] + amount
      end
    end
  end
  local row = {}
  for w = 1, nwin do row[2 * w - 1] = counts[w]; row[2 * w] = sums[w] end
  out[i] = row
end
return out
"""

_EXPIRY_MARGIN = timedelta(hours=1)


def _micros(at: datetime) -> int:
    delta = at - _EPOCH
    return (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds


def redis_client(url: str, *, timeout: float = 0.25) -> redis.Redis:
    """A client that fails fast: a velocity read must not hold an application for seconds."""
    return redis.Redis.from_url(
        url, socket_timeout=timeout, socket_connect_timeout=timeout, health_check_interval=30
    )


class RedisVelocityStore:
    backend = "redis"

    def __init__(
        self,
        client: redis.Redis,
        hasher: Hasher,
        clock: Clock,
        *,
        prefix: str = "fengkong:",
        fallback: VelocityStore | None = None,
        retry_after: timedelta = timedelta(seconds=5),
    ) -> None:
        self.client = client
        self.hasher = hasher
        self.clock = clock
        self.prefix = prefix
        self.fallback = fallback
        self.retry_after = retry_after
        self._script = client.register_script(_SCRIPT)
        self._down_since: datetime | None = None

    def record_and_count(
        self, event: VelocityEvent, windows: tuple[Window, ...] = DEFAULT_WINDOWS
    ) -> VelocitySnapshot:
        windows = check_windows(windows)
        hashed = event.hashed(self.hasher)
        member = f"{event.event_id}:{int(event.amount)}"
        try:
            totals = self._run("record", hashed, windows, event.at, member, upper=None)
        except VelocityUnavailable:
            if self.fallback is None:
                raise
            return self.fallback.record_and_count(event, windows)
        return snapshot_from_rows(event.at, windows, hashed, totals, self.backend)

    def count(
        self,
        keys: Mapping[KeyType, str | None],
        windows: tuple[Window, ...] = DEFAULT_WINDOWS,
        at: datetime | None = None,
    ) -> VelocitySnapshot:
        windows = check_windows(windows)
        at = at or self.clock.now()
        hashed = hash_keys(keys, self.hasher)
        try:
            totals = self._run("count", hashed, windows, at, "", upper=at)
        except VelocityUnavailable:
            if self.fallback is None:
                raise
            return self.fallback.count(keys, windows, at)
        return snapshot_from_rows(at, windows, hashed, totals, self.backend)

    def _run(
        self,
        mode: str,
        hashed: tuple[tuple[KeyType, str | None], ...],
        windows: tuple[Window, ...],
        at: datetime,
        member: str,
        upper: datetime | None,
    ) -> dict[KeyType, tuple[tuple[int, int], ...]]:
        known = [(kt, h) for kt, h in hashed if h is not None]
        if not known:
            return {}
        now = self.clock.now()
        if self._down_since is not None and now - self._down_since < self.retry_after:
            raise VelocityUnavailable("Redis velocity store is down; not retrying yet")
        longest = max(w.duration for w in windows)
        args: list[Any] = [
            mode,
            member,
            _micros(at),
            int((longest + _EXPIRY_MARGIN).total_seconds()),
            _micros(at - longest),
            "+inf" if upper is None else _micros(upper),
            *(_micros(at - w.duration) for w in windows),
        ]
        keys = [f"{self.prefix}vel:{kt.value}:{h}" for kt, h in known]
        try:
            result: Sequence[Sequence[int]] = self._script(keys=keys, args=args)
        except redis.RedisError as exc:
            self._down_since = now
            raise VelocityUnavailable(f"Redis velocity store failed: {type(exc).__name__}") from exc
        self._down_since = None
        return {
            kt: tuple((int(row[2 * i]), int(row[2 * i + 1])) for i in range(len(windows)))
            for (kt, _), row in zip(known, result, strict=True)
        }
