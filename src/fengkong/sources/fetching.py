"""Fetching external data under consent, from the cache of recorded answers when there is one,
and recording every call: the use cases `fetch`, `import_file` and `recorded`.

A fetch is three steps, and the provider is called outside any database transaction: (1) in one
unit of work, the consent gate and the cache; (2) the call; (3) in another, the answer recorded
(payload sealed by the vault, its sha256, cost, duration, how long it is kept) with its audit
record, which never holds the payload. A failed call is recorded too (its cost and why), then
re-raised. Replay reads the recorded answers (`recorded`), never the providers.
"""

from __future__ import annotations

import hashlib
import json
import posixpath
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from types import MappingProxyType
from typing import Any

from fengkong.core.clock import Clock
from fengkong.core.errors import Conflict, FieldError, Invalid, NotFound, Unavailable
from fengkong.core.ids import new_id
from fengkong.core.money import Fen
from fengkong.sources.connector import Answer, Connector, SourceRequest, SourceUnavailable, Subject
from fengkong.sources.handler import KindHandler
from fengkong.sources.kinds import IDENTITY_CHECKS, SourceKind, purpose_of
from fengkong.sources.ports import AnswerStatus, PayloadCipher, SourcesUnitOfWork, StoredAnswer

__all__ = [
    "DEFAULT_RETENTION_DAYS",
    "PAYLOAD_FIELD",
    "AnswerPurged",
    "Fetched",
    "NoConsent",
    "NoProvider",
    "Recording",
    "canonical_json",
    "fetch",
    "import_file",
    "recorded",
]

# The vault field a payload is sealed under: the token authenticates it, so a payload token moved
# into another column does not decrypt.
PAYLOAD_FIELD = "source_payload"  # the column `source_payload_enc`: key rotation finds it by name

# How long a payload is kept after it was fetched, by default (docs/external-data.md): a year for
# the documents a decision and its review read (a loan's first year is when the decision is most
# often questioned); identity checks 90 days, SMS codes 30 (they prove a moment, not a state).
DEFAULT_RETENTION_DAYS: Mapping[SourceKind, int] = MappingProxyType(
    {
        **{kind: 365 for kind in SourceKind if kind not in IDENTITY_CHECKS},
        **{kind: 90 for kind in IDENTITY_CHECKS},
        SourceKind.SMS_OTP: 30,
    }
)

_PURPOSE_ZH = {
    "credit_bureau": "征信查询",
    "data_sources": "第三方数据",
    "fraud_check": "反欺诈核验",
}


class NoConsent(Conflict):
    """The subject has no consent in force for the purpose a kind is fetched under."""

    def __init__(self, kind: SourceKind, purpose: str) -> None:
        zh = _PURPOSE_ZH.get(purpose, purpose)
        super().__init__(
            f"no consent for purpose {purpose!r} is in force: {kind.value} cannot be fetched "
            f"(未取得“{zh}”授权，不能查询)"
        )
        self.kind = kind
        self.purpose = purpose


class NoProvider(Unavailable):
    """No provider is configured for a kind (no URL in the settings)."""

    def __init__(self, kind: SourceKind) -> None:
        super().__init__(
            f"no provider is configured for {kind.value}: set its URL in the settings' "
            f"`sources` (未配置数据源)"
        )
        self.kind = kind


class AnswerPurged(Conflict):
    """The recorded answer's payload is past its retention and was purged."""


@dataclass(frozen=True, slots=True)
class Recording:
    """How answers are recorded: the cipher that seals payloads, the retention per kind, and who
    the audit records name."""

    cipher: PayloadCipher
    retention_days: Mapping[SourceKind, int] = field(default_factory=lambda: DEFAULT_RETENTION_DAYS)
    actor: str = "system"

    def retain_until(self, kind: SourceKind, fetched_at: datetime) -> datetime:
        days = self.retention_days.get(kind, DEFAULT_RETENTION_DAYS[kind])
        return fetched_at + timedelta(days=days)


