"""External data of an application: what was fetched or imported for it (never a payload in
clear), and the import of an exported file (a statement, a report) as one of its answers.

`import_for_application`, `fetch_for_application` and `SourceAnswerOut` are shared with the
`fengkong sources` commands.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime
from typing import Annotated

from fastapi import APIRouter, File, UploadFile, status
from pydantic import BaseModel, Field

from fengkong.api.deps import ActorDep, ContextDep
from fengkong.bootstrap import Context
from fengkong.core.errors import FieldError, Invalid, NotFound
from fengkong.onboarding.subject import subject_for
from fengkong.sources.catalogue import HANDLERS, handler_for
from fengkong.sources.connector import SourceRequest
from fengkong.sources.fetching import Fetched, fetch, import_file
from fengkong.sources.kinds import SourceKind
from fengkong.sources.ports import StoredAnswer
from fengkong.sources.services import answers_for_application, status_of

router = APIRouter(prefix="/v1/applications", tags=["external data"])


class SourceAnswerOut(BaseModel):
    id: str
    kind: str
    provider: str
    as_of: date = Field(description="The business date the answer is about")
    fetched_at: datetime
    status: str = Field(description="ok, failed, or purged (payload past retention)")
    cost_fen: int
    elapsed_ms: int
    sha256: str | None = Field(description="Digest of the payload's canonical JSON")
    retain_until: datetime
    error: str | None = Field(description="Why a failed call failed")

    @classmethod
    def of(cls, a: StoredAnswer) -> SourceAnswerOut:
        return cls(
            id=a.id,
            kind=a.kind.value,
            provider=a.provider,
            as_of=a.as_of,
            fetched_at=a.fetched_at,
            status=status_of(a),
            cost_fen=int(a.cost_fen),
            elapsed_ms=a.elapsed_ms,
            sha256=a.sha256,
            retain_until=a.retain_until,
            error=a.error,
        )


class SourceListOut(BaseModel):
    application_id: str
    sources: list[SourceAnswerOut]
    cost_fen: int = Field(description="What the calls made for the application cost")


def application_sources(ctx: Context, application_id: str) -> SourceListOut:
    """What was fetched or imported for an application, oldest first; `NotFound` if there is
    no such application."""
    with ctx.uow() as uow:
        if uow.applications.get(application_id) is None:
            raise NotFound(f"no application {application_id!r}")
    answers = [SourceAnswerOut.of(a) for a in answers_for_application(ctx.sources, application_id)]
    return SourceListOut(
        application_id=application_id,
        sources=answers,
        cost_fen=sum(a.cost_fen for a in answers),
    )


def import_for_application(
    ctx: Context, application_id: str, kind: str, content: bytes, filename: str, actor: str
) -> Fetched:
    """Import an exported file of `kind` as an answer about the application's applicant (or its
    business, `subject_for`):
    `Invalid` for an unknown kind, one without a reader, or a bad file (nothing stored);
    `NotFound` for an unknown application; `NoConsent` without the consent the kind needs."""
    handler = handler_for(kind)
    if not content:
        raise Invalid((FieldError(("file",), "is empty", "missing"),))
    with ctx.uow() as uow:
        application = uow.applications.get(application_id)
    if application is None:
        raise NotFound(f"no application {application_id!r}")
    services = ctx.sources
    return import_file(
        handler.kind,
        content,
        filename,
        application_id,
        subject_for(application, ctx.vault, handler.kind),
        handler,
        services.uow,
        services.clock,
        replace(services.recording, actor=actor),
    )


def fetch_for_application(
    ctx: Context, application_id: str, kind: str, actor: str, as_of: date | None = None
) -> Fetched:
    """Fetch `kind` about the application's applicant (or its business) from its configured
    provider, under
    consent, from the cache when recorded (`fetching.fetch`); checked by the kind's reader when
    it has one. `Invalid` for an unknown kind, `NotFound` for an unknown application,
    `NoConsent`, `NoProvider`, `SourceUnavailable` as `fetch` says."""
    try:
        known = SourceKind(kind)
    except ValueError:
        allowed = tuple(k.value for k in SourceKind)
        raise Invalid(
            (FieldError(("kind",), f"is not a kind of external data: {kind}", "enum", allowed),)
        ) from None
    with ctx.uow() as uow:
        application = uow.applications.get(application_id)
    if application is None:
        raise NotFound(f"no application {application_id!r}")
    services = ctx.sources
    request = SourceRequest(
        known, subject_for(application, ctx.vault, known), as_of or services.clock.business_date()
    )
    return fetch(
        request,
        application_id,
        services.lazy_connector(known),
        services.uow,
        services.clock,
        replace(services.recording, actor=actor),
        handler=HANDLERS.get(known),
    )


@router.get("/{application_id}/sources", responses={404: {"description": "No such application"}})
def list_sources(application_id: str, ctx: ContextDep, actor: ActorDep) -> SourceListOut:
    """What external data was fetched or imported for an application: kind, provider, when,
    cost, status. Never a payload."""
    return application_sources(ctx, application_id)


@router.post(
    "/{application_id}/sources/{kind}",
    status_code=status.HTTP_201_CREATED,
    responses={
        404: {"description": "No such application"},
        409: {"description": "No consent in force for the kind's purpose"},
        422: {"description": "Unknown kind, or a file its reader refuses (problem+json)"},
    },
)
def import_source(
    application_id: str,
    kind: str,
    file: Annotated[UploadFile, File(description="The exported file (CSV, XLSX or JSON)")],
    ctx: ContextDep,
    actor: ActorDep,
) -> SourceAnswerOut:
    """Import an exported file (a bank statement, a report…) as the application's answer of
    that kind: checked by the kind's reader, recorded sealed, audited; nothing of a bad file."""
    content = file.file.read()
    fetched = import_for_application(
        ctx, application_id, kind, content, file.filename or "upload", actor.audit_name
    )
    with ctx.uow() as uow:
        stored = uow.source_answers.get(fetched.answer_id)
    assert stored is not None
    return SourceAnswerOut.of(stored)


class FetchedOut(SourceAnswerOut):
    cached: bool = Field(description="Answered from the record of the same date: no new charge")


@router.post(
    "/{application_id}/sources/{kind}/fetch",
    responses={
        404: {"description": "No such application"},
        409: {"description": "No consent in force for the kind's purpose"},
        422: {"description": "Unknown kind, or an answer its reader refuses (problem+json)"},
        503: {"description": "No provider configured, or it did not answer (recorded)"},
    },
)
def fetch_source(
    application_id: str,
    kind: str,
    ctx: ContextDep,
    actor: ActorDep,
    as_of: date | None = None,
) -> FetchedOut:
    """Fetch a kind of data about the applicant from its configured provider, under consent,
    answered from the record of the same business date when there is one."""
    fetched = fetch_for_application(ctx, application_id, kind, actor.audit_name, as_of)
    with ctx.uow() as uow:
        stored = uow.source_answers.get(fetched.answer_id)
    assert stored is not None
    return FetchedOut(**SourceAnswerOut.of(stored).model_dump(), cached=fetched.cached)
