"""Consents: record, revoke, and look up an applicant's consents (ID number shown masked).

The look-up takes the ID number in a POST body, not in the query string: access logs and proxies
record URLs, and an ID number must never reach a log.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, status
from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from fengkong.api.deps import ActorDep, ContextDep
from fengkong.api.input import InputModel
from fengkong.core.errors import FieldError, Invalid
from fengkong.onboarding.consent import (
    ConsentRecord,
    NewConsent,
    Purpose,
    consent_facts,
    record_consent,
    revoke,
)
from fengkong.onboarding.masking import mask_resident_id
from fengkong.onboarding.validators import validate_resident_id

router = APIRouter(prefix="/v1/consents", tags=["consents"])

IdNumber = Annotated[str, StringConstraints(min_length=1, max_length=32)]


class ConsentIn(InputModel):
    model_config = ConfigDict(extra="forbid")

    id_number: IdNumber = Field(description="18-digit PRC resident identity card number")
    purpose: Purpose
    scope: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=500)]
    text_version: Annotated[
        str, StringConstraints(strip_whitespace=True, min_length=1, max_length=40)
    ]
    granted_at: datetime | None = Field(None, description="When agreed; default: now")


class ConsentLookupIn(InputModel):
    model_config = ConfigDict(extra="forbid")

    id_number: IdNumber


class ConsentOut(BaseModel):
    id: str
    id_number: str = Field(description="Masked")
    purpose: str
    scope: str
    text_version: str
    granted_at: datetime
    revoked_at: datetime | None
    active: bool

    @classmethod
    def of(cls, r: ConsentRecord, masked_id: str, now: datetime) -> ConsentOut:
        return cls(
            id=r.id,
            id_number=masked_id,
            purpose=r.purpose.value,
            scope=r.scope,
            text_version=r.text_version,
            granted_at=r.granted_at,
            revoked_at=r.revoked_at,
            active=r.active_at(now),
        )


class ConsentListOut(BaseModel):
    id_number: str = Field(description="Masked")
    consents: list[ConsentOut]
    facts: dict[str, bool] = Field(description="`consent.<purpose>` now, as the policy sees it")


def _subject(ctx: ContextDep, raw: str) -> tuple[str, str]:
    try:
        number = validate_resident_id(raw, ctx.clock.business_date()).number
    except Invalid as exc:
        raise Invalid(
            tuple(FieldError(("id_number",), e.msg, e.type) for e in exc.errors)
        ) from None
    return ctx.vault.blind_index("id_number", number), mask_resident_id(number)


PROBLEMS = {422: {"description": "Invalid input, with field-level errors (problem+json)"}}


@router.post("", status_code=status.HTTP_201_CREATED, responses=PROBLEMS)  # type: ignore[arg-type]
def create_consent(body: ConsentIn, ctx: ContextDep, actor: ActorDep) -> ConsentOut:
    """Record a consent the applicant gave (audited)."""
    bidx, masked = _subject(ctx, body.id_number)
    now = ctx.clock.now()
    given = NewConsent(body.purpose, body.scope, body.text_version, body.granted_at or now)
    record = record_consent(ctx.uow(), bidx, given, actor=actor.audit_name, clock=ctx.clock)
    return ConsentOut.of(record, masked, now)


@router.post("/search", responses=PROBLEMS)  # type: ignore[arg-type]
def search_consents(body: ConsentLookupIn, ctx: ContextDep) -> ConsentListOut:
    """An applicant's consents, newest grant last, and the consent facts in force now."""
    bidx, masked = _subject(ctx, body.id_number)
    now = ctx.clock.now()
    with ctx.uow() as uow:
        records = uow.consents.for_subject(bidx)
    return ConsentListOut(
        id_number=masked,
        consents=[ConsentOut.of(r, masked, now) for r in records],
        facts=consent_facts(records, now),
    )


@router.post(
    "/{consent_id}/revoke",
    responses={404: {"description": "Unknown consent"}, 409: {"description": "Already revoked"}},
)
def revoke_consent(consent_id: str, ctx: ContextDep, actor: ActorDep) -> ConsentOut:
    """Withdraw a consent from now on (audited)."""
    record = revoke(ctx.uow(), consent_id, actor=actor.audit_name, clock=ctx.clock)
    return ConsentOut.of(record, "*" * 18, ctx.clock.now())
