"""A Redis outage mid-run for the identity-link graph: fail closed raises `LinksUnavailable` (the
decision refers), fall back links in the database. The test stops a Redis of its own; the
machine's keeps running."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import redis

from fengkong.core.clock import FakeClock
from fengkong.core.errors import Invalid, Unavailable
from fengkong.db.fraud_links import SqlIdentityLinks
from fengkong.db.fraud_stores import identity_links
from fengkong.db.redis_links import RedisIdentityLinks
from fengkong.fraud.keys import KeyType
from fengkong.fraud.links import LinkApplication, LinksUnavailable

T = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)


def _app(i: int) -> LinkApplication:
    keys = ((KeyType.DEVICE, "dev-outage"), (KeyType.RESIDENT_ID, f"id-{i}"))
    return LinkApplication(f"o{i}", T + timedelta(minutes=i), keys)


def test_fail_closed_raises_a_typed_error(private_redis, fraud_db) -> None:  # type: ignore[no-untyped-def]
    clock = FakeClock(T)
    links = identity_links(
        redis_url=private_redis.url, db=fraud_db, clock=clock, on_redis_error="fail_closed"
    )
    assert isinstance(links, RedisIdentityLinks)
    assert links.link(_app(1)).component_size == 1
    assert links.link(_app(2)).ids_sharing_device == 2

    private_redis.stop()

    with pytest.raises(LinksUnavailable) as caught:
        links.link(_app(3))
    assert isinstance(caught.value, Unavailable)
    with pytest.raises(LinksUnavailable):  # inside retry_after: no second timeout to wait for
        links.mark_outcome("o1", declined=True, defaulted=False)
    clock.advance(timedelta(seconds=6))
    with pytest.raises(LinksUnavailable):  # retried, still down
        links.link(_app(4))
    assert SqlIdentityLinks(fraud_db).component_sizes() == {}  # nothing went to the database
    _machine_redis_still_up()


def test_fallback_db_links_in_the_database(private_redis, fraud_db) -> None:  # type: ignore[no-untyped-def]
    clock = FakeClock(T)
    links = identity_links(
        redis_url=private_redis.url, db=fraud_db, clock=clock, on_redis_error="fallback_db"
    )
    assert links.link(_app(1)).component_size == 1

    private_redis.stop()

    during = links.link(_app(2))
    assert (during.component_size, during.ids_sharing_device) == (1, 1)  # the outage's only
    after = links.link(_app(3))
    assert (after.component_size, after.ids_sharing_device) == (2, 2)
    links.mark_outcome("o3", declined=True, defaulted=False)
    assert links.link(_app(4)).bad_neighbours == 1
    assert SqlIdentityLinks(fraud_db).component_sizes() == {"o2": 3}
    _machine_redis_still_up()


def test_no_redis_url_means_the_database(fraud_db) -> None:  # type: ignore[no-untyped-def]
    links = identity_links(redis_url=None, db=fraud_db, clock=FakeClock(T))
    assert isinstance(links, SqlIdentityLinks)
    with pytest.raises(Invalid):
        identity_links(
            redis_url=None,
            db=fraud_db,
            clock=FakeClock(T),
            on_redis_error="ignore",  # type: ignore[arg-type]
        )


def _machine_redis_still_up() -> None:
    client = redis.Redis(host="127.0.0.1", port=6379, socket_connect_timeout=1)
    try:
        client.ping()
    except redis.RedisError:
        pytest.skip("no machine Redis on 6379 to check")
    finally:
        client.close()
