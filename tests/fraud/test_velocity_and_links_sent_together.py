"""With the velocity counters and the link graph in one PostgreSQL database, an application's
velocity record and link update are one transaction (`SqlSignalStores`): both commit or neither.
Stores anywhere else are asked apart."""

from __future__ import annotations

import hashlib
import time
from datetime import UTC, datetime

import pytest
import sqlalchemy as sa

from fengkong.core.clock import FakeClock
from fengkong.core.money import Fen
from fengkong.db.database import Database
from fengkong.db.driver_reads import standalone_reads
from fengkong.db.fraud_links import SqlIdentityLinks
from fengkong.db.fraud_signal_stores import SqlSignalStores
from fengkong.db.fraud_velocity import SqlVelocityStore
from fengkong.fraud.keys import KeyType
from fengkong.fraud.links import LinkApplication
from fengkong.fraud.velocity import VelocityEvent, velocity_event

T = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)


def _hasher(field: str, clear: str) -> str:
    return hashlib.sha256(f"{field}\x00{clear}".encode()).hexdigest()


def _stores(db: Database) -> SqlSignalStores | None:
    return SqlSignalStores.of(SqlVelocityStore(db, _hasher, FakeClock(T)), SqlIdentityLinks(db))


def test_only_stores_in_one_postgresql_database_go_together(
    fraud_db: Database, database_url: str
) -> None:
    stores = _stores(fraud_db)
    assert (stores is not None) == (fraud_db.dialect == "postgresql")
    other = Database(database_url)
    try:
        velocity = SqlVelocityStore(fraud_db, _hasher, FakeClock(T))
        assert SqlSignalStores.of(velocity, SqlIdentityLinks(other)) is None
    finally:
        other.dispose()


@pytest.mark.postgres
@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_a_failed_link_takes_the_velocity_record_back_with_it(fraud_db: Database) -> None:
    stores = _stores(fraud_db)
    assert stores is not None
    app = LinkApplication("app-1", T, ((KeyType.DEVICE, _hasher("device", "dev-1")),))

    def event(event_id: str) -> VelocityEvent:
        return velocity_event(event_id, T, Fen(100), T.date(), device="dev-1")

    recorded, linked = stores.record_and_link(event("e-1"), app)
    assert recorded.count(KeyType.DEVICE, "1h") == 1
    assert linked.component_size == 1

    with pytest.raises(ValueError, match="already linked"):
        stores.record_and_link(event("e-2"), app)

    after = stores.velocity.count({KeyType.DEVICE: "dev-1"}, at=T)
    assert after.count(KeyType.DEVICE, "1h") == 1  # e-2 was rolled back with the link


@pytest.mark.postgres
@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_sent_calls_run_on_the_server_before_their_answer_is_asked(fraud_db: Database) -> None:
    """`DriverReader.sending`: the server works while the sender does; what it ran commits
    only when the answer is asked for."""
    stores = _stores(fraud_db)
    assert stores is not None
    event = velocity_event("e-1", T, Fen(100), T.date(), device="dev-1")
    app = LinkApplication("app-1", T, ((KeyType.DEVICE, _hasher("device", "dev-1")),))
    sent = stores.calls(event, app)
    with standalone_reads(fraud_db) as reads, reads.sending(calls=sent.calls) as answer:
        backend = reads.driver.info.backend_pid
        with fraud_db.engine.connect() as other:
            held = sa.text(
                "select count(*) from pg_locks where pid = :pid and locktype = 'advisory'"
            )
            deadline = time.monotonic() + 10
            while other.execute(held, {"pid": backend}).scalar_one() == 0:
                assert time.monotonic() < deadline, "the calls never reached the server"
                time.sleep(0.01)
        unseen = stores.velocity.count({KeyType.DEVICE: "dev-1"}, at=T)
        assert unseen.count(KeyType.DEVICE, "1h") == 0  # run, not committed
        recorded, linked = sent.read(answer())
    assert recorded.count(KeyType.DEVICE, "1h") == 1
    assert linked.component_size == 1
    seen = stores.velocity.count({KeyType.DEVICE: "dev-1"}, at=T)
    assert seen.count(KeyType.DEVICE, "1h") == 1
