"""Velocity counters on a real three-node Redis Cluster: the store runs its script once per key,
each on the node serving the key's slot, and counts exactly as on one Redis and in the database;
concurrent writers lose nothing; an outage fails closed or falls back as on one Redis."""

from __future__ import annotations

import random
import threading
import uuid
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from redis.cluster import RedisCluster

from fengkong.core.clock import FakeClock
from fengkong.core.money import Fen
from fengkong.db.database import Database
from fengkong.db.fraud_stores import velocity_store
from fengkong.db.fraud_velocity import SqlVelocityStore
from fengkong.db.redis_velocity import RedisVelocityStore, cluster_client, redis_client
from fengkong.fraud.keys import Hasher, KeyType
from fengkong.fraud.velocity import (
    VelocityEvent,
    VelocitySnapshot,
    VelocityUnavailable,
    velocity_event,
)
from fengkong.sim.identity import identity
from fraud.redis_cluster import RedisClusterServers, start_redis_cluster

pytestmark = pytest.mark.redis

T = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)


def _prefix() -> str:
    return f"fktest:{uuid.uuid4().hex[:12]}:"


def _events(seed: int, n: int) -> list[VelocityEvent]:
    """About `n` applications over 40 days, in time order, sharing a few people, devices and
    networks, some sent twice, some without a device or an IP."""
    rng = random.Random(seed)
    people = [identity(30 + i, T.date(), random.Random(seed * 100 + i)) for i in range(4)]
    start = T - timedelta(days=40)
    instants = sorted(start + timedelta(seconds=rng.randrange(40 * 86_400)) for _ in range(n))
    events: list[VelocityEvent] = []
    for i, at in enumerate(instants):
        if events and rng.random() < 0.1:
            events.append(events[-1])  # sent again, as a retried request would
            continue
        person = rng.choice(people)
        events.append(
            velocity_event(
                f"app-{seed}-{i}",
                at,
                Fen(rng.randrange(1_000_00, 50_000_00)),
                at.date(),
                resident_id=person.id_number,
                mobile=person.phone,
                device=rng.choice(["dev-a", "dev-b", "dev-c", None]),
                ip=rng.choice(["10.0.0.7", "10.0.0.99", "172.16.4.2", None]),
                employer=rng.choice(["Acme Trading", "Huaxia Steel"]),
            )
        )
    return events


def _counts(snapshot: VelocitySnapshot) -> object:
    """What a snapshot says, whichever store answered."""
    return (snapshot.at, snapshot.windows, snapshot.keys)


def test_the_same_events_count_the_same_on_a_cluster_one_redis_and_the_database(
    redis_cluster: RedisClusterServers,
    redis_url: str,
    redis_prefix: str,
    fraud_db: Database,
    hasher: Hasher,
) -> None:
    clock = FakeClock(T - timedelta(days=41))
    prefix = redis_prefix  # deleted from the machine's Redis afterwards
    on_cluster = RedisVelocityStore(
        cluster_client(redis_cluster.url, timeout=5.0), hasher, clock, prefix=prefix
    )
    on_one = RedisVelocityStore(redis_client(redis_url, timeout=5.0), hasher, clock, prefix=prefix)
    in_db = SqlVelocityStore(fraud_db, hasher, clock)
    stores = (on_cluster, on_one, in_db)
    events = _events(seed=7, n=60)

    for event in events:
        clock.set(event.at)
        recorded = [_counts(s.record_and_count(event)) for s in stores]
        assert recorded[0] == recorded[1] == recorded[2], event.event_id
    assert on_cluster.on_cluster and not on_one.on_cluster

    last = events[-1]
    for later in (timedelta(0), timedelta(minutes=59), timedelta(hours=23), timedelta(days=8)):
        at = last.at + later
        counted = [_counts(s.count(last.keys, at=at)) for s in stores]
        assert counted[0] == counted[1] == counted[2], later
    seen = on_cluster.count(last.keys, at=last.at)
    assert (seen.count(KeyType.EMPLOYER, "30d") or 0) > 1  # the comparison was of real counts


