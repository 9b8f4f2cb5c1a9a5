"""A toy kind of external data for the tests of the fetching spine: its handler, a connector
that counts its calls, and the consent the fetches need, over a real database."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from fengkong.core.clock import Clock
from fengkong.core.errors import FieldError, Invalid
from fengkong.core.money import Fen
from fengkong.db.uow import SqlUnitOfWork
from fengkong.onboarding.consent import NewConsent, Purpose, record_consent
from fengkong.sources.connector import Answer, SourceRequest, SourceUnavailable, Subject
from fengkong.sources.handler import KindHandler
from fengkong.sources.kinds import SourceKind

TOY_KIND = SourceKind.TAX_PAYMENTS  # fetched under the `data_sources` consent


@dataclass(frozen=True)
class ToyDocument:
    subject: str
    payments_fen: tuple[int, ...]


def _read(document: Mapping[str, Any], subject: Subject, as_of: date) -> ToyDocument:
    payments = document.get("payments_fen")
    if not isinstance(payments, list) or not all(isinstance(p, int) for p in payments):
        raise Invalid((FieldError(("payments_fen",), "must be a list of whole fen"),))
    if document.get("subject") != subject.key:
        raise Invalid((FieldError(("subject",), "is about another person"),))
    return ToyDocument(subject.key, tuple(payments))


def _read_file(content: bytes, filename: str) -> Mapping[str, Any]:
    if not filename.endswith(".json"):
        raise Invalid((FieldError(("file",), "must be a .json export"),))
    try:
        document = json.loads(content)
    except ValueError:
        raise Invalid((FieldError(("file",), "is not JSON"),)) from None
    if not isinstance(document, dict):
        raise Invalid((FieldError(("file",), "must hold an object"),))
    return document


TOY_HANDLER: KindHandler[ToyDocument] = KindHandler(TOY_KIND, _read_file, _read)


def toy_payload(subject: Subject, payments: list[int]) -> dict[str, Any]:
    return {"subject": subject.key, "payments_fen": payments}


@dataclass
class CountingConnector:
    """Answers with `answer(request)`, or raises what `fail` says; counts its calls."""

    provider: str = "toy-provider"
    cost: int = 150
    fail: Exception | None = None
    answer: Callable[[SourceRequest], dict[str, Any]] = field(
        default=lambda r: toy_payload(r.subject, [100, 200])
    )
    calls: list[SourceRequest] = field(default_factory=list)

    def fetch(self, request: SourceRequest) -> Answer:
        self.calls.append(request)
        if self.fail is not None:
            raise self.fail
        return Answer(request.kind, self.provider, self.answer(request), Fen(self.cost), 12)


def unavailable(why: str = "timed out", cost: int = 0) -> SourceUnavailable:
    return SourceUnavailable(TOY_KIND, "toy-provider", why, cost_fen=Fen(cost))


def give_consent(
    uow: SqlUnitOfWork, subject_key: str, purpose: Purpose, clock: Clock, at: datetime
) -> str:
    record = record_consent(
        uow,
        subject_key,
        NewConsent(purpose, "toy data", "v1", at),
        actor="test",
        clock=clock,
    )
    return record.id
