"""The Redis velocity store: one sorted set per key, scored by the event's instant in microseconds,
each member `<event id>:<amount in fen>` so that recording an event twice counts it once.

One Lua script records the event under a key, prunes what has left the longest window, renews
the expiry and counts every window, atomically (Redis runs a script alone). On one Redis
primary the store runs it over all the event's keys in one call, one round trip. On a Redis
Cluster a script's keys must share a slot, and an event's keys are different identities spread
over every node, so the store runs the same script once per key, each call sent to the node that
holds its key: each key's sorted set stays atomic on its own, which is all a count needs (two
events on one key never see the same count), and the counts are the single call's. redis-py's
cluster pipeline refuses scripts, so the calls go one after another: a round trip per key. A
failure part-way leaves the event recorded under some keys; recording it again (same event id)
counts it once there.

When Redis fails the store either raises `VelocityUnavailable` (fail closed: the decision
refers) or, given a fallback store, answers from it; after a failure it leaves Redis alone for
`retry_after`, so an outage costs one timeout, not one per application. A cluster is connected
on first use, so a cluster down at start is such a failure too, not a start refused.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime, timedelta
from functools import partial
from typing import Any

import redis
from redis.backoff import NoBackoff
from redis.cluster import ClusterNode, RedisCluster
from redis.commands.core import Script
from redis.exceptions import RedisClusterException
from redis.retry import Retry

from fengkong.core.clock import Clock
from fengkong.core.redis_urls import is_cluster_url, parse_cluster_url
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

__all__ = [
    "ClusterConnect",
    "RedisVelocityStore",
    "cluster_client",
    "redis_client",
    "velocity_client",
]

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)

# KEYS: one sorted set per key (on a cluster, exactly one). ARGV: mode ("record" | "count"),
# member, score, ttl seconds, lower bound (exclusive), upper bound ("+inf" or a score), then one
# lower bound per window.
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


# What fails a call: a server's error, or the cluster client's own (no node reachable, a slot
# no node serves), which redis-py does not derive from `RedisError`.
_REDIS_ERRORS = (redis.RedisError, RedisClusterException)

ClusterConnect = Callable[[], RedisCluster]
"""Connects to a Redis Cluster: called on first use, again after a failed connection."""


def redis_client(url: str, *, timeout: float = 0.25) -> redis.Redis:
    """A client that fails fast: a velocity read must not hold an application for seconds."""
    if is_cluster_url(url):
        raise ValueError("a Redis Cluster URL names no single Redis: use cluster_client")
    return redis.Redis.from_url(
        url, socket_timeout=timeout, socket_connect_timeout=timeout, health_check_interval=30
    )


def cluster_client(url: str, *, timeout: float = 0.25) -> ClusterConnect:
    """How to connect to the Redis Cluster a `redis+cluster://` URL names, failing as fast as
    `redis_client`. One retry, after the client has re-read which node serves which slot, so
    that a failover already over costs no application a referral."""
    where = parse_cluster_url(url)
    nodes = [ClusterNode(host, port) for host, port in where.nodes]  # type: ignore[no-untyped-call]
    return partial(
        RedisCluster,
        startup_nodes=nodes,
        username=where.username,
        password=where.password,
        socket_timeout=timeout,
        socket_connect_timeout=timeout,
        health_check_interval=30,
        retry=Retry(NoBackoff(), 1),
    )


def velocity_client(url: str, *, timeout: float = 0.25) -> redis.Redis | ClusterConnect:
    """The client for the URL's kind: one Redis, or how to connect to a cluster."""
    if is_cluster_url(url):
        return cluster_client(url, timeout=timeout)
    return redis_client(url, timeout=timeout)


class RedisVelocityStore:
    backend = "redis"

    def __init__(
        self,
        client: redis.Redis | RedisCluster | ClusterConnect,
        hasher: Hasher,
        clock: Clock,
        *,
        prefix: str = "fengkong:",
        fallback: VelocityStore | None = None,
        retry_after: timedelta = timedelta(seconds=5),
    ) -> None:
        self.hasher = hasher
        self.clock = clock
        self.prefix = prefix
        self.fallback = fallback
        self.retry_after = retry_after
        self._down_since: datetime | None = None
        self._single: redis.Redis | None = None
        self._cluster: RedisCluster | None = None
        self._connect: ClusterConnect | None = None
        self._connecting = threading.Lock()
        if isinstance(client, redis.Redis):
            self._single = client
            self._script: Script = client.register_script(_SCRIPT)
        elif isinstance(client, RedisCluster):
            self._cluster = client
            self._script = client.register_script(_SCRIPT)
        else:
            self._connect = client

    @property
    def client(self) -> redis.Redis | RedisCluster:
        """The Redis the counters are in; a cluster is connected here if it was not yet."""
        if self._single is not None:
            return self._single
        self._cluster_script()
        assert self._cluster is not None
        return self._cluster

    @property
    def on_cluster(self) -> bool:
        """Whether the counters are on a Redis Cluster (a script call per key)."""
        return self._single is None

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
            result: Sequence[Sequence[int]]
            if self._single is not None:
                result = self._script(keys=keys, args=args)
            else:
                script = self._cluster_script()
                result = [script(keys=[key], args=args)[0] for key in keys]
        except _REDIS_ERRORS as exc:
            self._down_since = now
            raise VelocityUnavailable(f"Redis velocity store failed: {type(exc).__name__}") from exc
        self._down_since = None
        return {
            kt: tuple((int(row[2 * i]), int(row[2 * i + 1])) for i in range(len(windows)))
            for (kt, _), row in zip(known, result, strict=True)
        }

    def _cluster_script(self) -> Script:
        """The script on the cluster, connecting first if need be (once, whichever thread asks)."""
        with self._connecting:
            if self._cluster is None:
                assert self._connect is not None
                self._cluster = self._connect()
                self._script = self._cluster.register_script(_SCRIPT)
            return self._script
