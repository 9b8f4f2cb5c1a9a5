"""Choosing where the identity-link graph is kept: the database unless a Redis URL is configured,
as for the velocity counters."""

from __future__ import annotations

from datetime import timedelta
from typing import get_args

from fengkong.core.clock import Clock
from fengkong.core.errors import FieldError, Invalid
from fengkong.db.database import Database
from fengkong.fraud.links import IdentityLinks, SqlIdentityLinks
from fengkong.fraud.links_redis import RedisIdentityLinks
from fengkong.fraud.velocity import OnRedisError
from fengkong.fraud.velocity_redis import redis_client

__all__ = ["identity_links"]


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
    (`"fallback_db"`)."""
    if on_redis_error not in get_args(OnRedisError):
        allowed = ", ".join(get_args(OnRedisError))
        raise Invalid((FieldError(("on_redis_error",), f"must be one of {allowed}"),))
    sql = SqlIdentityLinks(db)
    if not redis_url:
        return sql
    return RedisIdentityLinks(
        redis_client(redis_url, timeout=redis_timeout),
        clock,
        prefix=redis_prefix,
        fallback=sql if on_redis_error == "fallback_db" else None,
        retry_after=retry_after,
    )
