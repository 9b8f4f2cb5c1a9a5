"""External data as the shells reach it: the unit of work, the clock, how answers are recorded,
and the configured provider of each kind, wired once (`bootstrap.Context.sources`); with the
list of what was fetched for an application."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from fengkong.core.clock import Clock
from fengkong.sources.connector import Connector
from fengkong.sources.fetching import Recording
from fengkong.sources.kinds import SourceKind
from fengkong.sources.ports import SourcesUnitOfWork, StoredAnswer

__all__ = ["SourceServices", "answers_for_application", "status_of"]


@dataclass(frozen=True, slots=True)
class SourceServices:
    uow: Callable[[], SourcesUnitOfWork]
    clock: Clock
    recording: Recording
    # The configured provider of a kind; `fetching.NoProvider` when it has none.
    connector: Callable[[SourceKind], Connector]


def answers_for_application(
    services: SourceServices, application_id: str
) -> Sequence[StoredAnswer]:
    """Every call made and file imported for an application, oldest first (payloads sealed)."""
    with services.uow() as uow:
        return uow.source_answers.for_application(application_id)


def status_of(answer: StoredAnswer) -> str:
    """`ok`, `failed`, or `purged` (answered, payload past retention and dropped)."""
    return "purged" if answer.purged_at is not None else answer.status.value
