"""The load bench's wrk driver (`bench.load_wrk`): its reading of wrk's summary and of the
results its Lua script writes, on recorded output; the script it generates; and, where `wrk`
is installed, short runs against a stub server (every body handed out once, answers counted by
status and Retry-After, the accepted ids kept) and against the bench's floor app. The bench is
optional tooling and wrk an optional package: those runs are skipped without it. No timing is
asserted."""

from __future__ import annotations

import importlib
import json
import shutil
import threading
from collections import Counter
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[1]
needs_wrk = pytest.mark.skipif(shutil.which("wrk") is None, reason="wrk is not installed")

# `wrk -t2 -c4 -d1s --latency` against a server answering every fourth request 503
PLAIN = """Running 1s test @ http://127.0.0.1:18765/
  2 threads and 4 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency   623.18us    1.62ms  20.24ms   94.28%
    Req/Sec     7.01k     3.16k   18.19k    80.95%
  Latency Distribution
     50%  253.00us
     75%  382.00us
     90%    0.99ms
     99%    8.96ms
  14649 requests in 1.10s, 1.64MB read
  Non-2xx or 3xx responses: 3661
Requests/sec:  13319.33
Transfer/sec:      1.49MB
"""

# a run past saturation, with socket errors and latencies in seconds (as wrk prints them)
SATURATED = """Running 10s test @ http://127.0.0.1:41233
  2 threads and 256 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency   612.40ms  301.22ms   2.01s    68.12%
    Req/Sec   284.10    120.55   610.00     66.50%
  Latency Distribution
     50%  540.12ms
     75%  701.90ms
     90%    0.98s~
     99%    1.62s~
  5623 requests in 10.08s, 2.31MB read
  Socket errors: connect 0, read 3, write 1, timeout 2
  Non-2xx or 3xx responses: 3127
Requests/sec:    557.84
Transfer/sec:    234.71KB
""".replace("~", " ")  # wrk pads a one-letter unit with a space

RESULTS = """status 201 40
status 503 7
retry 503 7
id 01HZX1
id 01HZX2
status 201 2
status 429 3
id 01HZX3
id ~
ran_out
latency 0.5 12345
latency 0.75 20000
latency 0.9 31000
latency 0.99 540120
latency 0.999 1620000
""".replace("~", "")  # a 2xx answer without an id


@pytest.fixture
def wrk(monkeypatch: pytest.MonkeyPatch) -> ModuleType:
    monkeypatch.syspath_prepend(str(ROOT))
    return importlib.import_module("bench.load_wrk")


def test_the_summary_is_read_from_wrks_output(wrk: ModuleType) -> None:
    plain = wrk.parse_output(PLAIN)
    assert (plain.requests, plain.seconds, plain.requests_per_second) == (14649, 1.1, 13319.33)
    assert plain.latency_ms == pytest.approx({0.5: 0.253, 0.75: 0.382, 0.9: 0.99, 0.99: 8.96})
    assert (plain.transport, plain.timeout, plain.non_2xx) == (0, 0, 3661)

    saturated = wrk.parse_output(SATURATED)
    assert (saturated.requests, saturated.seconds) == (5623, 10.08)
    assert saturated.latency_ms == pytest.approx(
        {0.5: 540.12, 0.75: 701.9, 0.9: 980.0, 0.99: 1620.0}
    )
    assert (saturated.connect, saturated.read, saturated.write) == (0, 3, 1)
    assert (saturated.transport, saturated.timeout, saturated.non_2xx) == (4, 2, 3127)


def test_output_of_an_unfinished_run_is_refused(wrk: ModuleType) -> None:
    with pytest.raises(ValueError, match="finished wrk run"):
        wrk.parse_output("unable to connect to 127.0.0.1:1 Connection refused\n")


def test_the_scripts_results_add_up_across_threads(wrk: ModuleType) -> None:
    results = wrk.parse_results(RESULTS)
    assert results.statuses == Counter({"201": 42, "503": 7, "429": 3})
    assert results.retry_after == Counter({"503": 7})
    assert results.ids == ["01HZX1", "01HZX2", "01HZX3", ""]
    assert results.ran_out
    assert results.percentiles_ms == pytest.approx(
        {0.5: 12.345, 0.75: 20.0, 0.9: 31.0, 0.99: 540.12, 0.999: 1620.0}
    )
    with pytest.raises(ValueError, match="not a line"):
        wrk.parse_results("statuses 200 1\n")


