"""Retention: payloads past `retain_until` are dropped, what was used and when is kept."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest
import sqlalchemy as sa

from fakes.sources import TOY_KIND, CountingConnector, give_consent
from fengkong.core.clock import FakeClock
from fengkong.db.database import Database
from fengkong.db.source_tables import source_answers
from fengkong.db.uow import SqlUnitOfWork
from fengkong.onboarding.consent import Purpose
from fengkong.onboarding.vault import Vault, generate_keyring
from fengkong.sources.connector import SourceRequest, Subject
from fengkong.sources.fetching import AnswerPurged, Recording, fetch, recorded
from fengkong.sources.kinds import SourceKind
from fengkong.sources.retention import purge_expired

SUBJECT = Subject(key="e" * 64, id_number="110101199003077777")


@pytest.fixture
def database(database_url: str) -> Iterator[Database]:
    database = Database(database_url)
    yield database
    database.dispose()


def test_purge_drops_the_payloads_past_retention_and_keeps_the_rest(
    database: Database, clock: FakeClock
) -> None:
    vault = Vault(generate_keyring())
    recording = Recording(cipher=vault, retention_days={TOY_KIND: 10})
    uow = lambda: SqlUnitOfWork(database)  # noqa: E731
    for purpose in (Purpose.DATA_SOURCES, Purpose.FRAUD_CHECK):
        give_consent(uow(), SUBJECT.key, purpose, clock, clock.now())
    connector = CountingConnector()
    toy = fetch(
        SourceRequest(TOY_KIND, SUBJECT, clock.business_date()),
        "app_1",
        connector,
        uow,
        clock,
        recording,
    )
    check = fetch(
        SourceRequest(SourceKind.ID_NAME_MATCH, SUBJECT, clock.business_date()),
        "app_1",
        connector,
        uow,
        clock,
        recording,
    )  # kept 90 days by default

    clock.advance(timedelta(days=9))
    assert purge_expired(uow, clock).total == 0
    clock.advance(timedelta(days=1))
    dry = purge_expired(uow, clock, dry_run=True)
    assert dry.dry_run and dict(dry.by_kind) == {TOY_KIND.value: 1}
    assert recorded(uow, toy.answer_id, vault).sha256 == toy.sha256  # a dry run changes nothing

    done = purge_expired(uow, clock, actor="user:adam", chunk=1)
    assert dict(done.by_kind) == {TOY_KIND.value: 1}
    with pytest.raises(AnswerPurged):
        recorded(uow, toy.answer_id, vault)
    assert recorded(uow, check.answer_id, vault).answer.payload == check.answer.payload
    with database.engine.connect() as conn:
        row = (
            conn.execute(sa.select(source_answers).where(source_answers.c.id == toy.answer_id))
            .one()
            ._mapping
        )
        audits = conn.execute(
            sa.text(
                "select actor, subject_id, payload from audit_log where action = 'source.purged'"
            )
        ).all()
    assert row["source_payload_enc"] is None and row["purged_at"] == clock.now()
    assert (
        row["sha256"] == toy.sha256 and row["cost_fen"] == 150 and row["provider"] == "toy-provider"
    )
    assert [(a[0], a[1]) for a in audits] == [("user:adam", toy.answer_id)]
    assert purge_expired(uow, clock).total == 0  # once

    # the same date's data asked for again is fetched afresh, not answered from the purged record
    again = fetch(
        SourceRequest(TOY_KIND, SUBJECT, toy.as_of), "app_2", connector, uow, clock, recording
    )
    assert not again.cached and len(connector.calls) == 3


def test_key_rotation_reencrypts_the_recorded_payloads(
    database: Database, clock: FakeClock
) -> None:
    from fengkong.db.personal_data import SqlKeyRotationUnitOfWork
    from fengkong.onboarding.key_rotation import next_key_id, reencrypt_all
    from fengkong.onboarding.vault import KEY_BYTES

    old = generate_keyring("k1")
    new = old.with_active_key(next_key_id(old), bytes(range(KEY_BYTES)))
    uow = lambda: SqlUnitOfWork(database)  # noqa: E731
    give_consent(uow(), SUBJECT.key, Purpose.DATA_SOURCES, clock, clock.now())
    request = SourceRequest(TOY_KIND, SUBJECT, clock.business_date())
    fetched = fetch(request, None, CountingConnector(), uow, clock, Recording(Vault(old)))

    reencrypt_all(SqlKeyRotationUnitOfWork(database), Vault(new), clock=clock, actor="test")
    with database.engine.connect() as conn:
        token = conn.execute(sa.select(source_answers.c.source_payload_enc)).scalar_one()
    assert token.startswith(f"v1:{new.active_key_id}:")
    assert recorded(uow, fetched.answer_id, Vault(new.without_key("k1"))).answer.payload == (
        fetched.answer.payload
    )
