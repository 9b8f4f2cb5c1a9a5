"""Which Redis holds what: the velocity counters take a URL of their own, one server or a Redis
Cluster in the `limits` form rate limits take; the identity-link graph needs one primary, so a
cluster URL for it is refused when the settings load (`fengkong serve` exits 2)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from pydantic import ValidationError
from typer.testing import CliRunner

from fengkong.cli import app
from fengkong.core.clock import FakeClock
from fengkong.core.errors import Invalid
from fengkong.core.redis_urls import ClusterURL, is_cluster_url, parse_cluster_url
from fengkong.core.settings import load_settings
from fengkong.db.database import Database
from fengkong.db.fraud_stores import identity_links

CLUSTER = "redis+cluster://10.0.0.1:7000,10.0.0.2:7001"


def test_a_cluster_url_names_its_nodes_and_credentials() -> None:
    assert parse_cluster_url(CLUSTER) == ClusterURL((("10.0.0.1", 7000), ("10.0.0.2", 7001)))
    with_password = parse_cluster_url("redis+cluster://:s%40cret@node-a:6379, node-b:6380/")
    assert with_password.nodes == (("node-a", 6379), ("node-b", 6380))
    assert (with_password.username, with_password.password) == (None, "s@cret")
    assert "s@cret" not in repr(with_password)
    named = parse_cluster_url("REDIS+CLUSTER://ops:pw@node-a:6379")
    assert (named.username, named.password) == ("ops", "pw")
    assert is_cluster_url(CLUSTER) and not is_cluster_url("redis://10.0.0.1:6379/0")


@pytest.mark.parametrize(
    ("url", "problem"),
    [
        ("redis+cluster://", "at least one node"),
        ("redis+cluster://node-a", "host:port"),
        ("redis+cluster://node-a:6379,node-b", "host:port"),
        ("redis+cluster://node-a:notaport", "host:port"),
        ("redis+cluster://node-a:6379/2", "one database"),
        ("redis://node-a:6379", "starts with"),
    ],
)
def test_a_malformed_cluster_url_says_what_is_wrong(url: str, problem: str) -> None:
    with pytest.raises(ValueError, match=problem):
        parse_cluster_url(url)


def test_velocity_follows_redis_url_unless_given_its_own() -> None:
    assert load_settings(redis_url=None).resolved_velocity_redis_url is None
    one = "redis://10.0.0.9:6379/0"
    assert load_settings(redis_url=one).resolved_velocity_redis_url == one
    both = load_settings(redis_url=one, velocity_redis_url=CLUSTER)
    assert (both.redis_url, both.resolved_velocity_redis_url) == (one, CLUSTER)
    alone = load_settings(redis_url=None, velocity_redis_url="rediss://10.0.0.9:6380/1")
    assert alone.resolved_velocity_redis_url == "rediss://10.0.0.9:6380/1"


@pytest.mark.parametrize("url", ["redis+cluster://node-a", "http://node-a:6379", "node-a:6379"])
def test_a_velocity_url_that_is_no_redis_is_refused(url: str) -> None:
    with pytest.raises(ValidationError, match="velocity_redis_url"):
        load_settings(velocity_redis_url=url)


def test_a_cluster_for_the_links_is_refused_in_both_languages() -> None:
    with pytest.raises(ValidationError) as refused:
        load_settings(redis_url=CLUSTER)
    message = str(refused.value)
    assert "one Redis primary" in message and "单个 Redis 主节点" in message
    assert "FENGKONG_VELOCITY_REDIS_URL" in message


def test_the_link_store_refuses_a_cluster_url_too(tmp_path: Path) -> None:
    db = Database(f"sqlite:///{tmp_path / 'links.db'}")
    try:
        with pytest.raises(Invalid, match="redis_url"):
            identity_links(redis_url=CLUSTER, db=db, clock=FakeClock(date(2026, 3, 2)))
    finally:
        db.dispose()


def test_serve_refuses_a_cluster_for_the_links_before_starting(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FENGKONG_HOME", str(tmp_path))
    monkeypatch.setenv("FENGKONG_CONFIG", str(tmp_path / "absent.toml"))
    monkeypatch.setenv("FENGKONG_REDIS_URL", CLUSTER)
    result = CliRunner().invoke(app, ["serve"])
    assert result.exit_code == 2, result.output
    assert "redis_url" in result.output and "identity-link graph" in result.output
    assert "身份关联图" in result.output
    assert not (tmp_path / "fengkong.db").exists()  # refused before anything was opened
