"""Fixtures for fraud signals: a migrated database (SQLite and PostgreSQL), a keyed hasher, the
machine's Redis (skipped when absent, required under CI), a private Redis the test may stop and a
Redis Cluster of the session's own (three primaries started here)."""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
import redis

from fengkong.core.clock import Clock, FakeClock
from fengkong.db.database import Database
from fengkong.db.fraud_links import SqlIdentityLinks
from fengkong.db.fraud_velocity import SqlVelocityStore
from fengkong.db.migrate import upgrade
from fengkong.db.redis_links import RedisIdentityLinks
from fengkong.db.redis_velocity import RedisVelocityStore, cluster_client, redis_client
from fengkong.fraud.keys import Hasher
from fengkong.fraud.links import IdentityLinks
from fengkong.fraud.velocity import VelocityStore
from fengkong.onboarding.vault import Vault, generate_keyring
from fraud.redis_cluster import RedisClusterServers, start_redis_cluster
from redis_servers import PrivateRedis, private_redis_server

REDIS_URL = os.environ.get("FENGKONG_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")


def require_redis() -> None:
    try:
        client = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2, socket_timeout=2)
        client.ping()
        client.close()
        return
    except redis.RedisError as exc:
        problem = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    message = f"Redis at {REDIS_URL} is unreachable ({problem})"
    if IN_CI:
        pytest.fail(message + ": CI=true requires it", pytrace=False)
    pytest.skip(message + ": start it, or set FENGKONG_TEST_REDIS_URL")


@pytest.fixture
def fraud_db(db: Database) -> Database:
    return db


@pytest.fixture(scope="session")
def vault() -> Vault:
    return Vault(generate_keyring())


@pytest.fixture(scope="session")
def hasher(vault: Vault) -> Hasher:
    return vault.blind_index


@pytest.fixture
def redis_url() -> str:
    require_redis()
    return REDIS_URL


@pytest.fixture
def redis_prefix(redis_url: str) -> Iterator[str]:
    """A key prefix of this test's own; its keys are deleted afterwards."""
    prefix = f"fktest:{uuid.uuid4().hex[:12]}:"
    yield prefix
    client = redis.Redis.from_url(redis_url)
    keys = list(client.scan_iter(match=prefix + "*", count=1000))
    if keys:
        client.delete(*keys)
    client.close()


@pytest.fixture
def private_redis() -> Iterator[PrivateRedis]:
    binary = shutil.which("redis-server")
    if binary is None:
        message = "redis-server is not installed: the outage test starts one of its own"
        if IN_CI:
            pytest.fail(message + " (CI=true requires it)", pytrace=False)
        pytest.skip(message)
    with private_redis_server(binary) as server:
        yield server


@pytest.fixture(scope="session")
def redis_cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RedisClusterServers]:
    """A three-node Redis Cluster for the session; tests keep apart by key prefix."""
    cluster = start_redis_cluster(tmp_path_factory.mktemp("redis-cluster"))
    yield cluster
    cluster.stop()


VelocityStoreMaker = Callable[[Clock], VelocityStore]


@pytest.fixture(
    params=[
        "sqlite",
        pytest.param("postgresql", marks=pytest.mark.postgres),
        pytest.param("redis", marks=pytest.mark.redis),
        pytest.param("redis-cluster", marks=pytest.mark.redis),
    ]
)
def velocity_backend(
    request: pytest.FixtureRequest, tmp_path: Path, hasher: Hasher
) -> Iterator[tuple[str, VelocityStoreMaker]]:
    """`(name, make_store)` for each velocity backend; `name` is "sqlite", "postgresql", "redis"
    or "redis-cluster". The database ones share one migrated database per test."""
    if request.param == "redis-cluster":
        cluster: RedisClusterServers = request.getfixturevalue("redis_cluster")
        cluster_prefix = f"fktest:{uuid.uuid4().hex[:12]}:"

        def make_on_cluster(clock: Clock) -> VelocityStore:
            connect = cluster_client(cluster.url, timeout=5.0)
            return RedisVelocityStore(connect, hasher, clock, prefix=cluster_prefix)

        yield request.param, make_on_cluster
        return
    if request.param == "redis":
        url: str = request.getfixturevalue("redis_url")
        prefix: str = request.getfixturevalue("redis_prefix")

        def make(clock: Clock) -> VelocityStore:
            return RedisVelocityStore(redis_client(url, timeout=5.0), hasher, clock, prefix=prefix)

        yield request.param, make
        return
    if request.param == "sqlite":
        db_url = f"sqlite:///{tmp_path / 'velocity.db'}"
    else:
        db_url = request.getfixturevalue("postgres_url")
    first = Database(db_url)
    upgrade(first)
    first.dispose()
    databases: list[Database] = []

    def make_sql(clock: Clock) -> VelocityStore:
        # An engine per store: a forked writer must not share its parent's pooled connections.
        db = Database(db_url)
        databases.append(db)
        return SqlVelocityStore(db, hasher, clock)

    yield request.param, make_sql
    for db in databases:
        db.dispose()


@pytest.fixture(
    params=[
        "sqlite",
        pytest.param("postgresql", marks=pytest.mark.postgres),
        pytest.param("redis", marks=pytest.mark.redis),
    ]
)
def identity_links(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[IdentityLinks]:
    """A fresh identity-link graph in each backend: SQLite, PostgreSQL, Redis (a private prefix
    on the machine's Redis)."""
    if request.param == "redis":
        url: str = request.getfixturevalue("redis_url")
        prefix: str = request.getfixturevalue("redis_prefix")
        yield RedisIdentityLinks(
            redis_client(url, timeout=5.0),
            FakeClock(datetime(2026, 1, 1, tzinfo=UTC)),
            prefix=prefix,
        )
        return
    db_url = (
        f"sqlite:///{tmp_path / 'links.db'}"
        if request.param == "sqlite"
        else request.getfixturevalue("postgres_url")
    )
    db = Database(db_url)
    upgrade(db)
    yield SqlIdentityLinks(db)
    db.dispose()
