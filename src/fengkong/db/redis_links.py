"""The identity-link graph in Redis: the same features as `db.fraud_links.SqlIdentityLinks`, from
one Lua script per application (Redis runs a script alone, so concurrent writers need no locks of
their own).

Chosen when Redis is configured because at a million applications the database update — five
tables and their indexes written, and a commit — was most of a fraud check's time, while the
script does about twenty hash and set operations in memory, in one round trip.

What Redis holds, under the store's prefix:
- `lk:apps`: a hash of each linked application to `<declined><defaulted>|<key>,<key>…` (the flags
  as 0/1, each key as `<type>:<blind index>`), so that `link` is idempotent per application and
  `mark_outcome` finds the keys whose flagged sets it changes;
- `lk:parent` and `lk:size`: a union-find over application ids — the parent of each application
  that is not a component's root, and the size of each root's component (union by size, with
  path compression);
- per key, `lk:k:<type>:<hash>`: `<application>|<first seen, µs since the epoch>`, the application
  that introduced the key standing for it in the union-find; `lk:ids:…`: the distinct ID numbers
  on a device or phone; `lk:bad:…`: the declined or defaulted applications on the key.

`mark_outcome` builds the flagged-set keys inside its script from the stored record, which a
Redis Cluster would refuse: the store needs a single Redis (or one hash slot), as it is run here.

When Redis fails the store either raises `LinksUnavailable` (fail closed: the decision refers)
or, given a fallback, links in the database — a graph that holds only what the outage saw, as the
velocity fallback counts only the outage's events. After a failure it leaves Redis alone for
`retry_after`, so an outage costs one timeout, not one per application.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

import redis

from fengkong.core.clock import Clock
from fengkong.fraud.keys import KeyType
from fengkong.fraud.links import (
    IdentityLinks,
    LinkApplication,
    LinkFeatures,
    LinksUnavailable,
    NotLinked,
    link_features,
)

__all__ = ["RedisIdentityLinks"]

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_COUNTS_IDS = frozenset({KeyType.DEVICE, KeyType.MOBILE})

# KEYS: apps, parent, size, then per key: its node, its ID-number set, its flagged set.
# ARGV: application, received at (µs), ID number ("" when none), flagged ("1"/"0"), record, then
# per key "1" when its distinct ID numbers are asked for.
# Returns: component size, flagged neighbours, then per key its first sighting ("" when new) and
# its distinct ID numbers (-1 when not asked).
_LINK = """
local apps, parent, size = KEYS[1], KEYS[2], KEYS[3]
local me, at, id, flagged = ARGV[1], ARGV[2], ARGV[3], ARGV[4]
if redis.call("HSETNX", apps, me, ARGV[5]) == 0 then
  return redis.error_reply("ALREADY_LINKED")
end
local function find(x)
  local root = x
  while true do
    local up = redis.call("HGET", parent, root)
    if not up then break end
    root = up
  end
  while x ~= root do
    local up = redis.call("HGET", parent, x)
    if up ~= root then redis.call("HSET", parent, x, root) end
    x = up
  end
  return root
