"""Four processes link interleaved shares of one stream whose applications keep joining each
other's components: the stored graph ends exactly as the batch union-find partitions the stream —
every application counted once, sizes right, keys and applications labelled alike — although
writers lock only the keys and components they touch (in the database; in Redis each link is one
script, which Redis runs alone)."""

from __future__ import annotations

import hashlib
import multiprocessing
import random
from collections import Counter, defaultdict
from datetime import UTC, datetime, timedelta

import pytest
import redis
import sqlalchemy as sa

from fengkong.core.clock import FakeClock
from fengkong.core.money import Fen
from fengkong.db.database import Database
from fengkong.db.fraud_links import SqlIdentityLinks
from fengkong.db.fraud_signal_stores import SqlSignalStores
from fengkong.db.fraud_tables import link_applications, link_components, link_edges, link_keys
from fengkong.db.fraud_velocity import SqlVelocityStore
from fengkong.db.redis_links import RedisIdentityLinks
from fengkong.db.redis_velocity import redis_client
from fengkong.fraud.keys import KeyType
from fengkong.fraud.links import IdentityLinks, LinkApplication
from fengkong.fraud.velocity import velocity_event

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
PROCESSES = 4
APPLICATIONS = 480


def stream() -> list[LinkApplication]:
    """Small pools of devices, phones and cards: components grow and merge all the time."""
    rng = random.Random(20260302)
    apps = []
    for i in range(APPLICATIONS):
        keys = {
            KeyType.RESIDENT_ID: f"id-{rng.randrange(300)}",
            KeyType.DEVICE: f"dev-{rng.randrange(220)}",
            KeyType.MOBILE: f"tel-{rng.randrange(260)}" if rng.random() < 0.8 else None,
            KeyType.BANK_CARD: f"card-{rng.randrange(400)}" if rng.random() < 0.5 else None,
        }
        apps.append(
            LinkApplication(
                f"app-{i:04d}",
                T0 + timedelta(seconds=i),
                tuple(sorted(keys.items())),
                declined=rng.random() < 0.1,
            )
        )
    return apps


def _writer(url: str, worker: int, out, prefix: str = "") -> None:  # type: ignore[no-untyped-def]
    db: Database | None = None
    links: IdentityLinks
    if url.startswith("redis://"):
        links = RedisIdentityLinks(redis_client(url, timeout=5.0), FakeClock(T0), prefix=prefix)
    else:
        db = Database(url)
        links = SqlIdentityLinks(db)
    try:
        for app in stream()[worker::PROCESSES]:
            links.link(app)
    except Exception as exc:  # reported to the test, which fails at once instead of timing out
        out.put(f"worker {worker}: {type(exc).__name__}: {exc}")
        raise
    finally:
        if db is not None:
            db.dispose()
    out.put(worker)


def _hasher(field: str, clear: str) -> str:
    return hashlib.sha256(f"{field}\x00{clear}".encode()).hexdigest()


def _writer_together(url: str, worker: int, out, prefix: str = "") -> None:  # type: ignore[no-untyped-def]
    """Each application's velocity record (its device) and link update, sent together."""
    db = Database(url)
    stores = SqlSignalStores(SqlVelocityStore(db, _hasher, FakeClock(T0)), SqlIdentityLinks(db))
    seen: list[tuple[str, int]] = []
    try:
        for app in stream()[worker::PROCESSES]:
            device = dict(app.keys)[KeyType.DEVICE]
            assert device is not None
            event = velocity_event(app.application_id, app.at, Fen(100), T0.date(), device=device)
            recorded, _ = stores.record_and_link(event, app)
            seen.append((device, recorded.count(KeyType.DEVICE, "30d") or 0))
    except Exception as exc:
        out.put(f"worker {worker}: {type(exc).__name__}: {exc}")
        raise
    finally:
        db.dispose()
    out.put(seen)


def _run_writers(url: str, prefix: str = "", writer=_writer) -> list:  # type: ignore[no-untyped-def]
    """What each writer reported, in the order they finished."""
    ctx = multiprocessing.get_context("fork")
    out = ctx.Queue()
    workers = [
        ctx.Process(target=writer, args=(url, w, out, prefix), daemon=True)
        for w in range(PROCESSES)
    ]
    for p in workers:
        p.start()
    reports = [out.get(timeout=60) for _ in workers]
    failures = [r for r in reports if isinstance(r, str)]
    assert not failures, failures
    for p in workers:
        p.join(timeout=60)
        assert p.exitcode == 0
    return reports


