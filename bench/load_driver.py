"""The load generator: an asyncio httpx client in its own process (it shares neither the
server's interpreter lock nor its event loop, as a lender's gateway would not), posting
prepared JSON bodies, each once, to one path.

Two modes. Closed loop: `clients` clients, each sending its next request when its last one is
answered (throughput is what the server sustains at that concurrency). Open loop: requests
start at a fixed arrival rate whatever the answers, and each latency counts from the instant
its request was due, so a server that falls behind shows it in the percentiles rather than by
slowing the client down (no coordinated omission)."""

from __future__ import annotations

import asyncio
import multiprocessing
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field

import httpx

TIMEOUT_SECONDS = 30.0
OPEN_LOOP_CONNECTIONS = 256


@dataclass(frozen=True, slots=True)
class Load:
    """One phase: where to send, what, and how (`clients` for a closed loop, or `rate` per
    second for an open one), for `seconds`."""

    base_url: str
    path: str
    bodies: Sequence[bytes]
    headers: dict[str, str]
    seconds: float
    clients: int = 1
    rate: float | None = None


@dataclass
class Outcome:
    """What a phase measured: each answered request's latency in ms, the count by status
    ("timeout"/"transport" for requests that got none), and the phase's wall time."""

    latencies_ms: list[float] = field(default_factory=list)
    statuses: Counter[str] = field(default_factory=Counter)
    seconds: float = 0.0
    ran_out: bool = False  # the prepared bodies ran out before the time did

    @property
    def ok(self) -> int:
        return sum(n for s, n in self.statuses.items() if s.isdigit() and int(s) < 300)

    @property
    def errors(self) -> dict[str, int]:
        return {
            s: n for s, n in sorted(self.statuses.items()) if not (s.isdigit() and int(s) < 300)
        }


async def _send(
    client: httpx.AsyncClient, load: Load, body: bytes, due: float, out: Outcome
) -> None:
    try:
        response = await client.post(load.path, content=body)
        out.statuses[str(response.status_code)] += 1
        if response.status_code < 300:
            out.latencies_ms.append((time.perf_counter() - due) * 1000)
    except httpx.TimeoutException:
        out.statuses["timeout"] += 1
    except httpx.TransportError:
        out.statuses["transport"] += 1


async def _closed(load: Load) -> Outcome:
    out = Outcome()
    bodies = iter(load.bodies)
    limits = httpx.Limits(max_connections=load.clients, max_keepalive_connections=load.clients)
    async with httpx.AsyncClient(
        base_url=load.base_url, headers=load.headers, timeout=TIMEOUT_SECONDS, limits=limits
    ) as client:
        start = time.perf_counter()
        end = start + load.seconds

        async def one_client() -> None:
            while time.perf_counter() < end:
                body = next(bodies, None)
                if body is None:
                    out.ran_out = True
                    return
                await _send(client, load, body, time.perf_counter(), out)

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
        for i, body in enumerate(load.bodies):
            due = start + i / rate
            if due - start >= load.seconds:
                break
            delay = due - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            task = asyncio.create_task(_send(client, load, body, due, out))
            pending.add(task)
            task.add_done_callback(pending.discard)
        else:
            out.ran_out = True
        await asyncio.gather(*pending)
        out.seconds = time.perf_counter() - start
    return out


def _drive(load: Load) -> Outcome:
    if load.rate is not None:
        return asyncio.run(_open(load, load.rate))
    return asyncio.run(_closed(load))


def drive(load: Load) -> Outcome:
    """`load` run by a fresh process of its own; what it measured."""
    with multiprocessing.get_context("spawn").Pool(1) as pool:
        return pool.apply(_drive, (load,))