end
redis.call("HSET", size, me, 1)
local n = (#KEYS - 3) / 3
local seen, flagged_sets = {}, {}
for i = 1, n do
  local node_key = KEYS[3 * i + 1]
  flagged_sets[i] = KEYS[3 * i + 3]
  local found = redis.call("GET", node_key)
  if found then
    local node, first = string.match(found, "^(.*)|(%d+)$")
    seen[i] = first
    local a, b = find(me), find(node)
    if a ~= b then
      local sa = tonumber(redis.call("HGET", size, a))
      local sb = tonumber(redis.call("HGET", size, b))
      if sa < sb then a, b, sa, sb = b, a, sb, sa end
      redis.call("HSET", parent, b, a)
      redis.call("HSET", size, a, sa + sb)
      redis.call("HDEL", size, b)
    end
  else
    redis.call("SET", node_key, me .. "|" .. at)
    seen[i] = ""
  end
end
local bad = 0
if n > 0 then bad = #redis.call("SUNION", unpack(flagged_sets)) end
local out = {tonumber(redis.call("HGET", size, find(me))), bad}
for i = 1, n do
  local shared = -1
  if ARGV[5 + i] == "1" then
    if id ~= "" then redis.call("SADD", KEYS[3 * i + 2], id) end
    shared = redis.call("SCARD", KEYS[3 * i + 2])
  end
  if flagged == "1" then redis.call("SADD", flagged_sets[i], me) end
  out[2 + 2 * i - 1] = seen[i]
  out[2 + 2 * i] = shared
end
return out
"""

# KEYS: apps. ARGV: prefix, application, declined ("1"/"0"), defaulted ("1"/"0").
_MARK_OUTCOME = """
local record = redis.call("HGET", KEYS[1], ARGV[2])
if not record then return redis.error_reply("NOT_LINKED") end
local keys = string.match(record, "^..|(.*)$")
redis.call("HSET", KEYS[1], ARGV[2], ARGV[3] .. ARGV[4] .. "|" .. keys)
local flagged = ARGV[3] == "1" or ARGV[4] == "1"
for key in string.gmatch(keys, "[^,]+") do
  if flagged then
    redis.call("SADD", ARGV[1] .. "lk:bad:" .. key, ARGV[2])
  else
    redis.call("SREM", ARGV[1] .. "lk:bad:" .. key, ARGV[2])
  end
end
return 1
"""


class _Refused(Exception):
    """The script refused the call (already linked, not linked): the caller's error, not Redis's."""


_REFUSALS = ("ALREADY_LINKED", "NOT_LINKED")


def _micros(at: datetime) -> int:
    delta = at - _EPOCH
    return (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds


def _flag(value: bool) -> str:
    return "1" if value else "0"


class RedisIdentityLinks:
    backend = "redis"

    def __init__(
        self,
        client: redis.Redis,
        clock: Clock,
        *,
        prefix: str = "fengkong:",
        fallback: IdentityLinks | None = None,
        retry_after: timedelta = timedelta(seconds=5),
    ) -> None:
        self.client = client
        self.clock = clock
        self.prefix = prefix
        self.fallback = fallback
        self.retry_after = retry_after
        self._link_script = client.register_script(_LINK)
        self._mark_script = client.register_script(_MARK_OUTCOME)
        self._down_since: datetime | None = None

    def link(self, app: LinkApplication) -> LinkFeatures:
        """Add the application to the graph and return its features; idempotent per id."""
        keys = app.link_keys()
        p = self.prefix
        names = [f"{kt.value}:{h}" for kt, h in keys]
        redis_keys = [f"{p}lk:apps", f"{p}lk:parent", f"{p}lk:size"]
        for name in names:
            redis_keys += [f"{p}lk:k:{name}", f"{p}lk:ids:{name}", f"{p}lk:bad:{name}"]
        record = f"{_flag(app.declined)}{_flag(app.defaulted)}|{','.join(names)}"
        args: list[Any] = [
            app.application_id,
            _micros(app.at),
            app.id_hash or "",
            _flag(app.flagged),
            record,
            *(_flag(kt in _COUNTS_IDS) for kt, _ in keys),
        ]
        try:
            out: Sequence[Any] = self._call(self._link_script, redis_keys, args)
        except LinksUnavailable:
            if self.fallback is None:
                raise
            return self.fallback.link(app)
        except _Refused:
            raise ValueError(f"application {app.application_id!r} is already linked") from None
        total, bad = int(out[0]), int(out[1])
        first_seen: dict[tuple[KeyType, str], datetime] = {}
        shared_ids: dict[KeyType, int] = {}
        for i, key in enumerate(keys):
            seen, shared = out[2 + 2 * i], int(out[3 + 2 * i])
            if seen:
                first_seen[key] = _EPOCH + timedelta(microseconds=int(seen))
            if shared >= 0:
                shared_ids[key[0]] = shared
        return link_features(app, keys, total, shared_ids, bad, first_seen)

    def mark_outcome(self, application_id: str, *, declined: bool, defaulted: bool) -> None:
        """Record that an application was declined or has defaulted, for its future neighbours."""
        args = [self.prefix, application_id, _flag(declined), _flag(defaulted)]
        try:
            self._call(self._mark_script, [f"{self.prefix}lk:apps"], args)
        except LinksUnavailable:
            if self.fallback is None:
                raise
            self.fallback.mark_outcome(application_id, declined=declined, defaulted=defaulted)
        except _Refused:
            raise NotLinked(f"application {application_id!r} is not linked") from None

    def component_sizes(self) -> dict[str, int]:
        """Each component's size, by the id of its root application."""
        try:
            sizes: dict[Any, Any] = self.client.hgetall(f"{self.prefix}lk:size")
        except redis.RedisError as exc:
            raise LinksUnavailable(f"Redis link store failed: {type(exc).__name__}") from exc
        return {
            root.decode() if isinstance(root, bytes) else root: int(n) for root, n in sizes.items()
        }

    def _call(self, script: Any, keys: list[str], args: list[Any]) -> Any:
        now = self.clock.now()
        if self._down_since is not None and now - self._down_since < self.retry_after:
            raise LinksUnavailable("Redis link store is down; not retrying yet")
        try:
            result = script(keys=keys, args=args)
        except redis.ResponseError as exc:
            if any(refusal in str(exc) for refusal in _REFUSALS):
                self._down_since = None
                raise _Refused(str(exc)) from None
            self._down_since = now
            raise LinksUnavailable(f"Redis link store failed: {exc}") from exc
        except redis.RedisError as exc:
            self._down_since = now
            raise LinksUnavailable(f"Redis link store failed: {type(exc).__name__}") from exc
        self._down_since = None
        return result
