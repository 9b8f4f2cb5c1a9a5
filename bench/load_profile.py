"""CPU per decision by component: a profile of the served workers, grouped by where each
function lives.

In a worker (`install`, from the bench's factory when `FENGKONG_BENCH_PROFILE` names a folder):
one `cProfile.Profile` per thread — the event loop's, and each thread-pool thread the sync
routes run in, started through `threading.setprofile` — timed by `time.thread_time`, so a
function's self time is the CPU its own thread spent in it (waiting on a socket, a lock or the
interpreter lock counts nothing). On SIGUSR1 the worker writes its running totals of self time
per function to `<folder>/<pid>-<n>.json`; the bench signals every worker before and after a
phase (`Snapshots`) and keeps the difference, so start-up and warm-up are left out.

In the bench (`by_component`): each function's self time goes to the first component of
`COMPONENTS` whose markers its file path contains; a built-in's goes by its own name where that
names a component (the database drivers' methods, orjson) and otherwise to the Python function
that called it (`isinstance` in SQLAlchemy is SQLAlchemy's; built-ins called only by built-ins
are left out). The snapshots themselves are not profiled. Shares of the
total, times the workers' CPU ms per decision measured without the profiler, give CPU ms per
decision per component (the profiler's own cost inflates every function alike, so the shares
stand where the absolute times would not)."""

from __future__ import annotations

import cProfile
import json
import os
import signal
import sys
import threading
import time
from collections import defaultdict
from collections.abc import Mapping
from pathlib import Path
from types import FrameType
from typing import Any

PROFILE_ENV = "FENGKONG_BENCH_PROFILE"
SNAPSHOT_SECONDS = 30.0

# Matched in order against "<file path>\t<function name>": the first component naming a
# marker the function's location contains has its self time. The domain's packages come first
# (their paths are the most specific), the server's event loop and sockets near the end.
COMPONENTS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("fengkong.api, fengkong.access (middleware, guard/auth, metrics, routes)",
     ("/fengkong/api/", "/fengkong/access/", "/prometheus_client/")),
    ("fengkong.decision (policy)", ("/fengkong/decision/",)),
    ("fengkong.scoring, lightgbm, optbinning (model)",
     ("/fengkong/scoring/", "/lightgbm/", "/optbinning/", "lightgbm")),
    ("fengkong.fraud", ("/fengkong/fraud/",)),
    ("fengkong.db (repositories)", ("/fengkong/db/",)),
    ("fengkong, other packages", ("/fengkong/",)),
    ("numpy, pandas, scipy, scikit-learn", ("/numpy/", "/pandas/", "/scipy/", "/sklearn/",
                                            "numpy.", "pandas.")),
    ("sqlalchemy", ("/sqlalchemy/",)),
    ("psycopg, sqlite3 (database driver)",
     ("/psycopg/", "/psycopg_pool/", "psycopg_binary", "psycopg_c", "/sqlite3/", "sqlite3.")),
    ("redis", ("/redis/", "hiredis")),
    ("pydantic (validation)", ("/pydantic/", "pydantic_core", "/annotated_types/")),
    ("starlette, fastapi (routing)", ("/starlette/", "/fastapi/")),
    ("json, orjson (encoding, decoding)", ("/json/", "orjson", "_json.")),
    ("logging", ("/logging/", "/structlog/")),
    ("uvicorn, h11, httptools, asyncio, anyio (server, event loop, thread hand-off)",
     ("/uvicorn/", "/h11/", "/httptools/", "/asyncio/", "/anyio/", "/sniffio/", "/selectors.py",
      "/socket.py", "select.", "_asyncio.", "_socket.", "uvloop", "/threading.py", "/queue.py",
      "/concurrent/")),
    ("other", ()),
)  # fmt: skip
OTHER = COMPONENTS[-1][0]


def _matching(where: str) -> str:
    where = where.replace(os.sep, "/")
    for name, markers in COMPONENTS:
        if any(m in where for m in markers):
            return name
    return OTHER


def component(location: str) -> str:
    """The component of `COMPONENTS` a function belongs to, by "<file path>\\t<name>"; a
    built-in ("~\\t<name>\\t<caller's file>\\t<caller's name>") by its own name where that
    names a component (a database driver's `execute`, `orjson.dumps`), else by its caller."""
    parts = location.split("\t")
    if parts[0] != "~" or len(parts) < 4:
        return _matching(location)
    own = _matching(parts[1])
    return own if own != OTHER else _matching("\t".join(parts[2:]))


