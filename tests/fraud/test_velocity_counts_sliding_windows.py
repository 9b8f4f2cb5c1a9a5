"""Each window counts and sums the events in `(at - duration, at]`, this one included, per key."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from fengkong.core.clock import FakeClock
from fengkong.core.money import Fen
from fengkong.fraud.keys import KeyType
from fengkong.fraud.velocity import DEFAULT_WINDOWS, parse_window, velocity_event

T = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)
DEVICE = "dev-7f3a"
OTHER_DEVICE = "dev-0000"

# offset before T, amount in fen
HISTORY = (
    (timedelta(days=31), 999),  # beyond every window
    (timedelta(days=30), 500),  # exactly on the 30 d edge: out
    (timedelta(days=29), 100_00),
    (timedelta(days=6), 200_00),
    (timedelta(hours=23), 300_00),
    (timedelta(hours=1), 777),  # exactly on the 1 h edge: out of 1 h, in 24 h
    (timedelta(minutes=30), 400_00),
)


def test_windows_count_and_sum_including_this_event(velocity_backend) -> None:  # type: ignore[no-untyped-def]
    _, make = velocity_backend
    clock = FakeClock(T - timedelta(days=32))
    store = make(clock)
    for i, (offset, amount) in enumerate(HISTORY):
        clock.set(T - offset)
        store.record_and_count(
            velocity_event(f"h{i}", T - offset, Fen(amount), T.date(), device=DEVICE)
        )
    store.record_and_count(velocity_event("x1", T, Fen(1), T.date(), device=OTHER_DEVICE))
    clock.set(T)

    snap = store.record_and_count(
        velocity_event("now", T, Fen(500_00), T.date(), device=DEVICE, ip="10.1.2.3")
    )

    assert [snap.count(KeyType.DEVICE, w.name) for w in DEFAULT_WINDOWS] == [2, 4, 5, 6]
    assert snap.amount(KeyType.DEVICE, "1h") == 400_00 + 500_00
    assert snap.amount(KeyType.DEVICE, "24h") == 300_00 + 777 + 400_00 + 500_00
    assert snap.amount(KeyType.DEVICE, "30d") == 100_00 + 200_00 + 300_00 + 777 + 900_00
    assert snap.count(KeyType.IP, "30d") == 1
    assert snap.count(KeyType.IP_PREFIX, "1h") == 1


def test_recording_an_event_twice_counts_it_once(velocity_backend) -> None:  # type: ignore[no-untyped-def]
    _, make = velocity_backend
    store = make(FakeClock(T))
    event = velocity_event("same", T, Fen(100), T.date(), mobile="13812345678")
    store.record_and_count(event)
    again = store.record_and_count(event)
    assert again.count(KeyType.MOBILE, "1h") == 1
    assert again.amount(KeyType.MOBILE, "1h") == 100


def test_count_is_read_only_and_as_of_its_instant(velocity_backend) -> None:  # type: ignore[no-untyped-def]
    _, make = velocity_backend
    clock = FakeClock(T)
    store = make(clock)
    for i in range(3):
        at = T + timedelta(minutes=10 * i)
        store.record_and_count(velocity_event(f"e{i}", at, Fen(10), T.date(), device=DEVICE))
    keys = {KeyType.DEVICE: DEVICE, KeyType.IP: None}

    before = store.count(keys, at=T + timedelta(minutes=15))
    assert before.count(KeyType.DEVICE, "1h") == 2  # the event at +20 min is not yet
    assert before.count(KeyType.IP, "1h") is None  # unknown, not zero
    assert store.count(keys, at=T + timedelta(minutes=15)) == before

    later = store.count(keys, (parse_window("15m"),), at=T + timedelta(minutes=30))
    assert later.count(KeyType.DEVICE, "15m") == 1
    assert later.amount(KeyType.DEVICE, "15m") == 10
