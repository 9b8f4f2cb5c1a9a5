"""The HTTP API served as `fengkong serve` serves it, in a child process, for benches that time a
request end to end: uvicorn with one worker on loopback and the app `fengkong.api.main.build`
makes (JSON request logs, to a file here; `gc.freeze()` once it is built). Only the clock
differs: a fixed instant, so the bench's loans are on the business day they were loaded for.

The client is another process, as a lender's gateway would be, so it shares neither the server's
interpreter lock nor its event loop."""

from __future__ import annotations

import multiprocessing
import os
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

import httpx

from bench.harness import free_port, process_tree_cpu_seconds

if TYPE_CHECKING:
    from fengkong.bootstrap import Context

STARTUP_SECONDS = 60


def _serve(
    database_url: str, home: str, at: datetime, port: int, log: str, console: bool = False
) -> None:
    import uvicorn

    from fengkong.api.main import build as build_api
    from fengkong.core.clock import FakeClock
    from fengkong.core.settings import Settings
    from fengkong.web.main import build as build_with_console

    out = os.open(log, os.O_WRONLY | os.O_CREAT | os.O_APPEND)
    os.dup2(out, 1)
    os.dup2(out, 2)
    # The benchmark's one client asks faster than the rate limits let any client: they are off.
    settings = Settings(
        env="test", home=Path(home), database_url=database_url, rate_limit_enabled=False
    )
    build = build_with_console if console else build_api
    app = build(settings, clock=FakeClock(at))
    uvicorn.run(app, host="127.0.0.1", port=port, log_config=None, access_log=False)


def officer_key(ctx: Context) -> str:
    """The secret of a new API key holding the officer role, issued in `ctx`'s database as its
    admin would (`fengkong keys issue`): what the benchmark's client authenticates with."""
    from fengkong.access.keys import issue_key
    from fengkong.core.actor import Actor, Role

    admin = Actor(name="bench", kind="system", roles=frozenset({Role.ADMIN}))
    issued = issue_key(ctx.access, admin, name="bench-officer", roles=frozenset({Role.OFFICER}))
    return issued.secret


@contextmanager
def served(
    database_url: str, home: Path, at: datetime, secret: str, console: bool = False
) -> Iterator[httpx.Client]:
    """A client of the API (and, with `console`, the officer console at `/console/`) served
    from `database_url` (already migrated) with its clock at `at`, sending `secret` as its
    credentials; the server stops when the block ends."""
    port = free_port()
    log = home / "server.log"
    child = multiprocessing.get_context("spawn").Process(
        target=_serve, args=(database_url, str(home), at, port, str(log), console), daemon=True
    )
    child.start()
    try:
        with httpx.Client(
            base_url=f"http://127.0.0.1:{port}",
            timeout=30,
            headers={"Authorization": f"Bearer {secret}"} if secret else {},
        ) as client:
            _wait_until_up(client, child, log)
            yield client
    finally:
        child.terminate()
        child.join(10)


def _serve_factory(factory: str, env: dict[str, str], port: int, workers: int, log: str) -> None:
    import uvicorn

    out = os.open(log, os.O_WRONLY | os.O_CREAT | os.O_APPEND)
    os.dup2(out, 1)
    os.dup2(out, 2)
    # multiprocessing closed this child's stdin, which uvicorn hands on to each worker it spawns
    os.dup2(os.open(os.devnull, os.O_RDONLY), 0)
    sys.stdin = open(0)  # noqa: SIM115  (lives as long as the process)
    os.environ.update(env)  # uvicorn's workers are spawned: they inherit it
    uvicorn.run(
        factory,
        factory=True,
        host="127.0.0.1",
        port=port,
        workers=workers,
        log_config=None,
        access_log=False,
    )


@dataclass(frozen=True, slots=True)
class Served:
    """A server `served_workers` started: where it answers, and the process at the top of it
    (uvicorn itself, or its supervisor above the workers)."""

    base_url: str
    pid: int

    def cpu_seconds(self) -> float | None:
        """CPU seconds the server's processes (supervisor and workers) have used so far."""
        return process_tree_cpu_seconds(self.pid)


@contextmanager
def served_workers(
    factory: str, env: dict[str, str], home: Path, workers: int = 1
) -> Iterator[Served]:
    """The ASGI factory `factory` ("module:function") served by uvicorn with `workers` worker
    processes, as `fengkong serve --workers N` serves the API, in a child process whose
    environment adds `env` (the workers' settings); it stops when the block ends."""
    port = free_port()
    log = home / f"server-{port}.log"
    child = multiprocessing.get_context("spawn").Process(
        target=_serve_factory, args=(factory, env, port, workers, str(log)), daemon=False
    )
    child.start()
    base = f"http://127.0.0.1:{port}"
    try:
        with httpx.Client(base_url=base, timeout=30) as client:
            _wait_until_up(client, child, log)
        assert child.pid is not None  # started above
        yield Served(base, child.pid)
    finally:
        child.terminate()  # uvicorn's supervisor stops its workers on SIGTERM
        child.join(30)
        if child.is_alive():
            child.kill()
            child.join(5)


def _wait_until_up(
    client: httpx.Client, child: multiprocessing.process.BaseProcess, log: Path
) -> None:
    deadline = time.monotonic() + STARTUP_SECONDS
    while time.monotonic() < deadline:
        if not child.is_alive():
            tail = log.read_text(errors="replace")[-2000:] if log.exists() else ""
            raise RuntimeError(f"the API server exited during start-up:\n{tail}")
        try:
            if client.get("/healthz").status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.1)
    raise RuntimeError(f"the API server did not answer /healthz within {STARTUP_SECONDS} s")