def _batch_partition(apps: list[LinkApplication]) -> set[frozenset[str]]:
    parent: dict[str, str] = {}

    def find(x: str) -> str:
        while parent.setdefault(x, x) != x:
            x = parent[x]
        return x

    for app in apps:
        for key in app.link_keys():
            parent[find(f"key:{key}")] = find(app.application_id)
        find(app.application_id)
    groups: dict[str, set[str]] = defaultdict(set)
    for app in apps:
        groups[find(app.application_id)].add(app.application_id)
    return {frozenset(g) for g in groups.values()}


def test_concurrent_writers_keep_the_graph_whole(fraud_db) -> None:  # type: ignore[no-untyped-def]
    fraud_db.dispose()  # no connection of the parent's to this file crosses the fork
    _run_writers(fraud_db.url.render_as_string(hide_password=False))
    _assert_whole(fraud_db)


def _assert_whole(fraud_db: Database) -> None:
    apps = stream()
    with fraud_db.engine.connect() as conn:
        labels = dict(
            conn.execute(
                sa.select(link_applications.c.application_id, link_applications.c.component_id)
            ).all()
        )
        sizes = dict(
            conn.execute(sa.select(link_components.c.component_id, link_components.c.size)).all()
        )
        key_labels = {
            (kt, h): cid
            for kt, h, cid in conn.execute(
                sa.select(link_keys.c.key_type, link_keys.c.key_hash, link_keys.c.component_id)
            )
        }
        edges = conn.execute(
            sa.select(link_edges.c.key_type, link_edges.c.key_hash, link_edges.c.application_id)
        ).all()

    stored: dict[str, set[str]] = defaultdict(set)
    for app_id, cid in labels.items():
        stored[cid].add(app_id)
    assert {frozenset(g) for g in stored.values()} == _batch_partition(apps)
    assert sizes == {cid: len(members) for cid, members in stored.items()}
    assert len(edges) == sum(len(app.link_keys()) for app in apps)
    for kt, h, app_id in edges:
        assert key_labels[(kt, h)] == labels[app_id]
    assert max(sizes.values()) > 100  # the stream did merge large components concurrently


@pytest.mark.postgres
@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_velocity_and_links_sent_together_lose_nothing(fraud_db: Database) -> None:
    """The same stream, each application's velocity record and link update in one transaction
    (`SqlSignalStores`): the graph ends whole, and each device's counts, as its writers saw
    them, are exactly 1..n — no two applications counted alike, none lost."""
    reports = _run_writers(
        fraud_db.url.render_as_string(hide_password=False), writer=_writer_together
    )
    _assert_whole(fraud_db)
    counts: dict[str, list[int]] = defaultdict(list)
    for seen in reports:
        for device, count in seen:
            counts[device].append(count)
    uses = Counter(dict(app.keys)[KeyType.DEVICE] for app in stream())
    assert {d: sorted(c) for d, c in counts.items()} == {
        d: list(range(1, n + 1)) for d, n in uses.items()
    }


@pytest.mark.redis
def test_concurrent_writers_keep_the_graph_whole_in_redis(redis_url, redis_prefix) -> None:  # type: ignore[no-untyped-def]
    _run_writers(redis_url, redis_prefix)

    client = redis.Redis.from_url(redis_url)
    try:
        parent = {
            k.decode(): v.decode() for k, v in client.hgetall(f"{redis_prefix}lk:parent").items()
        }
        sizes = {k.decode(): int(v) for k, v in client.hgetall(f"{redis_prefix}lk:size").items()}
    finally:
        client.close()

    def root(app_id: str) -> str:
        while app_id in parent:
            app_id = parent[app_id]
        return app_id

    apps = stream()
    stored: dict[str, set[str]] = defaultdict(set)
    for app in apps:
        stored[root(app.application_id)].add(app.application_id)
    assert {frozenset(g) for g in stored.values()} == _batch_partition(apps)
    assert sizes == {cid: len(members) for cid, members in stored.items()}
    assert max(sizes.values()) > 100
