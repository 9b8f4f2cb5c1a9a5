"""A real Redis Cluster for tests: three redis-server primaries of the test's own, joined with
`redis-cli --cluster create`, each node's slots its own. Skipped when redis-server is not
installed, and failed instead under CI (CI=true), where these tests must run."""

from __future__ import annotations

import os
import random
import shutil
import socket
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import redis

IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")
NODES = 3
_BUS_OFFSET = 10_000  # a cluster node also listens on its port + 10000, the cluster bus


def _binaries() -> tuple[str, str]:
    server, cli = shutil.which("redis-server"), shutil.which("redis-cli")
    if server is None or cli is None:
        message = "redis-server and redis-cli are needed to start a Redis Cluster"
        if IN_CI:
            pytest.fail(message + " (CI=true requires them)", pytrace=False)
        pytest.skip(message)
    return server, cli


def _free(port: int) -> bool:
    with socket.socket() as s:
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def _free_ports(count: int) -> list[int]:
    """Ports free with their bus port (port + 10000), away from the ephemeral range."""
    chosen: list[int] = []
    candidates = random.sample(range(20_000, 30_000), 400)
    for port in candidates:
        if port not in chosen and _free(port) and _free(port + _BUS_OFFSET):
            chosen.append(port)
            if len(chosen) == count:
                return chosen
    pytest.fail("no free ports for a Redis Cluster's nodes")


@dataclass
class RedisClusterServers:
    """The running nodes: `url` in the form the settings take, `ports` one per primary."""

    ports: list[int]
    processes: list[subprocess.Popen[bytes]] = field(default_factory=list)

    @property
    def url(self) -> str:
        return "redis+cluster://" + ",".join(f"127.0.0.1:{p}" for p in self.ports[:2])

    def node(self, port: int) -> redis.Redis:
        """A plain client to one node: what it holds itself, no redirection followed."""
        return redis.Redis(host="127.0.0.1", port=port, socket_timeout=5)

    def stop(self) -> None:
        for process in self.processes:
            if process.poll() is None:
                process.terminate()
        for process in self.processes:
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=10)


def start_redis_cluster(where: Path) -> RedisClusterServers:
    """Three primaries in `where`, the 16384 slots shared among them, `cluster_state:ok`."""
    server, cli = _binaries()
    where.mkdir(parents=True, exist_ok=True)
    cluster = RedisClusterServers(_free_ports(NODES))
    try:
        for port in cluster.ports:
            command = [server, "--port", str(port), "--bind", "127.0.0.1"]
            command += ["--cluster-enabled", "yes"]
            command += ["--cluster-config-file", str(where / f"nodes-{port}.conf")]
            command += ["--dir", str(where), "--save", "", "--appendonly", "no"]
            command += ["--daemonize", "no"]
            with (where / f"redis-{port}.log").open("wb") as log:
                cluster.processes.append(subprocess.Popen(command, stdout=log, stderr=log))
        for port in cluster.ports:
            _wait_for_ping(cluster, port)
        nodes = [f"127.0.0.1:{p}" for p in cluster.ports]
        created = subprocess.run(
            [cli, "--cluster", "create", *nodes, "--cluster-replicas", "0", "--cluster-yes"],
            capture_output=True,
            timeout=60,
            check=False,
        )
        if created.returncode != 0:
            pytest.fail(f"redis-cli --cluster create failed: {created.stdout!r} {created.stderr!r}")
        for port in cluster.ports:
            _wait_for_state_ok(cluster, port)
    except BaseException:
        cluster.stop()
        raise
    return cluster


def _wait_for_ping(cluster: RedisClusterServers, port: int) -> None:
    client = redis.Redis(host="127.0.0.1", port=port, socket_connect_timeout=0.2)
    deadline = time.monotonic() + 15
    try:
        while True:
            try:
                client.ping()
                return
            except redis.RedisError:
                if time.monotonic() > deadline or any(
                    p.poll() is not None for p in cluster.processes
                ):
                    pytest.fail(f"the cluster node on port {port} did not start")
                time.sleep(0.05)
    finally:
        client.close()


def _wait_for_state_ok(cluster: RedisClusterServers, port: int) -> None:
    client = cluster.node(port)
    deadline = time.monotonic() + 30
    try:
        while client.cluster("INFO").get("cluster_state") != "ok":
            if time.monotonic() > deadline:
                pytest.fail(f"the cluster node on port {port} never reported cluster_state:ok")
            time.sleep(0.1)
    finally:
        client.close()
