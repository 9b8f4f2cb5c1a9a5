"""A missing device id or IP makes that signal unknown — never a zero the policy could trust."""

from __future__ import annotations

from datetime import UTC, datetime

from fengkong.core.clock import FakeClock
from fengkong.core.money import Fen
from fengkong.fraud.keys import KeyType
from fengkong.fraud.velocity import velocity_event

T = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)


def test_missing_device_and_ip_are_unknown(velocity_backend) -> None:  # type: ignore[no-untyped-def]
    _, make = velocity_backend
    store = make(FakeClock(T))
    snap = store.record_and_count(
        velocity_event("a1", T, Fen(100), T.date(), mobile="13812345678", device="  ", ip=None)
    )
    for key_type in (KeyType.DEVICE, KeyType.IP, KeyType.IP_PREFIX):
        velocity = snap.for_key(key_type)
        assert velocity is not None and not velocity.known
        assert snap.count(key_type, "24h") is None
    assert snap.count(KeyType.MOBILE, "24h") == 1


def test_an_event_with_no_key_at_all_is_all_unknown(velocity_backend) -> None:  # type: ignore[no-untyped-def]
    _, make = velocity_backend
    store = make(FakeClock(T))
    snap = store.record_and_count(velocity_event("a2", T, Fen(100), T.date()))
    assert snap.keys and all(not k.known for k in snap.keys)
