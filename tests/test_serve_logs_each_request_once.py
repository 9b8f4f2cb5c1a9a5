"""`fengkong serve` writes one access line per request, the app's own, with the route template and
the request id; uvicorn's access logger, which the app's logging set-up used to re-open in each
worker, stays silent. Run for real: the server on a free loopback port, asked with plain HTTP."""

from __future__ import annotations

import json
import logging
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from fengkong.logs import configure_logging


def test_uvicorns_access_logger_prints_nothing_once_logging_is_configured(
    capfd: pytest.CaptureFixture[str],
) -> None:
    root = logging.getLogger()
    saved_handlers, saved_level = root.handlers[:], root.level
    try:
        configure_logging("json", "INFO")
        logging.getLogger("uvicorn.access").info('127.0.0.1:1 - "GET /healthz HTTP/1.1" 200')
        logging.getLogger("uvicorn.error").info("still heard")
    finally:
        root.handlers[:] = saved_handlers
        root.setLevel(saved_level)
    err = capfd.readouterr().err
    assert "still heard" in err and "/healthz" not in err


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


@pytest.fixture
def served(tmp_path: Path) -> Iterator[tuple[str, Path]]:
    """`fengkong serve` on SQLite, its stderr in a file; stopped afterwards."""
    port = _free_port()
    env = {
        **os.environ,
        "FENGKONG_HOME": str(tmp_path / "home"),
        "FENGKONG_DATABASE_URL": f"sqlite:///{tmp_path / 'f.db'}",
        "FENGKONG_REDIS_URL": "",
    }
    env.pop("FENGKONG_CONFIG", None)
    stderr = tmp_path / "serve.err"
    with stderr.open("wb") as sink:
        server = subprocess.Popen(
            [
                sys.executable,
                "-c",
                "from fengkong.cli import app; app()",
                "serve",
                "--host",
                "127.0.0.1",
                "--port",
                str(port),
            ],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=sink,
        )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 90
        while True:
            assert server.poll() is None, stderr.read_text()
            try:
                httpx.get(f"{base}/metrics", timeout=2)  # a request no test below counts
                break
            except httpx.TransportError:
                assert time.monotonic() < deadline, "the server did not start"
                time.sleep(0.3)
        yield base, stderr
    finally:
        server.terminate()
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


def test_serve_logs_each_request_once_with_its_id(served: tuple[str, Path]) -> None:
    base, stderr = served
    ok = httpx.get(f"{base}/healthz", headers={"X-Request-ID": "curl-1"}, timeout=10)
    # Without credentials (the served app has no users yet): refused, and logged as any other.
    missing = httpx.get(f"{base}/v1/loans/loan_nope", timeout=10)
    assert ok.status_code == 200 and ok.headers["x-request-id"] == "curl-1"
    assert missing.status_code == 401
    generated = missing.headers["x-request-id"]
    time.sleep(0.5)  # the lines are written as the responses go out; let them land
    lines = [json.loads(x) for x in stderr.read_text().splitlines() if x.startswith("{")]
    about = [
        line
        for line in lines
        if "/healthz" in json.dumps(line)
        or "loan_nope" in json.dumps(line)
        or line.get("route") == "/v1/loans/{loan_id}"
    ]
    assert [(x["logger"], x["route"], x["status"], x["request_id"]) for x in about] == [
        ("fengkong.api", "/healthz", 200, "curl-1"),
        ("fengkong.api", "/v1/loans/{loan_id}", 401, generated),
    ]
