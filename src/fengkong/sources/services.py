"""External data as the shells reach it: the unit of work, the clock, how answers are recorded,
and the configured provider of each kind, wired once (`bootstrap.Context.sources`); with the
list of what was fetched for an application."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from fengkong.core.clock import Clock
from fengkong.sources.connector import Answer, Connector, SourceRequest
from fengkong.sources.fetching import Recording
from fengkong.sources.kinds import SourceKind
from fengkong.sources.ports import SourcesUnitOfWork, StoredAnswer

__all__ = ["LazyConnector", "SourceServices", "answers_for_application", "status_of"]


@dataclass(frozen=True, slots=True)
class SourceServices:
    uow: Callable[[], SourcesUnitOfWork]
    clock: Clock
    recording: Recording
    # The configured provider of a kind; `fetching.NoProvider` when it has none.
    connector: Callable[[SourceKind], Connector]

    def lazy_connector(self, kind: SourceKind) -> LazyConnector:
        """The provider of `kind`, looked up only when called: a fetch refused for want of
        consent or answered from the record never asks whether one is configured."""
        return LazyConnector(kind, self.connector)


class LazyConnector:
    def __init__(self, kind: SourceKind, resolve: Callable[[SourceKind], Connector]) -> None:
        self._kind = kind
        self._resolve = resolve

    @property
    def provider(self) -> str:
        return self._resolve(self._kind).provider

    def fetch(self, request: SourceRequest) -> Answer:
        return self._resolve(self._kind).fetch(request)


def answers_for_application(
    services: SourceServices, application_id: str
) -> Sequence[StoredAnswer]:
    """Every call made and file imported for an application, oldest first (payloads sealed)."""
    with services.uow() as uow:
        return uow.source_answers.for_application(application_id)


def status_of(answer: StoredAnswer) -> str:
    """`ok`, `failed`, or `purged` (answered, payload past retention and dropped)."""
    return "purged" if answer.purged_at is not None else answer.status.value
