"""The API's idempotency records on SQLite and PostgreSQL: the first claim holds a key, later
ones see it running and then done with its response; an expired record, a released one and one
whose lease lapsed (its worker died mid-request, so nobody renewed it) free the key, the new
claim naming the abandoned one's request; a renewed lease keeps the key, and a claim taken over
can no longer be finished or released by the request that lost it; expired ones are purged."""

from __future__ import annotations

from datetime import timedelta

from fengkong.core.clock import FakeClock
from fengkong.db.database import Database
from fengkong.db.idempotency import Claimed, IdempotencyClaim, SqlIdempotencyRecords

DAY = timedelta(days=1)
LEASE = timedelta(seconds=60)


def _claim(key: str, body: str = "b") -> IdempotencyClaim:
    return IdempotencyClaim(key * 8, "POST", "/v1/x", key, body * 64)


def test_a_claim_holds_the_key_until_done_and_then_answers(db: Database, clock: FakeClock) -> None:
    records = SqlIdempotencyRecords(db, lease=LEASE)
    now = clock.now()
    claimed = records.claim(_claim("k1"), now, holder="req-1")
    assert claimed == Claimed(now)
    running = records.claim(_claim("k1", "c"), now)
    assert running is not None and not isinstance(running, Claimed)
    assert not running.done and running.request_hash == "b" * 64 and running.holder == "req-1"
    records.finish(
        ("k1" * 8, now), 201, {"content-type": "application/json"}, b'{"id": 1}', now + DAY
    )
    done = records.claim(_claim("k1"), now + 2 * LEASE)  # kept past the lease once done
    assert not isinstance(done, Claimed) and done.done and done.holder is None
    assert (done.response_status, done.response_body) == (201, b'{"id": 1}')
    assert done.response_headers == {"content-type": "application/json"}

    later = now + DAY  # expired: the key is free again
    assert records.claim(_claim("k1"), later) == Claimed(later)


def test_a_released_or_abandoned_key_is_free_again(db: Database, clock: FakeClock) -> None:
    records = SqlIdempotencyRecords(db, lease=LEASE)
    now = clock.now()
    assert isinstance(records.claim(_claim("k2"), now), Claimed)
    records.release(("k2" * 8, now))
    assert records.get("k2" * 8) is None
    assert records.claim(_claim("k2"), now, holder="req-dead") == Claimed(now)
    soon = now + LEASE / 2
    assert not isinstance(records.claim(_claim("k2"), soon), Claimed)  # still running
    past_lease = now + LEASE + timedelta(seconds=1)
    taken = records.claim(_claim("k2"), past_lease, holder="req-2")
    assert isinstance(taken, Claimed) and taken.at == past_lease
    assert taken.abandoned is not None and taken.abandoned.holder == "req-dead"

    # The request that lost the key finishes, late: its successor's claim is untouched.
    records.finish(("k2" * 8, now), 201, {}, b"{}", now + DAY)
    records.release(("k2" * 8, now))
    still = records.get("k2" * 8)
    assert still is not None and not still.done and still.holder == "req-2"


def test_a_renewed_lease_keeps_the_key(db: Database, clock: FakeClock) -> None:
    records = SqlIdempotencyRecords(db, lease=LEASE)
    now = clock.now()
    assert isinstance(records.claim(_claim("k5"), now), Claimed)
    for step in range(1, 4):  # renewed every half lease, three times
        records.renew([("k5" * 8, now)], now + step * LEASE / 2)
    later = now + 2 * LEASE  # past the first lease, within the last renewal's
    assert not isinstance(records.claim(_claim("k5"), later), Claimed)
    records.renew([("k5" * 8, later)], later)  # another claim's instant renews nothing
    past = now + 3 * LEASE / 2 + LEASE + timedelta(seconds=1)
    assert isinstance(records.claim(_claim("k5"), past), Claimed)


def test_expired_records_are_purged(db: Database, clock: FakeClock) -> None:
    records = SqlIdempotencyRecords(db, lease=LEASE)
    now = clock.now()
    records.claim(_claim("k3"), now)
    records.finish(("k3" * 8, now), 200, {}, b"{}", now + timedelta(hours=1))
    records.claim(_claim("k4"), now)
    records.finish(("k4" * 8, now), 200, {}, b"{}", now + DAY)
    records.claim(_claim("k6"), now)  # running, and its worker gone: purged with its lease
    assert records.purge_expired(now + timedelta(hours=2)) == 2
    assert records.get("k3" * 8) is None and records.get("k4" * 8) is not None
