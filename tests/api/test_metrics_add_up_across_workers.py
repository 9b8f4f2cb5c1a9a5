"""Under `fengkong serve --workers N` each worker writes its metrics to one directory
(prometheus_client's multiprocess mode) and a scrape of any worker shows the whole server: the
counters of every worker, and the pool and queue gauges of the live ones."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from fengkong.cli.ops import MULTIPROC_ENV, metrics_dir

# prometheus_client chooses file-backed values when it is imported, so each "worker" is a
# process of its own started with the directory in its environment, as uvicorn's are.
WORKER = """
import os, sys
from fengkong.api.metrics import ApiMetrics
from fengkong.db.database import PoolStatus
m = ApiMetrics()
decisions, lent = int(sys.argv[1]), int(sys.argv[2])
m.decisions.labels("approve").inc(decisions)
m.requests.labels("POST", "/v1/applications", "201").inc(decisions)
m.observe_pool(PoolStatus(size=5, checked_out=lent, overflow=-5 + lent))
m.in_flight.inc(lent)
m.shed.labels("queue_full").inc(decisions)
print(os.getpid())
"""

SCRAPE = """
import sys
from fengkong.api.metrics import ApiMetrics, worker_exited
for pid in sys.argv[1:]:
    worker_exited(int(pid))
sys.stdout.write(bytes(ApiMetrics().render().body).decode())
"""


def _run(code: str, directory: Path, *args: str) -> str:
    env = {**os.environ, MULTIPROC_ENV: str(directory)}
    env["PYTHONPATH"] = os.pathsep.join([str(Path(__file__).parents[2] / "src"), *sys.path])
    done = subprocess.run(
        [sys.executable, "-c", code, *args], env=env, capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


def _value(exposition: str, sample: str) -> float:
    lines = [line for line in exposition.splitlines() if line.startswith(sample + " ")]
    assert len(lines) == 1, (sample, exposition)
    return float(lines[0].rsplit(" ", 1)[1])


def test_one_scrape_shows_both_workers(tmp_path: Path) -> None:
    directory = tmp_path / "metrics"
    directory.mkdir()
    first = _run(WORKER, directory, "3", "2").strip()
    _run(WORKER, directory, "4", "1")
    scraped = _run(SCRAPE, directory)
    assert _value(scraped, 'fengkong_decisions_total{outcome="approve"}') == 7
    requests = 'fengkong_http_requests_total{method="POST",route="/v1/applications",status="201"}'
    assert _value(scraped, requests) == 7
    assert _value(scraped, "fengkong_db_pool_checked_out") == 3
    assert _value(scraped, "fengkong_db_pool_size") == 10
    assert _value(scraped, "fengkong_http_in_flight") == 3
    assert _value(scraped, 'fengkong_http_shed_total{reason="queue_full"}') == 7

    # A worker that has exited leaves the pool sums; what it counted stays counted.
    scraped = _run(SCRAPE, directory, first)
    assert _value(scraped, "fengkong_db_pool_checked_out") == 1
    assert _value(scraped, "fengkong_db_pool_size") == 5
    assert _value(scraped, "fengkong_http_in_flight") == 1
    assert _value(scraped, 'fengkong_decisions_total{outcome="approve"}') == 7


def test_serve_starts_from_an_empty_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv(MULTIPROC_ENV, raising=False)
    stale = tmp_path / "run" / "metrics" / "counter_123.db"
    stale.parent.mkdir(parents=True)
    stale.write_bytes(b"a previous run's counts")
    assert metrics_dir(tmp_path) == stale.parent.resolve()
    assert list(stale.parent.iterdir()) == []

    named = tmp_path / "elsewhere"
    monkeypatch.setenv(MULTIPROC_ENV, str(named))
    assert metrics_dir(tmp_path) == named.resolve() and named.is_dir()


def test_a_worker_shutting_down_leaves_the_live_sums(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """At the app's shutdown (uvicorn then re-raises SIGTERM, so exit handlers never run)."""
    from contextlib import asynccontextmanager

    import anyio

    from fengkong.api.main import _marking_dead

    monkeypatch.setenv(MULTIPROC_ENV, str(tmp_path))
    live = tmp_path / f"gauge_livesum_{os.getpid()}.db"
    counted = tmp_path / f"counter_{os.getpid()}.db"
    live.write_bytes(b"")
    counted.write_bytes(b"")

    @asynccontextmanager
    async def inner(_app: object):  # type: ignore[no-untyped-def]
        yield None

    async def serve_and_stop() -> None:
        async with _marking_dead(inner)(object()):
            assert live.exists()

    anyio.run(serve_and_stop)
    assert not live.exists() and counted.exists()