def test_each_key_is_on_the_node_serving_its_slot_and_every_node_holds_some(
    redis_cluster: RedisClusterServers, hasher: Hasher
) -> None:
    prefix = _prefix()
    store = RedisVelocityStore(
        cluster_client(redis_cluster.url, timeout=5.0), hasher, FakeClock(T), prefix=prefix
    )
    for i in range(15):
        store.record_and_count(
            velocity_event(
                f"spread-{i}", T, Fen(100), T.date(), device=f"dev-{i}", ip=f"10.9.{i}.1"
            )
        )

    holders: Counter[int] = Counter()
    cluster = store.client
    assert isinstance(cluster, RedisCluster)
    for port in redis_cluster.ports:
        node = redis_cluster.node(port)  # what the node holds itself: only keys of its slots
        keys = list(node.scan_iter(match=prefix + "*", count=1000))
        node.close()
        for key in keys:
            assert cluster.get_node_from_key(key).port == port
        holders[port] = len(keys)
    assert sum(holders.values()) == 15 * 3  # device, IP and the IP's /24 per event
    assert all(holders[port] > 0 for port in redis_cluster.ports), holders


def test_threads_recording_at_once_see_each_count_once(
    redis_cluster: RedisClusterServers, hasher: Hasher
) -> None:
    """One store, its cluster client connected by whichever thread asks first."""
    threads, each = 6, 40
    store = RedisVelocityStore(
        cluster_client(redis_cluster.url, timeout=5.0), hasher, FakeClock(T), prefix=_prefix()
    )
    seen: list[int] = []
    lock = threading.Lock()
    start = threading.Barrier(threads)

    def write(worker: int) -> None:
        start.wait()
        for i in range(each):
            event = velocity_event(f"t{worker}-{i}", T, Fen(10), T.date(), device="dev-shared")
            count = store.record_and_count(event).count(KeyType.DEVICE, "1h")
            assert count is not None
            with lock:
                seen.append(count)

    workers = [threading.Thread(target=write, args=(w,)) for w in range(threads)]
    for w in workers:
        w.start()
    for w in workers:
        w.join(timeout=120)

    assert sorted(seen) == list(range(1, threads * each + 1))
    final = store.count({KeyType.DEVICE: "dev-shared"}, at=T)
    assert final.amount(KeyType.DEVICE, "30d") == threads * each * 10


def _event(i: int) -> VelocityEvent:
    return velocity_event(f"o{i}", T, Fen(100), T.date(), device="dev-outage", ip="10.3.3.3")


def test_a_cluster_that_goes_down_fails_closed_or_falls_back(
    tmp_path: Path, fraud_db: Database, hasher: Hasher
) -> None:
    """The same behaviour as one Redis (test_velocity_redis_outage): its own cluster, stopped."""
    cluster = start_redis_cluster(tmp_path / "cluster")
    clock = FakeClock(T)
    try:
        closed = velocity_store(redis_url=cluster.url, db=fraud_db, hasher=hasher, clock=clock)
        falls_back = velocity_store(
            redis_url=cluster.url,
            db=fraud_db,
            hasher=hasher,
            clock=clock,
            on_redis_error="fallback_db",
        )
        assert isinstance(closed, RedisVelocityStore) and closed.on_cluster
        assert closed.record_and_count(_event(1)).count(KeyType.DEVICE, "1h") == 1
        assert falls_back.record_and_count(_event(2)).backend == "redis"
    finally:
        cluster.stop()

    with pytest.raises(VelocityUnavailable, match="failed"):
        closed.record_and_count(_event(3))
    with pytest.raises(VelocityUnavailable, match="not retrying"):  # inside retry_after
        closed.count({KeyType.DEVICE: "dev-outage"})
    clock.advance(timedelta(seconds=6))
    with pytest.raises(VelocityUnavailable, match="failed"):  # retried, still down
        closed.record_and_count(_event(4))

    during = falls_back.record_and_count(_event(5))
    assert (during.backend, during.count(KeyType.DEVICE, "1h")) == ("sql", 1)  # the outage's own


def test_a_cluster_unreachable_at_start_is_an_outage_not_a_refused_start(
    fraud_db: Database, hasher: Hasher
) -> None:
    nowhere = "redis+cluster://127.0.0.1:1,127.0.0.1:2"  # nothing listens there
    closed = velocity_store(redis_url=nowhere, db=fraud_db, hasher=hasher, clock=FakeClock(T))
    with pytest.raises(VelocityUnavailable):
        closed.record_and_count(_event(1))
    falls_back = velocity_store(
        redis_url=nowhere,
        db=fraud_db,
        hasher=hasher,
        clock=FakeClock(T),
        on_redis_error="fallback_db",
    )
    assert falls_back.record_and_count(_event(2)).backend == "sql"