@dataclass(frozen=True, slots=True)
class Fetched:
    """A recorded answer in clear: the provider's `answer`, the id a decision cites, when it was
    fetched, the payload's digest, and whether this call was answered from the record."""

    answer_id: str
    answer: Answer
    as_of: date
    fetched_at: datetime
    sha256: str
    cached: bool


def canonical_json(payload: Mapping[str, Any]) -> str:
    """The one text of a JSON document its digest is taken over: sorted keys, no spaces."""
    try:
        return json.dumps(payload, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    except (TypeError, ValueError):
        raise Invalid((FieldError(("payload",), "is not a JSON document", "json"),)) from None


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _opened(stored: StoredAnswer, cipher: PayloadCipher, *, cached: bool) -> Fetched:
    if stored.payload_enc is None or stored.sha256 is None:
        raise AnswerPurged(
            f"the payload of answer {stored.id} ({stored.kind.value}) is no longer kept"
            if stored.status is AnswerStatus.OK
            else f"answer {stored.id} is a failed call: {stored.error}"
        )
    payload = json.loads(cipher.decrypt(PAYLOAD_FIELD, stored.payload_enc))
    answer = Answer(stored.kind, stored.provider, payload, stored.cost_fen, stored.elapsed_ms)
    return Fetched(stored.id, answer, stored.as_of, stored.fetched_at, stored.sha256, cached)


def _check_consent(
    uow: SourcesUnitOfWork, kind: SourceKind, subject_key: str, at: datetime
) -> None:
    purpose = purpose_of(kind)
    if not uow.source_consents.has_consent(subject_key, purpose, at):
        raise NoConsent(kind, purpose)


def _record(
    uow: SourcesUnitOfWork, stored: StoredAnswer, recording: Recording, action: str
) -> None:
    with uow:
        uow.source_answers.add(stored)
        uow.audit.append(
            at=stored.fetched_at,
            actor=recording.actor,
            action=action,
            subject_type="source_answer",
            subject_id=stored.id,
            payload={
                "kind": stored.kind.value,
                "provider": stored.provider,
                "as_of": stored.as_of.isoformat(),
                "application_id": stored.application_id,
                "status": stored.status.value,
                "sha256": stored.sha256,
                "cost_fen": int(stored.cost_fen),
                "elapsed_ms": stored.elapsed_ms,
                "error": stored.error,
            },
        )
        uow.commit()


def _ok(
    answer: Answer,
    request_kind: SourceKind,
    subject_key: str,
    as_of: date,
    application_id: str | None,
    at: datetime,
    clock: Clock,
    recording: Recording,
) -> tuple[StoredAnswer, str]:
    text = canonical_json(answer.payload)
    sha = _digest(text)
    return (
        StoredAnswer(
            id=new_id("src", clock),
            kind=request_kind,
            subject_key=subject_key,
            provider=answer.provider,
            as_of=as_of,
            fetched_at=at,
            status=AnswerStatus.OK,
            cost_fen=answer.cost_fen,
            elapsed_ms=answer.elapsed_ms,
            retain_until=recording.retain_until(request_kind, at),
            application_id=application_id,
            payload_enc=recording.cipher.encrypt(PAYLOAD_FIELD, text),
            sha256=sha,
        ),
        sha,
    )


def fetch(
    request: SourceRequest,
    application_id: str | None,
    connector: Connector,
    uow: Callable[[], SourcesUnitOfWork],
    clock: Clock,
    recording: Recording,
    *,
    handler: KindHandler[Any] | None = None,
) -> Fetched:
    """The answer to `request`: refused (`NoConsent`) without a consent in force for the kind's
    purpose (the subject's `consent_key`'s), the connector not called; from the recorded answer
    of the same subject (its `key`: a business's own, not its owner's), kind and business date
    when there is one; else from the connector, recorded and audited. With a
    `handler`, its `read` must accept the answer, else the call is recorded as failed and the
    `Invalid` raised. `SourceUnavailable` is recorded as a failed call and re-raised."""
    kind, key = request.kind, request.subject.key
    with uow() as tx:
        _check_consent(tx, kind, request.subject.consent_key, clock.now())
        hit = tx.source_answers.usable(key, kind, request.as_of)
        if hit is not None:
            return _opened(hit, recording.cipher, cached=True)
    try:
        answer = connector.fetch(request)  # outside any transaction: providers take their time
        if handler is not None:
            handler.read(answer.payload, request.subject, request.as_of)
    except SourceUnavailable as exc:
        _failed(request, application_id, exc.provider, exc, uow, clock, recording)
        raise
    except Invalid as exc:
        _failed(request, application_id, connector.provider, exc, uow, clock, recording)
        raise
    at = clock.now()
    stored, sha = _ok(answer, kind, key, request.as_of, application_id, at, clock, recording)
    _record(uow(), stored, recording, "source.fetched")
    return Fetched(stored.id, answer, request.as_of, at, sha, cached=False)


def _failed(
    request: SourceRequest,
    application_id: str | None,
    provider: str,
    exc: SourceUnavailable | Invalid,
    uow: Callable[[], SourcesUnitOfWork],
    clock: Clock,
    recording: Recording,
) -> None:
    at = clock.now()
    unavailable = isinstance(exc, SourceUnavailable)
    stored = StoredAnswer(
        id=new_id("src", clock),
        kind=request.kind,
        subject_key=request.subject.key,
        provider=provider,
        as_of=request.as_of,
        fetched_at=at,
        status=AnswerStatus.FAILED,
        cost_fen=exc.cost_fen if isinstance(exc, SourceUnavailable) else Fen(0),
        elapsed_ms=exc.elapsed_ms if isinstance(exc, SourceUnavailable) else 0,
        retain_until=recording.retain_until(request.kind, at),
        application_id=application_id,
        error=(exc.why if isinstance(exc, SourceUnavailable) else f"invalid answer: {exc.detail}")[
            :500
        ],
    )
    _record(uow(), stored, recording, "source.unavailable" if unavailable else "source.invalid")


def import_file(
    kind: SourceKind,
    content: bytes,
    filename: str,
    application_id: str | None,
    subject: Subject,
    handler: KindHandler[Any],
    uow: Callable[[], SourcesUnitOfWork],
    clock: Clock,
    recording: Recording,
    *,
    as_of: date | None = None,
) -> Fetched:
    """Record an exported file as the answer of provider `file:<name>` at no cost, once the
    handler's `read_file` and `read` accept it. Needs the same consent as a fetch of the kind.
    A bad file raises `Invalid` and nothing is stored."""
    if handler.kind is not kind:
        raise Invalid((FieldError(("kind",), f"the handler reads {handler.kind.value}"),))
    as_of = as_of or clock.business_date()
    with uow() as tx:
        _check_consent(tx, kind, subject.consent_key, clock.now())
    document = handler.read_file(content, filename)
    handler.read(document, subject, as_of)
    name = posixpath.basename(filename.replace("\\", "/"))[:80] or "upload"
    answer = Answer(kind, f"file:{name}", document, Fen(0), 0)
    at = clock.now()
    stored, sha = _ok(answer, kind, subject.key, as_of, application_id, at, clock, recording)
    _record(uow(), stored, recording, "source.imported")
    return Fetched(stored.id, answer, as_of, at, sha, cached=False)


def recorded(
    uow: Callable[[], SourcesUnitOfWork], answer_id: str, cipher: PayloadCipher
) -> Fetched:
    """A recorded answer in clear, as a replay reads it: `NotFound` if there is no such answer,
    `AnswerPurged` if its payload is past retention or the call failed."""
    with uow() as tx:
        stored = tx.source_answers.get(answer_id)
    if stored is None:
        raise NotFound(f"no recorded answer {answer_id!r}")
    return _opened(stored, cipher, cached=True)
