"""Four processes record 200 events each on one key: the final counts are exact, and the counts
the writers saw are exactly 1..800 — each event was counted atomically with its recording."""

from __future__ import annotations

import multiprocessing
from datetime import UTC, datetime, timedelta

from fengkong.core.clock import FakeClock
from fengkong.core.money import Fen
from fengkong.fraud.keys import KeyType
from fengkong.fraud.velocity import velocity_event

T = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)
PROCESSES = 4
EVENTS_EACH = 200
DEVICE = "shared-device-42"


def _writer(make, worker: int, out) -> None:  # type: ignore[no-untyped-def]
    store = make(FakeClock(T))
    seen: list[tuple[int, int]] = []
    for i in range(EVENTS_EACH):
        event = velocity_event(
            f"w{worker}-{i}", T, Fen(100 + worker), T.date(), device=DEVICE, ip=f"10.0.{worker}.9"
        )
        snap = store.record_and_count(event)
        seen.append((snap.count(KeyType.DEVICE, "1h") or 0, snap.count(KeyType.IP, "1h") or 0))
    out.put(seen)


def test_concurrent_writers_lose_no_count(velocity_backend) -> None:  # type: ignore[no-untyped-def]
    _, make = velocity_backend
    ctx = multiprocessing.get_context("fork")  # children inherit the store factory
    out = ctx.Queue()
    workers = [ctx.Process(target=_writer, args=(make, w, out)) for w in range(PROCESSES)]
    for p in workers:
        p.start()
    results = [out.get(timeout=120) for _ in workers]
    for p in workers:
        p.join(timeout=60)
        assert p.exitcode == 0

    device_counts = sorted(c for seen in results for c, _ in seen)
    assert device_counts == list(range(1, PROCESSES * EVENTS_EACH + 1))
    for seen in results:  # each worker alone writes its own IP
        assert [ip for _, ip in seen] == list(range(1, EVENTS_EACH + 1))

    final = make(FakeClock(T)).count({KeyType.DEVICE: DEVICE}, at=T + timedelta(seconds=1))
    assert final.count(KeyType.DEVICE, "1h") == PROCESSES * EVENTS_EACH
    assert final.amount(KeyType.DEVICE, "30d") == EVENTS_EACH * sum(
        100 + w for w in range(PROCESSES)
    )
