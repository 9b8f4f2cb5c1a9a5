"""Shared bits: a section of the report, percentiles, and the machine's description."""

from __future__ import annotations

import os
import platform
import statistics
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

SHARED_DATASETS = Path(__file__).resolve().parents[2] / "shared" / "datasets"


@dataclass
class Section:
    """One benchmark's part of docs/performance.md."""

    title: str
    command: str
    lines: list[str] = field(default_factory=list)
    table_header: tuple[str, ...] = ()
    rows: list[tuple[str, ...]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def markdown(self) -> str:
        out = [f"## {self.title}", "", f"Measured by `{self.command}`.", ""]
        out += self.lines
        if self.table_header:
            out += ["", "| " + " | ".join(self.table_header) + " |"]
            out += ["| " + " | ".join("---" for _ in self.table_header) + " |"]
            out += ["| " + " | ".join(r) + " |" for r in self.rows]
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
