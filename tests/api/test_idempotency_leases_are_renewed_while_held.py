"""The idempotency middleware's lease keeper renews, from its own thread, the lease of every claim
a running request holds, and stops renewing (and its thread ends) once nothing is held."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import timedelta

from fengkong.api.idempotency import _LeaseKeeper
from fengkong.core.clock import FakeClock
from fengkong.db.database import Database
from fengkong.db.idempotency import Claimed, IdempotencyClaim, SqlIdempotencyRecords

LEASE = timedelta(seconds=60)


def _until(what: str, condition: Callable[[], bool]) -> None:
    deadline = time.monotonic() + 30  # a bound on a hang, not a verdict on speed
    while not condition():
        assert time.monotonic() < deadline, f"gave up waiting: {what}"
        time.sleep(0.01)


def test_held_claims_are_renewed_and_dropped_ones_are_not(db: Database, clock: FakeClock) -> None:
    records = SqlIdempotencyRecords(db, lease=LEASE)
    claimed_at = clock.now()
    running = IdempotencyClaim("a" * 64, "POST", "/v1/x", "running", "b" * 64)
    finished = IdempotencyClaim("c" * 64, "POST", "/v1/x", "finished", "b" * 64)
    for claim in (running, finished):
        assert isinstance(records.claim(claim, claimed_at), Claimed)
    keeper = _LeaseKeeper(records, clock, every=0.01)
    keeper.hold((running.scope_hash, claimed_at))
    keeper.hold((finished.scope_hash, claimed_at))
    keeper.drop((finished.scope_hash, claimed_at))

    clock.advance(LEASE / 2)
    renewed_until = clock.now() + LEASE

    def expiry(claim: IdempotencyClaim) -> object:
        found = records.get(claim.scope_hash)
        return None if found is None else found.expires_at

    _until("the running claim renewed", lambda: expiry(running) == renewed_until)
    assert expiry(finished) == claimed_at + LEASE  # dropped: left to lapse
    keeper.drop((running.scope_hash, claimed_at))
    _until("the keeper's thread ends", lambda: keeper._thread is None)
    # Once the lease lapses the key is anyone's: its worker stopped renewing it.
    later = renewed_until + timedelta(seconds=1)
    taken = records.claim(running, later)
    assert isinstance(taken, Claimed) and taken.abandoned is not None
