"""Redis URLs as the settings take them: one server (`redis://`, `rediss://`, `unix://`, read by
redis-py itself) or a Redis Cluster in the form the `limits` library reads for rate limits,
`redis+cluster://[user:password@]host:port[,host:port]`, so that operators write one form for both.

Parsed here, below every adapter, so that a malformed URL is refused when the settings load (exit
2 for a command) rather than on the first application.
"""

from __future__ import annotations

import urllib.parse
from dataclasses import dataclass, field

__all__ = [
    "CLUSTER_SCHEME",
    "LINKS_NEED_ONE_PRIMARY",
    "SINGLE_SCHEMES",
    "ClusterURL",
    "check_links_redis_url",
    "check_velocity_redis_url",
    "is_cluster_url",
    "parse_cluster_url",
]

CLUSTER_SCHEME = "redis+cluster"
SINGLE_SCHEMES = ("redis", "rediss", "unix")

# Why the links refuse a cluster, in both languages: the message a start refused prints.
LINKS_NEED_ONE_PRIMARY = (
    "FENGKONG_REDIS_URL holds the identity-link graph, which needs one Redis primary and cannot "
    "be split across a cluster's slots: name a single Redis here, and the cluster in "
    "FENGKONG_VELOCITY_REDIS_URL and FENGKONG_RATE_LIMIT_STORAGE_URL / "
    "FENGKONG_REDIS_URL 存放身份关联图，只能用单个 Redis 主节点，不能分布到集群的各个槽："
    "此处填单个 Redis，集群填在 FENGKONG_VELOCITY_REDIS_URL 和 FENGKONG_RATE_LIMIT_STORAGE_URL"
)


def _scheme(url: str) -> str:
    return url.split("://", 1)[0].lower() if "://" in url else ""


def is_cluster_url(url: str) -> bool:
    """Whether the URL names a Redis Cluster (`redis+cluster://…`) rather than one server."""
    return _scheme(url) == CLUSTER_SCHEME


@dataclass(frozen=True, slots=True)
class ClusterURL:
    """A Redis Cluster's startup nodes (any reachable one tells the client the rest) and the
    credentials every node takes."""

    nodes: tuple[tuple[str, int], ...]
    username: str | None = None
    password: str | None = field(default=None, repr=False)


def parse_cluster_url(url: str) -> ClusterURL:
    """`redis+cluster://[user:password@]host:port[,host:port]` → its nodes and credentials;
    `ValueError` naming what is wrong (no node, a node without a port, another scheme)."""
    if not is_cluster_url(url):
        raise ValueError(f"a Redis Cluster URL starts with {CLUSTER_SCHEME}://")
    parsed = urllib.parse.urlsplit(url)
    credentials, _, hosts = parsed.netloc.rpartition("@")
    nodes: list[tuple[str, int]] = []
    for location in hosts.split(","):
        if not location.strip():
            continue
        try:
            node = urllib.parse.urlsplit(f"//{location.strip()}")
            host, port = node.hostname, node.port
        except ValueError:
            host, port = None, None
        if not host or port is None:
            raise ValueError(f"a Redis Cluster node is host:port, not {location.strip()!r}")
        nodes.append((host, port))
    if not nodes:
        raise ValueError(
            f"a Redis Cluster URL names at least one node: {CLUSTER_SCHEME}://host:port"
        )
    if parsed.path.strip("/") not in ("", "0"):
        raise ValueError("a Redis Cluster has one database, 0: the URL names no other")
    username, password = None, None
    if credentials:
        user, has_password, secret = credentials.partition(":")
        username = urllib.parse.unquote(user) or None
        password = urllib.parse.unquote(secret) if has_password else None
    return ClusterURL(tuple(nodes), username, password)


def check_velocity_redis_url(url: str | None) -> str | None:
    """The velocity counters' URL as given (`None` for blank), or `ValueError`: one server's
    scheme, or a well-formed cluster URL."""
    if not url:
        return None
    if is_cluster_url(url):
        parse_cluster_url(url)
    elif _scheme(url) not in SINGLE_SCHEMES:
        raise ValueError(
            f"not a Redis URL: redis://, rediss://, unix:// or {CLUSTER_SCHEME}://host:port"
            "[,host:port] / 不是 Redis 地址"
        )
    return url


def check_links_redis_url(url: str | None) -> str | None:
    """The identity-link graph's URL as given, or `ValueError` for a cluster's."""
    if url and is_cluster_url(url):
        raise ValueError(LINKS_NEED_ONE_PRIMARY)
    return url
