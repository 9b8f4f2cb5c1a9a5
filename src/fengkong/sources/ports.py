"""What the fetching use cases need from outside the domain: the recorded answers, the consent
gate, the cipher that seals payloads, and the audit log, in one unit of work. `db/` implements
them (`db.source_answers`); the tests have their own."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum
from typing import Protocol

from fengkong.audit.port import AuditAppender
from fengkong.core.money import Fen
from fengkong.core.uow import UnitOfWork
from fengkong.sources.kinds import SourceKind

__all__ = [
    "AnswerStatus",
    "AnswerStore",
    "ConsentGate",
    "PayloadCipher",
    "SourcesUnitOfWork",
    "StoredAnswer",
]


class AnswerStatus(StrEnum):
    OK = "ok"  # the provider answered (or a file was imported); the payload is kept sealed
    FAILED = "failed"  # the provider did not answer usably: `error` says why, no payload


@dataclass(frozen=True, slots=True)
class StoredAnswer:
    """One call to a provider (or one imported file) as kept: never the payload in clear. After
    `retain_until` the payload is purged (`payload_enc` None, `purged_at` set) and the rest stays,
    so a decision still says what it used, from whom, when, and its digest."""

    id: str
    kind: SourceKind
    subject_key: str = field(repr=False)
    provider: str
    as_of: date  # the business date the answer is about
    fetched_at: datetime
    status: AnswerStatus
    cost_fen: Fen
    elapsed_ms: int
    retain_until: datetime
    application_id: str | None
    payload_enc: str | None = field(default=None, repr=False)
    sha256: str | None = None
    error: str | None = None
    purged_at: datetime | None = None


class AnswerStore(Protocol):
    def add(self, answer: StoredAnswer) -> None: ...
    def get(self, answer_id: str) -> StoredAnswer | None: ...
    def usable(self, subject_key: str, kind: SourceKind, as_of: date) -> StoredAnswer | None:
        """The latest answer of status ok, not purged, about `subject_key`, `kind`, `as_of`."""
        ...

    def for_application(self, application_id: str) -> Sequence[StoredAnswer]:
        """Every call made for an application, oldest first."""
        ...

    def expired(self, at: datetime, limit: int) -> Sequence[StoredAnswer]:
        """Answers whose payload is still kept though `retain_until` is at or before `at`."""
        ...

    def expired_counts(self, at: datetime) -> Mapping[str, int]:
        """How many answers `expired` would give, per kind value."""
        ...

    def purge(self, answer_id: str, at: datetime) -> bool:
        """Drop the payload of one answer; False if it was already gone."""
        ...


class ConsentGate(Protocol):
    def has_consent(self, subject_key: str, purpose: str, at: datetime) -> bool:
        """Whether the subject's consent for `purpose` (a `onboarding.consent.Purpose` value) is
        in force at `at`."""
        ...


class PayloadCipher(Protocol):
    """Field-level encryption (the personal-data vault, wired in `bootstrap`)."""

    def encrypt(self, field: str, clear: str) -> str: ...
    def decrypt(self, field: str, token: str) -> str: ...


class SourcesUnitOfWork(UnitOfWork, Protocol):
    @property
    def source_answers(self) -> AnswerStore: ...
    @property
    def source_consents(self) -> ConsentGate: ...
    @property
    def audit(self) -> AuditAppender: ...