def test_a_wrk_run_is_an_outcome_the_report_reads(wrk: ModuleType) -> None:
    load = importlib.import_module("bench.load")
    report = importlib.import_module("bench.load_report")
    outcome = wrk.outcome(
        wrk.parse_output(SATURATED), wrk.parse_results(RESULTS), 0.5, collect_ids=True
    )

    assert outcome.ok == 42 and outcome.seconds == 10.08 and outcome.ran_out
    assert outcome.statuses["transport"] == 4 and "timeout" not in outcome.statuses
    assert outcome.kinds() == {
        "429 without Retry-After": 3,
        "503 + Retry-After": 7,
        "transport": 4,
    }
    assert outcome.accepted_ids == ["01HZX1", "01HZX2", "01HZX3", ""]
    assert (
        wrk.outcome(wrk.parse_output(PLAIN), wrk.parse_results(RESULTS), 0.5, False).accepted_ids
        == []
    )

    row = load.Row("SQLite", 2, "decision", wrk.wrk_load(256), outcome, past_saturation=True)
    assert (row.p(0.5), row.p(0.99), row.p(0.999)) == pytest.approx((12.345, 540.12, 1620.0))
    opts = load.parse([])
    written = report.section(load.Measured(rows=[row]), opts, [])
    (said,) = [n for n in written.notes if n.startswith("SQLite, 2 worker(s), 256 conns (wrk)")]
    assert "56 sent, 42 accepted" in said and "10 shed (7 with Retry-After)" in said
    method = written.lines[0]
    assert "the floor and the decisions at 64 connections for 10 s" in method
    assert "the decisions at 256 connections for 10 s" in method
    python_only = report.section(load.Measured(), load.parse(["--driver", "python"]), [])
    assert "wrk" not in python_only.markdown()
    line = next(x for x in written.markdown().splitlines() if x.startswith("| SQLite |"))
    assert "| 12.3 | 540.1 | 1620.0 |" in line and "(bodies ran out)" in line


def test_lua_strings_are_escaped(wrk: ModuleType) -> None:
    assert wrk.lua_string('a "b" \\c') == '"a \\"b\\" \\\\c"'
    assert wrk.lua_string("x\ny") == '"x\\010y"'
    assert wrk.lua_string("元") == '"\\229\\133\\131"'


def test_the_script_names_its_files_headers_and_quantiles(wrk: ModuleType) -> None:
    text = wrk.script(
        "/v1/applications",
        {"Authorization": 'Bearer k"1', "Content-Type": "application/json"},
        Path("/tmp/b dir/bodies.txt"),
        Path("/tmp/b dir/results.txt"),
        threads=2,
        collect_ids=True,
    )
    assert "%(" not in text
    assert 'local bodies_file = "/tmp/b dir/bodies.txt"' in text
    assert 'local results_file = "/tmp/b dir/results.txt"' in text
    assert 'local path = "/v1/applications"' in text
    assert "local collect_ids = true" in text
    assert '["Authorization"] = "Bearer k\\"1"' in text
    assert '{"0.5", 50}' in text and '{"0.999", 99.9}' in text
    assert "if n % threads == tid then" in text  # the % of Python's formatting undone
    assert 'string.format("status %s %d", s, n)' in text
    assert "local collect_ids = false" in wrk.script(
        "/bare", {}, Path("b"), Path("r"), collect_ids=False
    )


class _Stub(BaseHTTPRequestHandler):
    """Answers each POST in turn: every third 503 with Retry-After, every fifth (else) 429
    without, the others 201 with an application id made from the body's `n`."""

    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True
    server: _StubServer

    def log_message(self, *args: Any) -> None:
        pass

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["Content-Length"]))
        n = json.loads(body)["n"]
        with self.server.lock:
            self.server.posted.append(n)
            self.server.auth.add(self.headers["Authorization"])
            turn = len(self.server.posted)
        headers: dict[str, str] = {}
        if turn % 3 == 0:
            status, answer = 503, b'{"title": "busy"}'
            headers["Retry-After"] = "1"
        elif turn % 5 == 0:
            status, answer = 429, b"{}"
        else:
            status, answer = 201, json.dumps({"application_id": f"A{n}", "n": n}).encode()
        with self.server.lock:
            self.server.answered[str(status)] += 1
            if status == 201:
                self.server.ids.append(f"A{n}")
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(answer)))
        self.end_headers()
        self.wfile.write(answer)

    def do_GET(self) -> None:
        self.send_response(200)
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"ok")


