"""A Redis outage mid-run: fail closed raises `VelocityUnavailable` (the decision refers), fall
back answers from the database. The test stops a Redis of its own; the machine's keeps running."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import redis

from fengkong.core.clock import FakeClock
from fengkong.core.errors import Invalid, Unavailable
from fengkong.core.money import Fen
from fengkong.db.fraud_stores import velocity_store
from fengkong.db.fraud_velocity import SqlVelocityStore
from fengkong.db.redis_velocity import RedisVelocityStore
from fengkong.fraud.keys import KeyType
from fengkong.fraud.velocity import VelocityUnavailable, velocity_event

T = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)


def _event(i: int):  # type: ignore[no-untyped-def]
    return velocity_event(f"o{i}", T, Fen(100), T.date(), device="dev-outage")


def test_fail_closed_raises_a_typed_error(private_redis, fraud_db, hasher) -> None:  # type: ignore[no-untyped-def]
    clock = FakeClock(T)
    store = velocity_store(
        redis_url=private_redis.url,
        db=fraud_db,
        hasher=hasher,
        clock=clock,
        on_redis_error="fail_closed",
    )
    assert isinstance(store, RedisVelocityStore)
    assert store.record_and_count(_event(1)).count(KeyType.DEVICE, "1h") == 1
    assert store.record_and_count(_event(2)).backend == "redis"

    private_redis.stop()

    with pytest.raises(VelocityUnavailable) as caught:
        store.record_and_count(_event(3))
    assert isinstance(caught.value, Unavailable)
    with pytest.raises(VelocityUnavailable):  # inside retry_after: no second timeout to wait for
        store.count({KeyType.DEVICE: "dev-outage"})
    clock.advance(timedelta(seconds=6))
    with pytest.raises(VelocityUnavailable):  # retried, still down
        store.record_and_count(_event(4))
    _machine_redis_still_up()


def test_fallback_db_answers_from_the_database(private_redis, fraud_db, hasher) -> None:  # type: ignore[no-untyped-def]
    clock = FakeClock(T)
    store = velocity_store(
        redis_url=private_redis.url,
        db=fraud_db,
        hasher=hasher,
        clock=clock,
        on_redis_error="fallback_db",
    )
    assert store.record_and_count(_event(1)).backend == "redis"

    private_redis.stop()

    during = store.record_and_count(_event(2))
    assert during.backend == "sql"
    assert during.count(KeyType.DEVICE, "1h") == 1  # the database holds only the outage's events
    after = store.record_and_count(_event(3))
    assert (after.backend, after.count(KeyType.DEVICE, "1h")) == ("sql", 2)
    assert store.count({KeyType.DEVICE: "dev-outage"}).count(KeyType.DEVICE, "1h") == 2
    _machine_redis_still_up()


def test_no_redis_url_means_the_database(fraud_db, hasher) -> None:  # type: ignore[no-untyped-def]
    store = velocity_store(redis_url=None, db=fraud_db, hasher=hasher, clock=FakeClock(T))
    assert isinstance(store, SqlVelocityStore)
    with pytest.raises(Invalid):
        velocity_store(
            redis_url=None,
            db=fraud_db,
            hasher=hasher,
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
