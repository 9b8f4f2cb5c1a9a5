"""Velocity keys leave the process only as blind indexes: no clear value in rows or Redis keys."""

from __future__ import annotations

from datetime import UTC, datetime

import redis
import sqlalchemy as sa

from fengkong.core.clock import FakeClock
from fengkong.core.money import Fen
from fengkong.db.fraud_tables import velocity_events
from fengkong.db.fraud_velocity import SqlVelocityStore
from fengkong.db.redis_velocity import RedisVelocityStore, redis_client
from fengkong.fraud.velocity import velocity_event

T = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)
CLEAR = {
    "resident_id": "11010519491231002X",
    "mobile": "13812345678",
    "device": "device-clear-value",
    "ip": "198.51.100.23",
    "bank_card": "6222021234567890128",
}


def _event():  # type: ignore[no-untyped-def]
    return velocity_event("e1", T, Fen(1), T.date(), **CLEAR)


def _leaks(text: str) -> list[str]:
    fragments = [*CLEAR.values(), "198.51.100", "13812345678"[3:]]
    return [f for f in fragments if f.lower() in text.lower()]


def test_sql_rows_hold_no_clear_value(fraud_db, hasher) -> None:  # type: ignore[no-untyped-def]
    SqlVelocityStore(fraud_db, hasher, FakeClock(T)).record_and_count(_event())
    with fraud_db.engine.connect() as conn:
        rows = conn.execute(sa.select(velocity_events)).all()
    assert len(rows) == 6  # five keys and the IP's /24
    assert _leaks(repr(rows)) == []


def test_redis_keys_and_members_hold_no_clear_value(redis_url, redis_prefix, hasher) -> None:  # type: ignore[no-untyped-def]
    store = RedisVelocityStore(redis_client(redis_url), hasher, FakeClock(T), prefix=redis_prefix)
    store.record_and_count(_event())
    client = redis.Redis.from_url(redis_url, decode_responses=True)
    keys = list(client.scan_iter(match=redis_prefix + "*"))
    members = [m for k in keys for m in client.zrange(k, 0, -1)]
    ttls = [client.ttl(k) for k in keys]
    client.close()
    assert len(keys) == 6
    assert _leaks(repr(keys) + repr(members)) == []
    assert all(ttl > 30 * 86_400 for ttl in ttls)  # expiry beyond the longest window
