"""The API's idempotency records on SQLite and PostgreSQL: the first claim holds a key, later
ones see it running and then done with its response; an expired record, a released one and one
abandoned past its lease (its server died mid-request) free the key; expired ones are purged."""

from __future__ import annotations

from datetime import timedelta

from fengkong.core.clock import FakeClock
from fengkong.db.database import Database
from fengkong.db.idempotency import IdempotencyClaim, SqlIdempotencyRecords

DAY = timedelta(days=1)


def _claim(key: str, body: str = "b") -> IdempotencyClaim:
    return IdempotencyClaim(key * 8, "POST", "/v1/x", key, body * 64)


def test_a_claim_holds_the_key_until_done_and_then_answers(db: Database, clock: FakeClock) -> None:
    records = SqlIdempotencyRecords(db)
    now = clock.now()
    assert records.claim(_claim("k1"), now, now + DAY) is None
    running = records.claim(_claim("k1", "c"), now, now + DAY)
    assert running is not None and not running.done and running.request_hash == "b" * 64
    records.finish("k1" * 8, 201, {"content-type": "application/json"}, b'{"id": 1}')
    done = records.claim(_claim("k1"), now, now + DAY)
    assert done is not None and done.done
    assert (done.response_status, done.response_body) == (201, b'{"id": 1}')
    assert done.response_headers == {"content-type": "application/json"}

    later = now + DAY  # expired: the key is free again
    assert records.claim(_claim("k1"), later, later + DAY) is None


def test_a_released_or_abandoned_key_is_free_again(db: Database, clock: FakeClock) -> None:
    records = SqlIdempotencyRecords(db, lease=timedelta(minutes=10))
    now = clock.now()
    assert records.claim(_claim("k2"), now, now + DAY) is None
    records.release("k2" * 8)
    assert records.get("k2" * 8) is None
    assert records.claim(_claim("k2"), now, now + DAY) is None
    soon = now + timedelta(minutes=5)
    assert records.claim(_claim("k2"), soon, soon + DAY) is not None  # still running
    past_lease = now + timedelta(minutes=11)
    assert records.claim(_claim("k2"), past_lease, past_lease + DAY) is None


def test_expired_records_are_purged(db: Database, clock: FakeClock) -> None:
    records = SqlIdempotencyRecords(db)
    now = clock.now()
    records.claim(_claim("k3"), now, now + timedelta(hours=1))
    records.claim(_claim("k4"), now, now + DAY)
    assert records.purge_expired(now + timedelta(hours=2)) == 1
    assert records.get("k3" * 8) is None and records.get("k4" * 8) is not None