def by_component(self_seconds: Mapping[str, float]) -> dict[str, float]:
    """Each component's share of the total self time in `self_seconds` (function location →
    seconds), every component of `COMPONENTS` named, in its order; empty when nothing was
    timed."""
    totals: defaultdict[str, float] = defaultdict(float)
    for location, seconds in self_seconds.items():
        totals[component(location)] += max(seconds, 0.0)
    whole = sum(totals.values())
    if whole <= 0:
        return {}
    return {name: totals[name] / whole for name, _ in COMPONENTS}


class _Profiles:
    """This worker's profilers, one per thread, and their snapshots on SIGUSR1."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.profiles: list[cProfile.Profile] = []
        self.taken = 0
        signal.signal(signal.SIGUSR1, self._snapshot)
        threading.setprofile(self._thread_started)
        self.main = self._profile_this_thread()
        (folder / f"{os.getpid()}.ready").touch()

    def _profile_this_thread(self) -> cProfile.Profile:
        profile = cProfile.Profile(time.thread_time)
        self.profiles.append(profile)  # the GIL keeps the append whole
        profile.enable()
        return profile

    def _thread_started(self, _frame: FrameType, _event: str, _arg: Any) -> None:
        # The first event of a new thread: hand the thread over to a profiler of its own.
        sys.setprofile(None)
        self._profile_this_thread()

    def _snapshot(self, _signum: int, _frame: FrameType | None) -> None:
        # Signal handlers run in the main thread: its own profiler pauses so that the
        # snapshot's work is not in the next one. Under the interpreter lock no other profiler
        # is half way through an event: their totals can be read while their threads wait.
        self.main.disable()
        try:
            self.taken += 1
            path = self.folder / f"{os.getpid()}-{self.taken}.json"
            tmp = path.with_suffix(".tmp")
            tmp.write_text(json.dumps(_self_times(self.profiles)))
            tmp.replace(path)
        finally:
            self.main.enable()


def _self_times(profiles: list[cProfile.Profile]) -> dict[str, float]:
    """Self seconds per Python function ("<file>\t<name>"), and per built-in and the Python
    function that called it ("~\t<built-in>\t<caller's file>\t<caller's name>"): a built-in
    such as `isinstance` belongs to whoever calls it (one called only by built-ins is left
    out)."""
    totals: defaultdict[str, float] = defaultdict(float)
    for profile in profiles:
        for entry in profile.getstats():
            if isinstance(entry.code, str):
                continue  # a built-in: counted below, under each of its callers
            filename, _line, name = cProfile.label(entry.code)
            totals[f"{filename}\t{name}"] += entry.inlinetime
            for call in entry.calls or ():
                if isinstance(call.code, str):
                    totals[f"~\t{call.code}\t{filename}\t{name}"] += call.inlinetime
    return totals


def install(folder: Path) -> None:
    """Profile this worker (call in its main thread, once its app is built)."""
    _Profiles(folder)


class Snapshots:
    """The bench's side: the profiled workers of one server, by the files they leave in
    `folder`."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.taken = 0

    def wait_for(self, workers: int) -> None:
        """Until `workers` workers have started profiling."""
        deadline = time.monotonic() + SNAPSHOT_SECONDS
        while len(self._workers()) < workers:
            if time.monotonic() > deadline:
                raise RuntimeError(f"{len(self._workers())} of {workers} workers profiled")
            time.sleep(0.05)

    def take(self) -> dict[str, float]:
        """Every worker's self time per function so far, summed."""
        self.taken += 1
        pids = self._workers()
        for pid in pids:
            os.kill(pid, signal.SIGUSR1)
        paths = [self.folder / f"{pid}-{self.taken}.json" for pid in pids]
        deadline = time.monotonic() + SNAPSHOT_SECONDS
        while not all(p.exists() for p in paths):
            if time.monotonic() > deadline:
                raise RuntimeError("a profiled worker wrote no snapshot")
            time.sleep(0.05)
        totals: defaultdict[str, float] = defaultdict(float)
        for path in paths:
            for location, seconds in json.loads(path.read_text()).items():
                totals[location] += float(seconds)
        return dict(totals)

    def _workers(self) -> list[int]:
        return sorted(int(p.stem) for p in self.folder.glob("*.ready"))


def difference(after: Mapping[str, float], before: Mapping[str, float]) -> dict[str, float]:
    """Self time per function between two snapshots."""
    return {k: v - before.get(k, 0.0) for k, v in after.items()}
