"""Choosing the fraud stores from settings: the velocity counters and the identity-link graph are
kept in the database unless a Redis URL is configured. The Redis stores, and the Redis client
library, are imported only when one is: a deployment on the database alone never loads them."""

from __future__ import annotations

from datetime import timedelta
from typing import get_args

from fengkong.core.clock import Clock
from fengkong.core.errors import FieldError, Invalid
from fengkong.core.redis_urls import LINKS_NEED_ONE_PRIMARY, is_cluster_url
from fengkong.db.database import Database
from fengkong.db.fraud_links import SqlIdentityLinks
from fengkong.db.fraud_velocity import SqlVelocityStore
from fengkong.fraud.keys import Hasher
from fengkong.fraud.links import IdentityLinks
from fengkong.fraud.velocity import OnRedisError, VelocityStore

__all__ = ["identity_links", "velocity_store"]


def _check_on_redis_error(on_redis_error: str) -> None:
    if on_redis_error not in get_args(OnRedisError):
        allowed = ", ".join(get_args(OnRedisError))
        raise Invalid((FieldError(("on_redis_error",), f"must be one of {allowed}"),))


def velocity_store(
    *,
    redis_url: str | None,
    db: Database,
    hasher: Hasher,
    clock: Clock,
    on_redis_error: OnRedisError = "fail_closed",
    redis_prefix: str = "fengkong:",
    redis_timeout: float = 0.25,
    retry_after: timedelta = timedelta(seconds=5),
) -> VelocityStore:
    """`SqlVelocityStore` without `redis_url`; otherwise `RedisVelocityStore`, on one Redis or
    on a Redis Cluster (`redis+cluster://host:port[,host:port]`), which on a Redis failure raises
    `VelocityUnavailable` (`"fail_closed"`) or answers from the database (`"fallback_db"`)."""
    _check_on_redis_error(on_redis_error)
    sql = SqlVelocityStore(db, hasher, clock)
    if not redis_url:
        return sql
    from fengkong.db.redis_velocity import RedisVelocityStore, velocity_client

    return RedisVelocityStore(
        velocity_client(redis_url, timeout=redis_timeout),
        hasher,
        clock,
        prefix=redis_prefix,
        fallback=sql if on_redis_error == "fallback_db" else None,
        retry_after=retry_after,
    )


def identity_links(
    *,
    redis_url: str | None,
    db: Database,
    clock: Clock,
    on_redis_error: OnRedisError = "fail_closed",
    redis_prefix: str = "fengkong:",
    redis_timeout: float = 0.25,
    retry_after: timedelta = timedelta(seconds=5),
) -> IdentityLinks:
    """`SqlIdentityLinks` without `redis_url`; otherwise `RedisIdentityLinks`, which on a Redis
    failure raises `LinksUnavailable` (`"fail_closed"`) or links in the database
    (`"fallback_db"`). The graph needs one Redis primary: a cluster URL is `Invalid`."""
    _check_on_redis_error(on_redis_error)
    sql = SqlIdentityLinks(db)
    if not redis_url:
        return sql
    if is_cluster_url(redis_url):
        raise Invalid((FieldError(("redis_url",), LINKS_NEED_ONE_PRIMARY),))
    from fengkong.db.redis_links import RedisIdentityLinks
    from fengkong.db.redis_velocity import redis_client

    return RedisIdentityLinks(
        redis_client(redis_url, timeout=redis_timeout),
        clock,
        prefix=redis_prefix,
        fallback=sql if on_redis_error == "fallback_db" else None,
        retry_after=retry_after,
    )
