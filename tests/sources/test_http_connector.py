"""The HTTP client of a provider, over `httpx.MockTransport`: the protocol, retries, the circuit
breaker, timeouts. No network, and no real waiting between tries."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from datetime import date
from typing import get_args

import httpx
import pybreaker
import pytest
from hypothesis import given
from hypothesis import strategies as st

from fengkong.core.settings import Settings, SourceKindName, SourceSettings
from fengkong.db.source_http import HttpConnector, http_connector, new_breaker
from fengkong.sources.connector import SourceRequest, SourceUnavailable, Subject
from fengkong.sources.fetching import NoProvider
from fengkong.sources.kinds import SourceKind

SUBJECT = Subject(key="k" * 64, name="李四", id_number="110101199003077777", phone="13800138000")
REQUEST = SourceRequest(SourceKind.CREDIT_BUREAU, SUBJECT, date(2026, 3, 2), {"months": 12})
OK = {"payload": {"accounts": []}, "cost_fen": 300}

Handler = Callable[[httpx.Request], httpx.Response]


def _connector(
    handler: Handler,
    *,
    retries: int = 2,
    breaker: pybreaker.CircuitBreaker | None = None,
    waits: list[float] | None = None,
) -> HttpConnector:
    return HttpConnector(
        "bureau-test",
        "https://bureau.example/",
        "s3cret",
        1.0,
        retries=retries,
        breaker=breaker or new_breaker("bureau-test", 100, 60),
        transport=httpx.MockTransport(handler),
        sleep=(waits if waits is not None else []).append,
    )


def _sequence(*responses: int | type[Exception]) -> tuple[Handler, list[httpx.Request]]:
    """A provider answering each call with the next status (200: OK) or raising the next error;
    the last answer repeats."""
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        step = responses[min(len(seen) - 1, len(responses) - 1)]
        if isinstance(step, type):
            raise step("simulated", request=request)  # type: ignore[call-arg]
        return httpx.Response(step, json=OK if step == 200 else {"error": "x"})

    return handler, seen


def test_the_request_follows_the_protocol() -> None:
    handler, seen = _sequence(200)
    answer = _connector(handler).fetch(REQUEST)
    [sent] = seen
    assert sent.method == "POST" and str(sent.url) == "https://bureau.example/v1/credit_bureau"
    assert sent.headers["authorization"] == "Bearer s3cret"
    body = json.loads(sent.content)
    assert body == {
        "subject": {"name": "李四", "id_number": "110101199003077777", "phone": "13800138000"},
        "as_of": "2026-03-02",
        "params": {"months": 12},
    }
    assert SUBJECT.key not in sent.content.decode()  # the blind index stays home
    assert answer.payload == OK["payload"] and answer.cost_fen == 300
    assert answer.provider == "bureau-test" and answer.kind is SourceKind.CREDIT_BUREAU


@pytest.mark.parametrize("failure", [503, 500, 429, httpx.ConnectError, httpx.ReadTimeout])
def test_a_passing_failure_is_retried_with_growing_waits(failure: int | type[Exception]) -> None:
    handler, seen = _sequence(failure, failure, 200)
    waits: list[float] = []
    answer = _connector(handler, retries=2, waits=waits).fetch(REQUEST)
    assert answer.cost_fen == 300 and len(seen) == 3
    assert len(waits) == 2 and all(w > 0 for w in waits)


@pytest.mark.parametrize("status", [400, 401, 403, 404, 422])
def test_a_refusal_is_not_retried(status: int) -> None:
    handler, seen = _sequence(status, 200)
    with pytest.raises(SourceUnavailable, match=f"refused: HTTP {status}"):
        _connector(handler, retries=3).fetch(REQUEST)
    assert len(seen) == 1


def test_a_timeout_on_every_try_becomes_unavailable() -> None:
    handler, seen = _sequence(httpx.ReadTimeout)
    with pytest.raises(SourceUnavailable, match="timed out after 3 tries") as raised:
        _connector(handler, retries=2).fetch(REQUEST)
    assert len(seen) == 3
    assert raised.value.provider == "bureau-test" and raised.value.kind is REQUEST.kind


@given(st.sampled_from([{"payload": []}, {"cost_fen": 1}, {"payload": {}, "cost_fen": -1}, [1]]))
def test_a_malformed_answer_is_unavailable(body: object) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json=body)

    with pytest.raises(SourceUnavailable, match="answer"):
        _connector(handler, retries=0).fetch(REQUEST)


def test_the_breaker_opens_after_consecutive_failures_then_lets_one_call_try() -> None:
    state = {"status": 503}
    calls: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(request)
        return httpx.Response(state["status"], json=OK)

    breaker = new_breaker("flaky", fail_max=2, reset_timeout=0.05)
    connector = _connector(handler, retries=1, breaker=breaker)
    for _ in range(2):
        with pytest.raises(SourceUnavailable, match="HTTP 503 after 2 tries"):
            connector.fetch(REQUEST)
    assert breaker.current_state == pybreaker.STATE_OPEN and len(calls) == 4
    with pytest.raises(SourceUnavailable, match="circuit breaker open"):
        connector.fetch(REQUEST)
    assert len(calls) == 4  # open: refused without a call
    state["status"] = 200
    time.sleep(0.1)  # past the reset timeout: half-open, one call may try
    assert connector.fetch(REQUEST).cost_fen == 300
    assert breaker.current_state == pybreaker.STATE_CLOSED


def test_refusals_do_not_open_the_breaker() -> None:
    handler, _ = _sequence(404)
    breaker = new_breaker("strict", fail_max=1, reset_timeout=60)
    connector = _connector(handler, breaker=breaker)
    for _ in range(3):
        with pytest.raises(SourceUnavailable, match="refused"):
            connector.fetch(REQUEST)
    assert breaker.current_state == pybreaker.STATE_CLOSED


def test_a_kind_without_url_has_no_provider() -> None:
    settings = Settings(
        sources={"credit_bureau": SourceSettings(retention_days=30)},
    )
    with pytest.raises(NoProvider, match="credit_bureau"):
        http_connector(SourceKind.CREDIT_BUREAU, settings)
    with pytest.raises(NoProvider, match="bank_statement"):
        http_connector(SourceKind.BANK_STATEMENT, settings)


def test_settings_configure_a_provider_per_kind(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(
        "FENGKONG_SOURCES",
        json.dumps(
            {"credit_bureau": {"url": "https://pboc.example/api/", "token": "tok-9z", "retries": 0}}
        ),
    )
    settings = Settings()
    config = settings.sources["credit_bureau"]
    assert config.url == "https://pboc.example/api" and config.retries == 0
    assert "tok-9z" not in repr(config.token)  # a secret

    handler, seen = _sequence(200)
    connector = http_connector(
        SourceKind.CREDIT_BUREAU, settings, transport=httpx.MockTransport(handler)
    )
    assert connector.provider == "pboc.example"
    connector.fetch(REQUEST)
    assert str(seen[0].url) == "https://pboc.example/api/v1/credit_bureau"


def test_settings_name_exactly_the_kinds() -> None:
    assert set(get_args(SourceKindName)) == {k.value for k in SourceKind}
