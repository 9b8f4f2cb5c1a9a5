"""The HTTP client against the simulated provider, end to end over 127.0.0.1: answers, retries
that recover from 503s, timeouts, and the cache sparing a second call."""

from __future__ import annotations

import statistics
from collections.abc import Iterator, Mapping
from datetime import date
from typing import Any

import httpx
import pytest

from fakes.sources import TOY_HANDLER, TOY_KIND, give_consent
from fengkong.core.clock import FakeClock
from fengkong.core.errors import Invalid
from fengkong.db.database import Database
from fengkong.db.source_http import HttpConnector, new_breaker
from fengkong.db.uow import SqlUnitOfWork
from fengkong.onboarding.consent import Purpose
from fengkong.onboarding.vault import Vault, generate_keyring
from fengkong.sim.providers import Behaviour, serving
from fengkong.sources.connector import SourceRequest, SourceUnavailable, Subject
from fengkong.sources.fetching import Recording, fetch
from fengkong.sources.kinds import SourceKind

SUBJECT = Subject(key="c" * 64, name="王五", id_number="110101199003077777")


class Toy:
    """The toy kind's synthetic provider: the subject's documents, counted."""

    def __init__(self) -> None:
        self.answered: list[tuple[SourceKind, date]] = []

    def __call__(
        self,
        kind: SourceKind,
        subject: Mapping[str, str],
        as_of: date,
        params: Mapping[str, Any],
    ) -> tuple[Mapping[str, Any], int]:
        if subject.get("id_number") == "000":
            raise LookupError(subject)
        if subject.get("id_number") == "bad":
            raise Invalid(())
        self.answered.append((kind, as_of))
        # the provider knows the person by ID; the blind index is what Fengkong keys by
        return {"subject": SUBJECT.key, "payments_fen": [as_of.day * 100]}, 80


class CountingTransport(httpx.HTTPTransport):
    def __init__(self) -> None:
        super().__init__()
        self.sent = 0

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        self.sent += 1
        return super().handle_request(request)


def _connector(
    url: str, transport: httpx.BaseTransport, retries: int, timeout: float = 2.0
) -> HttpConnector:
    return HttpConnector(
        "sim",
        url,
        "tkn",
        timeout,
        retries=retries,
        breaker=new_breaker("sim", 1000, 60),
        backoff=0.001,
        max_backoff=0.01,
        transport=transport,
    )


REQUEST = SourceRequest(TOY_KIND, SUBJECT, date(2026, 3, 2))


def test_an_answer_end_to_end() -> None:
    toy = Toy()
    with serving(toy, latency_ms=5, token="tkn") as url:
        answer = _connector(url, CountingTransport(), retries=0).fetch(REQUEST)
    assert answer.payload == {"subject": SUBJECT.key, "payments_fen": [200]}
    assert answer.cost_fen == 80 and toy.answered == [(TOY_KIND, date(2026, 3, 2))]
    TOY_HANDLER.read(answer.payload, SUBJECT, REQUEST.as_of)


def test_a_wrong_token_or_an_unknown_subject_is_refused_without_retries() -> None:
    with serving(Toy(), latency_ms=1, token="other") as url:
        transport = CountingTransport()
        with pytest.raises(SourceUnavailable, match="HTTP 401"):
            _connector(url, transport, retries=3).fetch(REQUEST)
        assert transport.sent == 1
    with serving(Toy(), latency_ms=1) as url:
        unknown = SourceRequest(TOY_KIND, Subject(key="d" * 64, id_number="000"), REQUEST.as_of)
        with pytest.raises(SourceUnavailable, match="HTTP 404"):
            _connector(url, CountingTransport(), retries=3).fetch(unknown)


def test_retries_recover_from_503s() -> None:
    toy = Toy()
    transport = CountingTransport()
    with serving(toy, latency_ms=2, error_rate=0.5, seed=3, token="tkn") as url:
        connector = _connector(url, transport, retries=12)
        for day in range(1, 11):
            connector.fetch(SourceRequest(TOY_KIND, SUBJECT, date(2026, 3, day)))
    assert len(toy.answered) == 10
    assert transport.sent > 10  # some calls met a 503 and were tried again


def test_a_provider_slower_than_the_client_becomes_unavailable_after_the_retries() -> None:
    toy = Toy()
    transport = CountingTransport()
    with (
        serving(toy, latency_ms=1, timeout_rate=1.0, slow_seconds=5, token="tkn") as url,
        pytest.raises(SourceUnavailable, match="timed out after 2 tries"),
    ):
        _connector(url, transport, retries=1, timeout=0.2).fetch(REQUEST)
    assert transport.sent == 2 and toy.answered == []


@pytest.fixture
def database(database_url: str) -> Iterator[Database]:
    database = Database(database_url)
    yield database
    database.dispose()


def test_the_same_subject_and_date_twice_is_one_provider_call(
    database: Database, clock: FakeClock
) -> None:
    give_consent(SqlUnitOfWork(database), SUBJECT.key, Purpose.DATA_SOURCES, clock, clock.now())
    recording = Recording(cipher=Vault(generate_keyring()))
    toy = Toy()
    request = SourceRequest(TOY_KIND, SUBJECT, clock.business_date())
    with serving(toy, latency_ms=2, token="tkn") as url:
        connector = _connector(url, CountingTransport(), retries=0)
        first, second = (
            fetch(
                request,
                "app_1",
                connector,
                lambda: SqlUnitOfWork(database),
                clock,
                recording,
                handler=TOY_HANDLER,
            )
            for _ in range(2)
        )
    assert len(toy.answered) == 1
    assert second.cached and second.answer_id == first.answer_id
    assert second.answer.payload == first.answer.payload


def test_the_behaviour_is_seeded_and_keeps_its_shares() -> None:
    def draws(seed: int) -> list[tuple[str, float]]:
        b = Behaviour(latency_ms=40, error_rate=0.1, timeout_rate=0.05, seed=seed)
        return [b.draw() for _ in range(4000)]

    first = draws(11)
    assert first == draws(11) and first != draws(12)
    outcomes = [what for what, _ in first]
    assert 0.07 < outcomes.count("error") / len(first) < 0.13
    assert 0.03 < outcomes.count("slow") / len(first) < 0.07
    delays = [d for what, d in first if what == "answer"]
    assert 0.030 < statistics.median(delays) < 0.050  # seconds: log-normal around 40 ms
    with pytest.raises(ValueError, match="share"):
        Behaviour(error_rate=1.5)
