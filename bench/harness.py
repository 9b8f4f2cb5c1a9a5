"""Shared bits: a section of the report, percentiles, CPU accounting, free ports, a private Redis
server, and the machine's description."""

from __future__ import annotations

import os
import platform
import shutil
import socket
import statistics
import subprocess
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import redis

SHARED_DATASETS = Path(
    os.environ.get(
        "FENGKONG_SHARED_DATASETS",
        Path(__file__).resolve().parents[2] / "shared" / "datasets",
    )
)
"""The public credit files shared beside the checkout (`../shared/datasets`);
`FENGKONG_SHARED_DATASETS` points elsewhere (a worktree one level deeper, a CI cache)."""


@dataclass
class Section:
    """One benchmark's part of docs/performance.md."""

    title: str
    command: str
    lines: list[str] = field(default_factory=list)
    table_header: tuple[str, ...] = ()
    rows: list[tuple[str, ...]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    after_table: list[str] = field(default_factory=list)  # markdown lines after the table
    measured: str = ""  # when and where: set by the runner that writes the report (`stamp`)

    def markdown(self) -> str:
        when = f", {self.measured}" if self.measured else ""
        out = [f"## {self.title}", "", f"Measured by `{self.command}`{when}.", ""]
        out += self.lines
        if self.table_header:
            out += ["", "| " + " | ".join(self.table_header) + " |"]
            out += ["| " + " | ".join("---" for _ in self.table_header) + " |"]
            out += ["| " + " | ".join(r) + " |" for r in self.rows]
        if self.after_table:
            out += ["", *self.after_table]
        if self.notes:
            out += [""] + [f"- {n}" for n in self.notes]
        return "\n".join(out) + "\n"


def percentile(values: Sequence[float], q: float) -> float:
    ordered = sorted(values)
    k = (len(ordered) - 1) * q
    lo, hi = int(k), min(int(k) + 1, len(ordered) - 1)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (k - lo)


def time_calls(fn: Callable[[], object], n: int, warmup: int = 50) -> list[float]:
    """Wall time of each of `n` calls, in microseconds, after `warmup` calls."""
    for _ in range(warmup):
        fn()
    samples = []
    for _ in range(n):
        start = time.perf_counter_ns()
        fn()
        samples.append((time.perf_counter_ns() - start) / 1000)
    return samples


def summary_us(samples: Sequence[float]) -> tuple[str, str, str]:
    return (
        f"{percentile(samples, 0.5):,.1f}",
        f"{percentile(samples, 0.99):,.1f}",
        f"{statistics.fmean(samples):,.1f}",
    )


def machine() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return (
        f"{os.cpu_count()} cores ({cpu}), Python {platform.python_version()}, {platform.system()}"
    )


def stamp(at: datetime | None = None) -> str:
    """When and where a section was measured: "2026-12-08 00:10 UTC on <machine>; CPU
    reference 0.17 s"."""
    at = at or datetime.now(UTC)
    return f"{at:%Y-%m-%d %H:%M} UTC on {machine()}; CPU reference {cpu_reference_seconds():.2f} s"


def _stats() -> dict[int, tuple[int, int]]:
    """Each process's parent and CPU ticks so far (utime + stime), from /proc."""
    found = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            text = stat.read_text()
        except OSError:  # the process ended meanwhile
            continue
        fields = text.rpartition(") ")[2].split()
        # fields 4, 14 and 15 of stat: ppid, utime, stime
        found[int(stat.parent.name)] = (int(fields[1]), int(fields[11]) + int(fields[12]))
    return found


def process_tree_cpu_seconds(root: int) -> float | None:
    """CPU seconds used so far by process `root` and every process below it (a server's
    supervisor and its workers), from /proc; None where /proc is not there to read. A worker
    that ended takes its seconds with it: read it around a phase, while the server runs."""
    if not Path("/proc").is_dir():
        return None
    stats = _stats()
    children: dict[int, list[int]] = {}
    for pid, (parent, _) in stats.items():
        children.setdefault(parent, []).append(pid)
    total, todo = 0, [root]
    while todo:
        pid = todo.pop()
        total += stats.get(pid, (0, 0))[1]
        todo += children.get(pid, [])
    return total / os.sysconf("SC_CLK_TCK")


def server_cpu_seconds(name: str = "postgres") -> float | None:
    """CPU seconds used so far by every local process called `name` (a database server on this
    machine), from /proc; None where /proc is not there to read."""
    proc = Path("/proc")
    if not proc.is_dir():
        return None
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0
    for stat in proc.glob("[0-9]*/stat"):
        try:
            text = stat.read_text()
        except OSError:  # the process ended meanwhile
            continue
        command, _, rest = text.partition(") ")
        if command.rsplit("(", 1)[-1] != name:
            continue
        fields = rest.split()
        total += int(fields[11]) + int(fields[12])  # utime, stime (fields 14 and 15 of stat)
    return total / ticks


@dataclass
class CpuSplit:
    """CPU per call of the bench process itself and of the database server beside it."""

    process_ms: float
    server_ms: float | None


def time_calls_with_cpu(
    fn: Callable[[], object], n: int, warmup: int = 50
) -> tuple[list[float], CpuSplit]:
    """`time_calls`, and the CPU the calls used in this process and in the local server."""
    for _ in range(warmup):
        fn()
    server_before, process_before = server_cpu_seconds(), time.process_time()
    samples = time_calls(fn, n, warmup=0)
    process = (time.process_time() - process_before) / n * 1000
    server_after = server_cpu_seconds()
    server = (
        None
        if server_before is None or server_after is None
        else (server_after - server_before) / n * 1000
    )
    return samples, CpuSplit(process, server)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def private_redis(url: str | None = None) -> tuple[str, subprocess.Popen[bytes] | None]:
    """`url` when given; else a private `redis-server` (no persistence) on a free port, and its
    process to stop; else the machine's own server."""
    if url:
        return url, None
    binary = shutil.which("redis-server")
    if binary is None:
        return "redis://127.0.0.1:6379/0", None
    port = free_port()
    process = subprocess.Popen(
        [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"redis://127.0.0.1:{port}/0"
    client = redis.Redis.from_url(url, socket_connect_timeout=0.2)
    deadline = time.monotonic() + 10
    while True:
        try:
            client.ping()
            break
        except redis.RedisError:
            if process.poll() is not None or time.monotonic() > deadline:
                raise
            time.sleep(0.05)
    client.close()
    return url, process


CPU_REFERENCE_STEPS = 5_000_000


def cpu_reference_seconds() -> float:
    """Seconds this interpreter takes, best of three, for a fixed pure-Python loop: the same
    shared machine runs it at different speeds on different days, and latencies measured on
    different days compare only beside this figure."""
    best = float("inf")
    for _ in range(3):
        start = time.perf_counter()
        total = 0
        for i in range(CPU_REFERENCE_STEPS):
            total += i
        best = min(best, time.perf_counter() - start)
    return best


def cpu_reference_note() -> str:
    return (
        f"CPU reference at this run: {cpu_reference_seconds():.2f} s for a "
        f"{CPU_REFERENCE_STEPS:,}-step Python loop (`bench.harness.cpu_reference_seconds`); "
        "a slower machine day shows here first."
    )
