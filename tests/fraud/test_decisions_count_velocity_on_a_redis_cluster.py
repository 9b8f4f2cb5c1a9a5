"""The whole path with the velocity counters on a Redis Cluster: settings naming the cluster in
`velocity_redis_url`, the context wired from them, applications decided over the API; each
decision counts the applications before it on the cluster, and the cluster holds the counters."""

from __future__ import annotations

import random
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from redis.cluster import RedisCluster

from factories import body
from fakes.api import api_client
from fengkong.bootstrap import Context
from fengkong.core.settings import Settings
from fengkong.db.redis_velocity import RedisVelocityStore
from fengkong.fraud.keys import KeyType, canonical_key, key_hash
from fengkong.sim.identity import identity
from fraud.redis_cluster import RedisClusterServers

pytestmark = pytest.mark.redis


@pytest.fixture
def settings(tmp_path: Path, database_url: str, redis_cluster: RedisClusterServers) -> Settings:
    """The `context` fixture's settings, the counters on the cluster (the links in the books)."""
    return Settings(
        env="test",
        home=tmp_path / "home",
        database_url=database_url,
        velocity_redis_url=redis_cluster.url,
    )


@pytest.fixture
def client(context: Context) -> Iterator[TestClient]:
    with api_client(context) as c:
        yield c


def _decided_count(client: TestClient, context: Context, seed: int, device: str) -> Any:
    p = identity(35, context.clock.business_date(), random.Random(seed))
    person = {"name": p.name, "id_number": p.id_number, "phone": p.phone}
    response = client.post(
        "/v1/applications", json=body(applicant=person, channel={"device_id": device})
    )
    assert response.status_code == 201, response.text
    with context.uow() as uow:
        record = uow.decisions.for_application(response.json()["application_id"])
    assert record is not None
    return record.features["velocity.device.24h.count"]


def test_decisions_count_on_the_cluster(
    client: TestClient, context: Context, redis_cluster: RedisClusterServers
) -> None:
    assert context.fraud is not None
    velocity = context.fraud.velocity
    assert isinstance(velocity, RedisVelocityStore) and velocity.on_cluster
    device = f"dev-{uuid.uuid4().hex[:8]}"

    assert [_decided_count(client, context, seed, device) for seed in (1, 2, 3)] == [1, 2, 3]

    assert velocity.count({KeyType.DEVICE: device}).count(KeyType.DEVICE, "24h") == 3
    canonical = canonical_key(KeyType.DEVICE, device, context.clock.business_date())
    key = f"{velocity.prefix}vel:device:{key_hash(KeyType.DEVICE, canonical, velocity.hasher)}"
    cluster = velocity.client
    assert isinstance(cluster, RedisCluster)
    holder = cluster.get_node_from_key(key).port
    node = redis_cluster.node(holder)  # the node itself, no redirection followed
    try:
        assert node.zcard(key) == 3
    finally:
        node.close()
