"""With the identity-link graph in Redis and fail-closed, a Redis outage does not stop the fraud
check: the link features are missing and a reason says why, as for a velocity outage."""

from __future__ import annotations

from datetime import UTC, datetime

from factories import body
from fengkong.api.schemas import ApplicationIn
from fengkong.core.clock import FakeClock
from fengkong.db.fraud_lists import SqlFraudLists
from fengkong.db.fraud_stores import identity_links
from fengkong.db.fraud_velocity import SqlVelocityStore
from fengkong.decision.fraud_stage import FraudServices, fraud_signals

T = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)


def test_link_store_outage_is_a_reason(private_redis, fraud_db, hasher) -> None:  # type: ignore[no-untyped-def]
    clock = FakeClock(T)
    fraud = FraudServices(
        velocity=SqlVelocityStore(fraud_db, hasher, clock),
        lists=SqlFraudLists(fraud_db, hasher, clock),
        links=identity_links(
            redis_url=private_redis.url, db=fraud_db, clock=clock, on_redis_error="fail_closed"
        ),
        hasher=hasher,
    )
    req = ApplicationIn.model_validate(body()).to_request(T.date())

    before = fraud_signals(fraud, "app-1", req, T, T.date())
    assert before.features["link.component_size"] == 1
    assert "FRAUD_LINKS_UNAVAILABLE" not in {r.code for r in before.reasons}

    private_redis.stop()

    during = fraud_signals(fraud, "app-2", req, T, T.date())
    assert "FRAUD_LINKS_UNAVAILABLE" in {r.code for r in during.reasons}
    assert "link.component_size" not in during.features
    assert during.features["velocity.resident_id.24h.count"] == 2  # the rest still counted
