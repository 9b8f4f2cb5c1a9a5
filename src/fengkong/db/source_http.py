"""The HTTP client of an external data provider: `HttpConnector`, a `sources.Connector`.

The protocol (docs/external-data.md): `POST {base_url}/v1/{kind}` with a bearer token and the
JSON body `{"subject": {…clear fields…}, "as_of": "YYYY-MM-DD", "params": {…}}`; a 200 answers
`{"payload": {…}, "cost_fen": int}`. Timeouts, connection errors, 5xx and 429 are retried with
exponential backoff and jitter (tenacity); another 4xx is not. A circuit breaker per provider
(pybreaker) opens after consecutive failed calls and then refuses at once, without a call, until
its reset timeout lets one call try. Every way of not answering is `SourceUnavailable`.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Mapping
from typing import Any
from urllib.parse import urlsplit

import httpx
import pybreaker
from tenacity import (
    Retrying,
    retry_if_exception_type,
    stop_after_attempt,
    wait_exponential_jitter,
)

from fengkong.core.money import Fen
from fengkong.core.settings import Settings, SourceSettings
from fengkong.sources.connector import Answer, SourceRequest, SourceUnavailable, Subject
from fengkong.sources.fetching import NoProvider
from fengkong.sources.kinds import SourceKind

__all__ = [
    "HttpConnector",
    "breaker_for",
    "http_connector",
    "new_breaker",
    "source_settings",
    "subject_body",
]

_SUBJECT_FIELDS = ("name", "id_number", "phone", "bank_card", "uscc")


class _Retryable(Exception):
    """A 5xx or 429: the provider may answer on another try."""

    def __init__(self, why: str) -> None:
        super().__init__(why)
        self.why = why


class _Refused(Exception):
    """A 4xx other than 429: our request was refused; trying again will not change it, and the
    provider is not failing (the breaker does not count it)."""

    def __init__(self, why: str) -> None:
        super().__init__(why)
        self.why = why


_breakers: dict[str, pybreaker.CircuitBreaker] = {}
_breakers_lock = threading.Lock()


def breaker_for(
    provider: str, fail_max: int = 5, reset_timeout: float = 30.0
) -> pybreaker.CircuitBreaker:
    """The process's one circuit breaker of `provider` (made with these settings the first time
    it is asked for): every connector of that provider shares it."""
    with _breakers_lock:
        breaker = _breakers.get(provider)
        if breaker is None:
            breaker = _breakers[provider] = new_breaker(provider, fail_max, reset_timeout)
        return breaker


def new_breaker(provider: str, fail_max: int, reset_timeout: float) -> pybreaker.CircuitBreaker:
    return pybreaker.CircuitBreaker(
        fail_max=fail_max,
        reset_timeout=reset_timeout,
        exclude=[_Refused],
        name=provider,
        throw_new_error_on_trip=False,  # the call that trips it says why it failed
    )


def subject_body(subject: Subject) -> dict[str, str]:
    """The subject's clear fields the provider needs; never its blind index."""
    return {
        name: value for name in _SUBJECT_FIELDS if (value := getattr(subject, name)) is not None
    }


class HttpConnector:
    """A provider over HTTP. `transport` replaces the network (tests: `httpx.MockTransport`);
    `sleep` the wait between tries."""

    def __init__(
        self,
        provider: str,
        base_url: str,
        token: str | None,
        timeout: float,
        *,
        retries: int = 2,
        breaker: pybreaker.CircuitBreaker | None = None,
        backoff: float = 0.2,
        max_backoff: float = 2.0,
        transport: httpx.BaseTransport | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self._provider = provider
        self._base_url = base_url.rstrip("/")
        self._retries = retries
        self._breaker = breaker or breaker_for(provider)
        self._backoff = backoff
        self._max_backoff = max_backoff
        self._sleep = sleep
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        self._client = httpx.Client(timeout=timeout, headers=headers, transport=transport)

    @property
    def provider(self) -> str:
        return self._provider

    def close(self) -> None:
        self._client.close()

    def fetch(self, request: SourceRequest) -> Answer:
        """The provider's answer, after up to `retries` more tries; `SourceUnavailable` when it
        does not answer usably, at once while its circuit breaker is open."""
        started = time.perf_counter()
        try:
            payload, cost = self._breaker.call(self._with_retries, request)
        except pybreaker.CircuitBreakerError:
            raise self._unavailable(request, "circuit breaker open, not called", started) from None
        except _Refused as exc:
            raise self._unavailable(request, exc.why, started) from None
        except _Retryable as exc:
            raise self._unavailable(
                request, f"{exc.why} after {self._tries} tries", started
            ) from None
        except httpx.TimeoutException:
            why = f"timed out after {self._tries} tries"
            raise self._unavailable(request, why, started) from None
        except httpx.TransportError as exc:
            why = f"{type(exc).__name__} after {self._tries} tries"
            raise self._unavailable(request, why, started) from None
        return Answer(request.kind, self._provider, payload, cost, _ms_since(started))

    @property
    def _tries(self) -> int:
        return self._retries + 1

    def _unavailable(self, request: SourceRequest, why: str, started: float) -> SourceUnavailable:
        return SourceUnavailable(request.kind, self._provider, why, elapsed_ms=_ms_since(started))

    def _with_retries(self, request: SourceRequest) -> tuple[Mapping[str, Any], Fen]:
        retrying = Retrying(
            stop=stop_after_attempt(self._tries),
            wait=wait_exponential_jitter(
                initial=self._backoff, max=self._max_backoff, jitter=self._backoff
            ),
            retry=retry_if_exception_type((httpx.TransportError, _Retryable)),
            reraise=True,
            sleep=self._sleep,
        )
        return retrying(self._once, request)

    def _once(self, request: SourceRequest) -> tuple[Mapping[str, Any], Fen]:
        response = self._client.post(
            f"{self._base_url}/v1/{request.kind.value}",
            json={
                "subject": subject_body(request.subject),
                "as_of": request.as_of.isoformat(),
                "params": dict(request.params),
            },
        )
        status = response.status_code
        if status == 429 or status >= 500:
            raise _Retryable(f"HTTP {status}")
        if status != 200:
            raise _Refused(f"refused: HTTP {status}")
        return _answer_of(response)


def _answer_of(response: httpx.Response) -> tuple[Mapping[str, Any], Fen]:
    try:
        body = response.json()
    except ValueError:
        raise _Retryable("an answer that is not JSON") from None
    payload = body.get("payload") if isinstance(body, dict) else None
    cost = body.get("cost_fen") if isinstance(body, dict) else None
    if not isinstance(payload, dict) or type(cost) is not int or cost < 0:
        raise _Retryable("an answer without a payload object and a cost in whole fen")
    return payload, Fen(cost)


def _ms_since(started: float) -> int:
    return int((time.perf_counter() - started) * 1000)


def http_connector(
    kind: SourceKind,
    settings: Settings,
    *,
    transport: httpx.BaseTransport | None = None,
) -> HttpConnector:
    """The configured provider of `kind`; `NoProvider` when its settings name no URL."""
    config = source_settings(kind, settings)
    if config is None or config.url is None:
        raise NoProvider(kind)
    provider = config.provider or urlsplit(config.url).netloc
    return HttpConnector(
        provider,
        config.url,
        None if config.token is None else config.token.get_secret_value(),
        config.timeout,
        retries=config.retries,
        breaker=breaker_for(provider, config.breaker_failures, config.breaker_reset_seconds),
        transport=transport,
    )


def source_settings(kind: SourceKind, settings: Settings) -> SourceSettings | None:
    """The settings of `kind`, if any."""
    return settings.sources.get(kind.value)
