"""The fetching spine over a real database: consent gate, cache, recording, failures, imports."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from datetime import timedelta

import pytest
import sqlalchemy as sa
from hypothesis import given, settings
from hypothesis import strategies as st

from fakes.sources import (
    TOY_HANDLER,
    TOY_KIND,
    CountingConnector,
    give_consent,
    toy_payload,
    unavailable,
)
from fengkong.core.clock import FakeClock
from fengkong.core.errors import Conflict, Invalid, NotFound
from fengkong.db.database import Database
from fengkong.db.source_tables import source_answers
from fengkong.db.uow import SqlUnitOfWork
from fengkong.onboarding.consent import Purpose, revoke
from fengkong.onboarding.vault import Vault, generate_keyring
from fengkong.sources.connector import SourceRequest, SourceUnavailable, Subject
from fengkong.sources.fetching import (
    PAYLOAD_FIELD,
    AnswerPurged,
    NoConsent,
    Recording,
    canonical_json,
    fetch,
    import_file,
    recorded,
)
from fengkong.sources.kinds import SourceKind

SUBJECT = Subject(key="a" * 64, name="张三", id_number="110101199003077777")
OTHER = Subject(key="b" * 64)


@pytest.fixture
def database(database_url: str) -> Iterator[Database]:
    database = Database(database_url)
    yield database
    database.dispose()


@pytest.fixture
def vault() -> Vault:
    return Vault(generate_keyring())


@pytest.fixture
def recording(vault: Vault) -> Recording:
    return Recording(cipher=vault)


def _uow(database: Database) -> SqlUnitOfWork:
    return SqlUnitOfWork(database)


def _consent(database: Database, clock: FakeClock, subject: Subject = SUBJECT) -> str:
    return give_consent(_uow(database), subject.key, Purpose.DATA_SOURCES, clock, clock.now())


def _request(clock: FakeClock, subject: Subject = SUBJECT) -> SourceRequest:
    return SourceRequest(TOY_KIND, subject, clock.business_date())


def _rows(database: Database) -> list[dict[str, object]]:
    with database.engine.connect() as conn:
        return [dict(r._mapping) for r in conn.execute(sa.select(source_answers))]


def _audit_actions(database: Database) -> list[str]:
    with database.engine.connect() as conn:
        rows = conn.execute(sa.text("select action from audit_log order by seq"))
        return [str(r[0]) for r in rows if str(r[0]).startswith("source.")]


def test_without_consent_the_provider_is_not_called(
    database: Database, clock: FakeClock, recording: Recording
) -> None:
    connector = CountingConnector()
    # a consent for another purpose does not open the gate
    give_consent(_uow(database), SUBJECT.key, Purpose.CREDIT_BUREAU, clock, clock.now())
    with pytest.raises(NoConsent, match="data_sources") as raised:
        fetch(_request(clock), "app_1", connector, lambda: _uow(database), clock, recording)
    assert isinstance(raised.value, Conflict)
    assert connector.calls == []
    assert _rows(database) == []


def test_a_revoked_consent_closes_the_gate(
    database: Database, clock: FakeClock, recording: Recording
) -> None:
    consent_id = _consent(database, clock)
    clock.advance(timedelta(minutes=1))
    revoke(_uow(database), consent_id, actor="test", clock=clock)
    connector = CountingConnector()
    with pytest.raises(NoConsent):
        fetch(_request(clock), None, connector, lambda: _uow(database), clock, recording)
    assert connector.calls == []


def test_an_answer_is_recorded_sealed_and_answers_the_next_fetch_of_the_day(
    database: Database, clock: FakeClock, recording: Recording, vault: Vault
) -> None:
    _consent(database, clock)
    connector = CountingConnector()
    first = fetch(_request(clock), "app_1", connector, lambda: _uow(database), clock, recording)
    clock.advance(timedelta(hours=1))
    second = fetch(_request(clock), "app_2", connector, lambda: _uow(database), clock, recording)

    assert len(connector.calls) == 1  # providers charge per call
    assert not first.cached and second.cached
    assert second.answer_id == first.answer_id
    assert second.answer.payload == first.answer.payload == toy_payload(SUBJECT, [100, 200])
    [row] = _rows(database)
    text = canonical_json(first.answer.payload)
    assert row["sha256"] == hashlib.sha256(text.encode()).hexdigest() == first.sha256
    assert SUBJECT.key not in str(row["source_payload_enc"])  # sealed, not in clear
    assert json.loads(vault.decrypt(PAYLOAD_FIELD, str(row["source_payload_enc"]))) == dict(
        first.answer.payload
    )
    assert row["cost_fen"] == 150 and row["provider"] == "toy-provider"
    assert row["application_id"] == "app_1" and row["status"] == "ok"
    assert row["retain_until"] == first.fetched_at + timedelta(days=365)
    assert _audit_actions(database) == ["source.fetched"]


def test_another_business_date_or_subject_is_fetched_again(
    database: Database, clock: FakeClock, recording: Recording
) -> None:
    _consent(database, clock)
    _consent(database, clock, OTHER)
    connector = CountingConnector()
    fetch(_request(clock), None, connector, lambda: _uow(database), clock, recording)
    fetch(_request(clock, OTHER), None, connector, lambda: _uow(database), clock, recording)
    clock.advance(timedelta(days=1))
    fetch(_request(clock), None, connector, lambda: _uow(database), clock, recording)
    assert len(connector.calls) == 3


def test_an_unavailable_provider_is_recorded_as_a_failed_call_and_not_cached(
    database: Database, clock: FakeClock, recording: Recording
) -> None:
    _consent(database, clock)
    connector = CountingConnector(fail=unavailable("timed out after 3 tries", cost=20))
    with pytest.raises(SourceUnavailable, match="timed out"):
        fetch(_request(clock), "app_1", connector, lambda: _uow(database), clock, recording)
    [row] = _rows(database)
    assert row["status"] == "failed" and row["source_payload_enc"] is None
    assert row["error"] == "timed out after 3 tries" and row["cost_fen"] == 20
    assert _audit_actions(database) == ["source.unavailable"]
    connector.fail = None
    fetched = fetch(_request(clock), "app_1", connector, lambda: _uow(database), clock, recording)
    assert not fetched.cached and len(connector.calls) == 2


def test_an_answer_the_handler_refuses_is_recorded_failed_and_raised(
    database: Database, clock: FakeClock, recording: Recording
) -> None:
    _consent(database, clock)
    connector = CountingConnector(answer=lambda r: toy_payload(OTHER, [1]))
    with pytest.raises(Invalid, match="another person"):
        fetch(
            _request(clock),
            None,
            connector,
            lambda: _uow(database),
            clock,
            recording,
            handler=TOY_HANDLER,
        )
    [row] = _rows(database)
    assert row["status"] == "failed" and "another person" in str(row["error"])


def test_a_recorded_answer_reads_back_for_replay(
    database: Database, clock: FakeClock, recording: Recording, vault: Vault
) -> None:
    _consent(database, clock)
    fetched = fetch(
        _request(clock), None, CountingConnector(), lambda: _uow(database), clock, recording
    )
    again = recorded(lambda: _uow(database), fetched.answer_id, vault)
    assert again.answer.payload == fetched.answer.payload and again.sha256 == fetched.sha256
    with pytest.raises(NotFound):
        recorded(lambda: _uow(database), "src_missing", vault)
    with _uow(database) as uow:
        uow.source_answers.purge(fetched.answer_id, clock.now())
        uow.commit()
    with pytest.raises(AnswerPurged):
        recorded(lambda: _uow(database), fetched.answer_id, vault)


def test_an_imported_file_is_recorded_as_a_free_answer_of_its_file(
    database: Database, clock: FakeClock, recording: Recording
) -> None:
    _consent(database, clock)
    content = json.dumps(toy_payload(SUBJECT, [5, 6])).encode()
    imported = import_file(
        TOY_KIND,
        content,
        "C:\\exports\\tax.json",
        "app_1",
        SUBJECT,
        TOY_HANDLER,
        lambda: _uow(database),
        clock,
        recording,
    )
    assert imported.answer.provider == "file:tax.json" and imported.answer.cost_fen == 0
    # the import answers a later fetch of the same subject and date
    connector = CountingConnector()
    fetched = fetch(_request(clock), None, connector, lambda: _uow(database), clock, recording)
    assert fetched.cached and connector.calls == []
    assert _audit_actions(database) == ["source.imported"]


@pytest.mark.parametrize(
    ("content", "filename", "message"),
    [
        (b"not json", "tax.json", "not JSON"),
        (b"{}", "tax.csv", ".json"),
        (json.dumps(toy_payload(OTHER, [1])).encode(), "tax.json", "another person"),
        (b'{"subject": "x", "payments_fen": ["a"]}', "tax.json", "whole fen"),
    ],
)
def test_a_bad_file_stores_nothing(
    database: Database,
    clock: FakeClock,
    recording: Recording,
    content: bytes,
    filename: str,
    message: str,
) -> None:
    _consent(database, clock)
    with pytest.raises(Invalid, match=message):
        import_file(
            TOY_KIND,
            content,
            filename,
            None,
            SUBJECT,
            TOY_HANDLER,
            lambda: _uow(database),
            clock,
            recording,
        )
    assert _rows(database) == []


def test_an_import_needs_the_consent_a_fetch_needs(
    database: Database, clock: FakeClock, recording: Recording
) -> None:
    with pytest.raises(NoConsent):
        import_file(
            TOY_KIND,
            b"{}",
            "x.json",
            None,
            SUBJECT,
            TOY_HANDLER,
            lambda: _uow(database),
            clock,
            recording,
        )
    assert _rows(database) == []


def test_retention_is_per_kind(vault: Vault, clock: FakeClock) -> None:
    recording = Recording(cipher=vault, retention_days={TOY_KIND: 7})
    assert recording.retain_until(TOY_KIND, clock.now()) == clock.now() + timedelta(days=7)
    assert recording.retain_until(SourceKind.SMS_OTP, clock.now()) == clock.now() + timedelta(
        days=30
    )


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=5),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=4), inner, max_size=3)
    ),
    max_leaves=8,
)


@settings(max_examples=60)
@given(st.dictionaries(st.text(max_size=5), json_values, max_size=4))
def test_the_digest_does_not_depend_on_key_order(payload: dict[str, object]) -> None:
    reordered = dict(reversed(list(payload.items())))
    assert canonical_json(payload) == canonical_json(reordered)
    assert json.loads(canonical_json(payload)) == payload


def test_two_businesses_of_one_owner_are_cached_apart_under_the_owners_consent(
    database: Database, clock: FakeClock, recording: Recording
) -> None:
    owner = SUBJECT
    shop = Subject(key="c" * 64, uscc="91110105MA01ABCD1X", consenter=owner.key)
    farm = Subject(key="d" * 64, uscc="91330106MA2B3C4D5E", consenter=owner.key)
    connector = CountingConnector()
    with pytest.raises(NoConsent):  # the business's consent is its owner's: none yet
        fetch(_request(clock, shop), "app_1", connector, lambda: _uow(database), clock, recording)
    _consent(database, clock, owner)
    answers = [
        fetch(_request(clock, s), app, connector, lambda: _uow(database), clock, recording)
        for s, app in ((shop, "app_1"), (farm, "app_2"), (shop, "app_3"))
    ]
    assert [c.subject.key for c in connector.calls] == [shop.key, farm.key]  # two calls
    assert [a.answer.payload["subject"] for a in answers] == [shop.key, farm.key, shop.key]
    assert [a.cached for a in answers] == [False, False, True]
    assert {r["subject_key"] for r in _rows(database)} == {shop.key, farm.key}
