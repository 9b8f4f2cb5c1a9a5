"""Over any sequence of fetches: the provider is called once per subject and business date that
has consent, never for a subject without, and every answer returned is the one recorded first."""

from __future__ import annotations

import shutil
import uuid
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from fakes.sources import TOY_KIND, CountingConnector, give_consent, toy_payload
from fengkong.core.clock import FakeClock
from fengkong.db.database import Database
from fengkong.db.uow import SqlUnitOfWork
from fengkong.onboarding.consent import Purpose
from fengkong.onboarding.vault import Vault, generate_keyring
from fengkong.sources.connector import SourceRequest, Subject
from fengkong.sources.fetching import NoConsent, Recording, fetch

START = date(2026, 3, 2)


@pytest.fixture(scope="module")
def database(sqlite_template: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Database]:
    path = tmp_path_factory.mktemp("cache") / "fengkong.db"
    shutil.copyfile(sqlite_template, path)
    database = Database(f"sqlite:///{path}")
    yield database
    database.dispose()


fetches = st.lists(
    st.tuples(st.integers(0, 2), st.integers(0, 2), st.integers(0, 3)),  # subject, day, hours on
    min_size=1,
    max_size=12,
)


@settings(max_examples=25)
@given(fetches=fetches, consenting=st.sets(st.integers(0, 2)))
def test_one_call_per_consenting_subject_and_date(
    database: Database, fetches: list[tuple[int, int, int]], consenting: set[int]
) -> None:
    run = uuid.uuid4().hex
    subjects = [Subject(key=f"{run}{n:032x}"[:64].ljust(64, "0")) for n in range(3)]
    clock = FakeClock(datetime(2026, 3, 2, 1, 0, tzinfo=UTC))
    uow = lambda: SqlUnitOfWork(database)  # noqa: E731
    for n in consenting:
        give_consent(uow(), subjects[n].key, Purpose.DATA_SOURCES, clock, clock.now())
    recording = Recording(cipher=Vault(generate_keyring()))
    connector = CountingConnector(
        answer=lambda r: toy_payload(r.subject, [r.as_of.day, len(connector.calls)])
    )
    first_answer: dict[tuple[int, int], str] = {}
    for subject, day, hours in fetches:
        clock.advance(timedelta(hours=hours))
        request = SourceRequest(TOY_KIND, subjects[subject], START + timedelta(days=day))
        if subject not in consenting:
            with pytest.raises(NoConsent):
                fetch(request, None, connector, uow, clock, recording)
            continue
        seen = (subject, day) in first_answer
        fetched = fetch(request, None, connector, uow, clock, recording)
        assert fetched.cached == seen
        assert fetched.answer_id == first_answer.setdefault((subject, day), fetched.answer_id)
    asked = {(s, d) for s, d, _ in fetches if s in consenting}
    assert len(connector.calls) == len(asked)
    assert all(r.subject in [subjects[n] for n in consenting] for r in connector.calls)
