"""The one interface every external data provider is reached through: a request about a subject
(a person or a business) for one kind of data as of a business date, and the provider's answer
as a JSON document with what the call cost and how long it took.

Adapters implement `Connector`: the HTTP clients of the real providers (`db/`), the file
importers, the simulated providers. A provider that times out, fails or is behind an open circuit
breaker raises `SourceUnavailable`; an answer that is not a valid document of its kind (a report
for another person, a statement in another currency) is `core.errors.Invalid`."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Protocol

from fengkong.core.errors import Unavailable
from fengkong.core.money import Fen
from fengkong.sources.kinds import SourceKind

__all__ = [
    "Answer",
    "Connector",
    "ConnectorsByKind",
    "SourceRequest",
    "SourceUnavailable",
    "Subject",
]


@dataclass(frozen=True, slots=True)
class Subject:
    """Who the data is about. `key` is the blind index of the resident ID number (a person) or of
    the unified social credit code (a business): the cache and the recorded answers are keyed by
    it, so two businesses never share an answer. Consents are the person's: a business's records
    are fetched under the consent of the person applying for it (`consenter`, the blind index of
    their ID number). The clear values travel only to the provider and are never stored in
    clear."""

    key: str
    name: str | None = field(default=None, repr=False)
    id_number: str | None = field(default=None, repr=False)
    phone: str | None = field(default=None, repr=False)
    bank_card: str | None = field(default=None, repr=False)
    uscc: str | None = None  # 统一社会信用代码, for a business
    consenter: str | None = field(default=None, repr=False)  # None: the subject's own consent

    @property
    def consent_key(self) -> str:
        """Whose consent a fetch about this subject needs (consents are keyed by it)."""
        return self.consenter or self.key


@dataclass(frozen=True, slots=True)
class SourceRequest:
    kind: SourceKind
    subject: Subject
    as_of: date
    # What the kind needs beyond the subject: months of statements, an SMS code, a liveness
    # token. JSON values only.
    params: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Answer:
    """A provider's answer: the document as JSON (its kind's parser reads it), the price of the
    call and its duration."""

    kind: SourceKind
    provider: str
    payload: Mapping[str, Any]
    cost_fen: Fen
    elapsed_ms: int


class SourceUnavailable(Unavailable):
    """The provider did not answer usably: timeout, error, or its circuit breaker is open."""

    def __init__(
        self,
        kind: SourceKind,
        provider: str,
        why: str,
        *,
        cost_fen: int = 0,
        elapsed_ms: int = 0,
    ) -> None:
        super().__init__(f"{kind.value} from {provider}: {why}")
        self.kind = kind
        self.provider = provider
        self.why = why
        # What the failed call(s) cost and took, recorded with the failure.
        self.cost_fen = Fen(cost_fen)
        self.elapsed_ms = elapsed_ms


class Connector(Protocol):
    """A provider of one or more kinds of data."""

    @property
    def provider(self) -> str: ...

    def fetch(self, request: SourceRequest) -> Answer: ...


class ConnectorsByKind:
    """One connector over several: each kind to its own provider, the rest to `fallback` (none:
    `SourceUnavailable`)."""

    def __init__(self, by_kind: Mapping[SourceKind, Connector], fallback: Connector | None) -> None:
        self._by_kind = dict(by_kind)
        self._fallback = fallback

    @property
    def provider(self) -> str:
        return ",".join(sorted({c.provider for c in self._by_kind.values()}))

    def fetch(self, request: SourceRequest) -> Answer:
        chosen = self._by_kind.get(request.kind, self._fallback)
        if chosen is None:
            raise SourceUnavailable(request.kind, "none", "no provider is configured")
        return chosen.fetch(request)