class _StubServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Stub)
        self.lock = threading.Lock()
        self.posted: list[int] = []
        self.auth: set[str] = set()
        self.answered: Counter[str] = Counter()
        self.ids: list[str] = []

    def handle_error(self, request: Any, client_address: Any) -> None:
        pass  # wrk leaves with connections open: their resets are expected


@pytest.fixture
def stub() -> Iterator[_StubServer]:
    server = _StubServer()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()


def _bodies(n: int) -> list[bytes]:
    return [json.dumps({"n": i, "pad": "x" * (i % 17)}).encode() for i in range(n)]


@needs_wrk
def test_wrk_posts_each_body_once_and_counts_the_answers(
    wrk: ModuleType, stub: _StubServer
) -> None:
    driver = importlib.import_module("bench.load_driver")
    base = f"http://127.0.0.1:{stub.server_port}"
    headers = {"Authorization": "Bearer secret", "Content-Type": "application/json"}
    load = driver.Load(base, "/v1/applications", _bodies(200_000), headers, 1, clients=4,
                       collect_ids=True)  # fmt: skip

    outcome = wrk.drive_wrk(load)

    assert len(stub.posted) == len(set(stub.posted)) > 0  # no body twice, across threads
    assert stub.auth == {"Bearer secret"}
    assert not outcome.ran_out and outcome.seconds > 0 and outcome.driver_cpu_seconds > 0
    # what wrk counted is what the stub answered, less at most one request per connection
    # still outstanding when the run ended
    counted = sum(outcome.statuses.values())
    assert len(stub.posted) - 4 <= counted <= len(stub.posted)
    for status, n in outcome.statuses.items():
        assert stub.answered[status] - 4 <= n <= stub.answered[status]
    assert outcome.retry_after == Counter({"503": outcome.statuses["503"]})
    assert outcome.ok == outcome.statuses["201"] == len(outcome.accepted_ids)
    assert len(set(outcome.accepted_ids)) == outcome.ok
    assert set(outcome.accepted_ids) <= set(stub.ids)
    assert sorted(outcome.percentiles_ms) == sorted(wrk.QUANTILES)
    assert outcome.latencies_ms == []


@needs_wrk
def test_a_thread_that_runs_out_of_bodies_stops(wrk: ModuleType, stub: _StubServer) -> None:
    driver = importlib.import_module("bench.load_driver")
    base = f"http://127.0.0.1:{stub.server_port}"
    load = driver.Load(base, "/v1/applications", _bodies(30), {}, 1, clients=4)

    outcome = wrk.drive_wrk(load)

    assert outcome.ran_out
    assert len(stub.posted) == len(set(stub.posted)) <= 30
    assert set(stub.posted) <= set(range(30))
    assert outcome.accepted_ids == []  # not asked for


@needs_wrk
def test_wrk_drives_the_served_floor(wrk: ModuleType, tmp_path: Path) -> None:
    load_app = importlib.import_module("bench.load_app")
    served = importlib.import_module("bench.served")
    driver = importlib.import_module("bench.load_driver")
    env = {
        load_app.FLOOR_URL_ENV: f"sqlite:///{tmp_path}/floor.db",
        "PYTHONPATH": f"{ROOT}:{ROOT / 'src'}",
    }
    body = json.dumps({"amount": "1000", "term_months": 12}).encode()
    with served.served_workers("bench.load_app:floor", env, tmp_path, 1) as server:
        load = driver.Load(server.base_url, "/select1", [body] * 100_000,
                           {"Content-Type": "application/json"}, 1, clients=4)  # fmt: skip
        outcome = wrk.drive_wrk(load)

    assert set(outcome.statuses) == {"200"} and outcome.ok > 0
    assert not outcome.ran_out and outcome.seconds > 0
    assert sorted(outcome.percentiles_ms) == sorted(wrk.QUANTILES)
    assert all(v > 0 for v in outcome.percentiles_ms.values())


def test_wrk_refuses_what_it_does_not_drive(wrk: ModuleType) -> None:
    driver = importlib.import_module("bench.load_driver")
    with pytest.raises(ValueError, match="closed loops"):
        wrk.drive_wrk(driver.Load("http://x", "/p", [b"{}"], {}, 1, rate=10.0))
    with pytest.raises(ValueError, match="closed loops"):
        wrk.drive_wrk(driver.Load("http://x", "", (), {}, 1, paths=["/a"]))
