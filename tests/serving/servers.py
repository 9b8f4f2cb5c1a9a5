"""The processes of a lender's deployment in the serving tests: `Deployment` (what every replica
shares, and the credentials of the tests' clients) and `fengkong serve` started, awaited and
stopped (`Server`)."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest

from fengkong.bootstrap import Context

ROOT = Path(__file__).resolve().parents[2]
STARTUP_SECONDS = 90


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Deployment:
    """What every replica shares, and the credentials the tests' clients present."""

    database_url: str
    redis_url: str
    home: Path
    env: dict[str, str]
    channel_key: str
    auditor_key: str
    officer_keys: dict[str, str] = field(default_factory=dict)
    context: Context | None = None  # the operator's own wiring, to read what was stored

    @property
    def ctx(self) -> Context:
        assert self.context is not None
        return self.context


@dataclass
class Server:
    """One `fengkong serve` process (its uvicorn supervisor, with `--workers N`)."""

    url: str
    process: subprocess.Popen[bytes]
    log: Path

    def workers(self) -> list[int]:
        """The pids of the uvicorn worker processes serving now (children of the supervisor
        that run the spawned server, not multiprocessing's resource tracker)."""
        found = []
        for entry in Path("/proc").iterdir():
            if not entry.name.isdigit():
                continue
            try:
                stat = (entry / "stat").read_text()
                cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ")
            except OSError:
                continue  # gone meanwhile
            # The command may hold spaces and parentheses: the fields follow the last ")".
            ppid = int(stat.rsplit(")", 1)[1].split()[1])
            if ppid == self.process.pid and b"spawn_main" in cmdline:
                found.append(int(entry.name))
        return sorted(found)

    def log_text(self) -> str:
        return self.log.read_text(errors="replace") if self.log.exists() else ""


def start_server(
    deployment: Deployment, where: Path, workers: int = 1, extra: dict[str, str] | None = None
) -> Server:
    """`fengkong serve` on a free loopback port with the deployment's environment."""
    port = free_port()
    env = {k: v for k, v in os.environ.items() if k not in ("FENGKONG_CONFIG",)}
    env.update(deployment.env)
    env.update(extra or {})
    env["PYTHONPATH"] = str(ROOT / "src")
    where.mkdir(parents=True, exist_ok=True)
    log = where / f"serve-{port}.log"
    command = [sys.executable, "-c", "from fengkong.cli import app; app()", "serve"]
    command += ["--host", "127.0.0.1", "--port", str(port), "--workers", str(workers)]
    with log.open("wb") as sink:
        process = subprocess.Popen(
            command, env=env, cwd=where, stdin=subprocess.DEVNULL, stdout=sink, stderr=sink
        )
    return Server(f"http://127.0.0.1:{port}", process, log)


def wait_until_up(server: Server, workers: int = 1) -> None:
    """Until `server` answers `/healthz` and, when it runs several, all its workers live (one
    worker is the supervisor's own process)."""
    deadline = time.monotonic() + STARTUP_SECONDS
    while True:
        if server.process.poll() is not None:
            pytest.fail(f"a server exited ({server.process.returncode}):\n{server.log_text()}")
        try:
            if httpx.get(f"{server.url}/healthz", timeout=2).status_code == 200 and (
                workers == 1 or len(server.workers()) >= workers
            ):
                return
        except httpx.TransportError:
            pass
        if time.monotonic() > deadline:
            pytest.fail(f"{server.url} did not answer in {STARTUP_SECONDS} s:\n{server.log_text()}")
        time.sleep(0.2)


def stop(server: Server) -> None:
    if server.process.poll() is None:
        server.process.send_signal(signal.SIGTERM)  # uvicorn's supervisor stops its workers
    try:
        server.process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        server.process.kill()
        server.process.wait()
