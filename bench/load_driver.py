"""The load generator: an asyncio httpx client in its own process (it shares neither the
server's interpreter lock nor its event loop, as a lender's gateway would not), posting
prepared JSON bodies, each once, to one path, or reading prepared paths (`Load.paths`).

Two modes. Closed loop: `clients` clients, each sending its next request when its last one is
answered (throughput is what the server sustains at that concurrency). Open loop: requests
start at a fixed arrival rate whatever the answers, and each latency counts from the instant
its request was due, so a server that falls behind shows it in the percentiles rather than by
slowing the client down (no coordinated omission).

Every answer is counted by status; a 429 or 503 also by whether it carried `Retry-After`
(`Outcome.retry_after`); with `Load.collect_ids`, each 2xx answer's `application_id` is kept
(`Outcome.accepted_ids`) so the bench can look for it in the database. The driver process's
own CPU time for the phase is `Outcome.driver_cpu_seconds`: it shares the machine's cores."""

from __future__ import annotations

import asyncio
import json
import multiprocessing
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import httpx

TIMEOUT_SECONDS = 30.0
OPEN_LOOP_CONNECTIONS = 256
SHED_STATUSES = (429, 503)
KINDS = (
    "429 + Retry-After",
    "429 without Retry-After",
    "503 + Retry-After",
    "503 without Retry-After",
    "other 4xx",
    "other 5xx",
    "3xx",
    "timeout",
    "transport",
)
SHED_KINDS = KINDS[:4]
NO_ID = ""  # a 2xx answer without a readable `application_id`: the bench counts it as lost


@dataclass(frozen=True, slots=True)
class Load:
    """One phase: where to send, what, and how (`clients` for a closed loop, or `rate` per
    second for an open one), for `seconds`. With `paths`, each request is a GET of the next
    path instead of a POST of the next body to `path`."""

    base_url: str
    path: str
    bodies: Sequence[bytes]
    headers: dict[str, str]
    seconds: float
    clients: int = 1
    rate: float | None = None
    paths: Sequence[str] = ()
    collect_ids: bool = False


@dataclass
class Outcome:
    """What a phase measured: each answered request's latency in ms, the count by status
    ("timeout"/"transport" for requests that got none), the 429/503 answers that carried
    `Retry-After` (by status), the ids of the accepted applications when asked for, the
    phase's wall time and the driver's CPU time. A driver that reports latency percentiles
    instead of each latency (`bench.load_wrk`) leaves `latencies_ms` empty and fills
    `percentiles_ms`."""

    latencies_ms: list[float] = field(default_factory=list)
    statuses: Counter[str] = field(default_factory=Counter)
    retry_after: Counter[str] = field(default_factory=Counter)
    accepted_ids: list[str] = field(default_factory=list)
    seconds: float = 0.0
    driver_cpu_seconds: float = 0.0
    ran_out: bool = False  # the prepared bodies ran out before the time did
    # quantile → ms, from a driver that reports percentiles rather than each latency (wrk)
    percentiles_ms: dict[float, float] = field(default_factory=dict)

    @property
    def ok(self) -> int:
        return sum(n for s, n in self.statuses.items() if s.isdigit() and int(s) < 300)

    @property
    def errors(self) -> dict[str, int]:
        return {
            s: n for s, n in sorted(self.statuses.items()) if not (s.isdigit() and int(s) < 300)
        }

    def kinds(self) -> dict[str, int]:
        """The answers other than 2xx by kind, in the order of `KINDS`, the kinds seen only:
        429 and 503 each with and without `Retry-After` (load shed), other 4xx, other 5xx, 3xx
        (none expected), timeouts and transport errors (no answer)."""
        found: Counter[str] = Counter()
        for status, n in self.statuses.items():
            if not status.isdigit():
                found[status] += n
            elif int(status) in SHED_STATUSES:
                with_header = self.retry_after[status]
                found[f"{status} + Retry-After"] += with_header
                found[f"{status} without Retry-After"] += n - with_header
            elif 400 <= int(status) < 500:
                found["other 4xx"] += n
            elif int(status) >= 500:
                found["other 5xx"] += n
            elif int(status) >= 300:
                found["3xx"] += n
        return {k: found[k] for k in KINDS if found[k]}


Driver = Callable[[Load], Outcome]  # `drive`, or `bench.load_wrk.drive_wrk`


def _application_id(response: httpx.Response) -> str:
    try:
        found = json.loads(response.content).get("application_id")
    except (ValueError, AttributeError):
        return NO_ID
    return found if isinstance(found, str) else NO_ID


async def _send(
    client: httpx.AsyncClient, load: Load, item: bytes | str, due: float, out: Outcome
) -> None:
    try:
        if isinstance(item, str):
            response = await client.get(item)
        else:
            response = await client.post(load.path, content=item)
        status = response.status_code
        out.statuses[str(status)] += 1
        if status < 300:
            out.latencies_ms.append((time.perf_counter() - due) * 1000)
            if load.collect_ids:
                out.accepted_ids.append(_application_id(response))
        elif status in SHED_STATUSES and "retry-after" in response.headers:
            out.retry_after[str(status)] += 1
    except httpx.TimeoutException:
        out.statuses["timeout"] += 1
    except httpx.TransportError:
        out.statuses["transport"] += 1


def _items(load: Load) -> Sequence[bytes | str]:
    return load.paths if load.paths else load.bodies


async def _closed(load: Load) -> Outcome:
    out = Outcome()
    items = iter(_items(load))
    limits = httpx.Limits(max_connections=load.clients, max_keepalive_connections=load.clients)
    async with httpx.AsyncClient(
        base_url=load.base_url, headers=load.headers, timeout=TIMEOUT_SECONDS, limits=limits
    ) as client:
        start = time.perf_counter()
        end = start + load.seconds

        async def one_client() -> None:
            while time.perf_counter() < end:
                item = next(items, None)
                if item is None:
                    out.ran_out = True
                    return
                await _send(client, load, item, time.perf_counter(), out)

        await asyncio.gather(*(one_client() for _ in range(load.clients)))
        out.seconds = time.perf_counter() - start
    return out


async def _open(load: Load, rate: float) -> Outcome:
    out = Outcome()
    limits = httpx.Limits(
        max_connections=OPEN_LOOP_CONNECTIONS, max_keepalive_connections=OPEN_LOOP_CONNECTIONS
    )
    async with httpx.AsyncClient(
        base_url=load.base_url, headers=load.headers, timeout=TIMEOUT_SECONDS, limits=limits
    ) as client:
        start = time.perf_counter()
        pending: set[asyncio.Task[None]] = set()
        for i, item in enumerate(_items(load)):
            due = start + i / rate
            if due - start >= load.seconds:
                break
            delay = due - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            task = asyncio.create_task(_send(client, load, item, due, out))
            pending.add(task)
            task.add_done_callback(pending.discard)
        else:
            out.ran_out = True
        await asyncio.gather(*pending)
        out.seconds = time.perf_counter() - start
    return out


def _drive(load: Load) -> Outcome:
    cpu = time.process_time()
    if load.rate is not None:
        out = asyncio.run(_open(load, load.rate))
    else:
        out = asyncio.run(_closed(load))
    out.driver_cpu_seconds = time.process_time() - cpu
    return out


def drive(load: Load) -> Outcome:
    """`load` run by a fresh process of its own; what it measured."""
    with multiprocessing.get_context("spawn").Pool(1) as pool:
        return pool.apply(_drive, (load,))
