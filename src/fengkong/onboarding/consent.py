"""Consent: what an applicant agreed we may do with their data, for which purpose, under which
text, from when, and until when they took it back.

A consent is keyed by the blind index of the applicant's resident ID, never the number itself.
The pure core is `ConsentRecord.active_at` and `consent_facts`, which turns an applicant's records
into facts like `consent.credit_bureau` for the policy. `record_consent` and `revoke` are the use
cases: row and audit record commit together. The consents are kept by a `ConsentRepository`
(`db.consent_repository` in the database).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Protocol

from fengkong.audit.port import AuditAppender
from fengkong.core.clock import Clock
from fengkong.core.errors import Conflict, FieldError, Invalid, NotFound
from fengkong.core.ids import new_id
from fengkong.core.uow import UnitOfWork

__all__ = [
    "ConsentRecord",
    "ConsentRepository",
    "ConsentUnitOfWork",
    "NewConsent",
    "Purpose",
    "consent_facts",
    "fact_name",
    "record_consent",
    "revoke",
]


class Purpose(StrEnum):
    CREDIT_BUREAU = "credit_bureau"  # 征信查询
    FRAUD_CHECK = "fraud_check"  # 反欺诈核验
    DATA_SOURCES = "data_sources"  # 第三方数据 (bank statements, tax, registry)
    MARKETING = "marketing"  # 营销


_TEXT_MAX = {"scope": 500, "text_version": 40, "actor": 80}


def fact_name(purpose: Purpose | str) -> str:
    """`consent.credit_bureau`: how the policy refers to a purpose."""
    return f"consent.{Purpose(purpose).value}"


@dataclass(frozen=True, slots=True)
class NewConsent:
    """A consent as given: `granted_at` is when the applicant agreed (not after it is recorded)."""

    purpose: Purpose
    scope: str  # what the consent covers, e.g. "PBOC credit report, 30 days"
    text_version: str  # the version of the consent text the applicant saw
    granted_at: datetime

    def __post_init__(self) -> None:
        errors: list[FieldError] = []
        try:
            object.__setattr__(self, "purpose", Purpose(self.purpose))
        except ValueError:
            allowed = ", ".join(p.value for p in Purpose)
            errors.append(FieldError(("purpose",), f"must be one of {allowed}", "enum"))
        for name in ("scope", "text_version"):
            value = str(getattr(self, name)).strip()
            if not value:
                errors.append(FieldError((name,), "is required", "missing"))
            elif len(value) > _TEXT_MAX[name]:
                errors.append(
                    FieldError((name,), f"at most {_TEXT_MAX[name]} characters", "length")
                )
            object.__setattr__(self, name, value)
        if self.granted_at.tzinfo is None:
            errors.append(FieldError(("granted_at",), "needs a timezone", "datetime"))
        if errors:
            raise Invalid(tuple(errors))


@dataclass(frozen=True, slots=True)
class ConsentRecord:
    id: str
    subject_bidx: str = field(repr=False)
    purpose: Purpose
    scope: str
    text_version: str
    granted_at: datetime
    recorded_at: datetime
    recorded_by: str
    revoked_at: datetime | None = None
    revoked_by: str | None = None

    def active_at(self, at: datetime) -> bool:
        """Granted at or before `at`, and not revoked by then."""
        return self.granted_at <= at and (self.revoked_at is None or at < self.revoked_at)


def consent_facts(records: Iterable[ConsentRecord], at: datetime) -> dict[str, bool]:
    """`consent.<purpose>` for every purpose: whether some record of it is active at `at`."""
    active = {r.purpose for r in records if r.active_at(at)}
    return {fact_name(p): p in active for p in Purpose}


class ConsentRepository(Protocol):
    def add(self, record: ConsentRecord) -> None: ...
    def get(self, consent_id: str) -> ConsentRecord | None: ...
    def for_subject(self, subject_bidx: str) -> tuple[ConsentRecord, ...]: ...
    def mark_revoked(self, consent_id: str, at: datetime, by: str) -> bool: ...
    def has_consent(self, subject_bidx: str, purpose: Purpose, at: datetime) -> bool: ...


class ConsentUnitOfWork(UnitOfWork, Protocol):
    @property
    def consents(self) -> ConsentRepository: ...
    @property
    def audit(self) -> AuditAppender: ...


def _check_actor(actor: str, name: str) -> None:
    if not actor.strip() or len(actor) > _TEXT_MAX["actor"]:
        raise Invalid((FieldError((name,), "names who acts, 1 to 80 characters"),))


def _check_bidx(subject_bidx: str) -> None:
    if len(subject_bidx) != 64 or any(c not in "0123456789abcdef" for c in subject_bidx):
        raise ValueError("a consent subject is the hex blind index of a resident ID")


def record_consent(
    uow: ConsentUnitOfWork,
    subject_bidx: str,
    consent: NewConsent,
    *,
    actor: str,
    clock: Clock,
) -> ConsentRecord:
    """Store a consent the applicant gave; audited. A grant dated in the future is refused."""
    _check_bidx(subject_bidx)
    _check_actor(actor, "recorded_by")
    now = clock.now()
    if consent.granted_at > now:
        raise Invalid((FieldError(("granted_at",), "is in the future", "datetime"),))
    record = ConsentRecord(
        id=new_id("cns", clock),
        subject_bidx=subject_bidx,
        purpose=consent.purpose,
        scope=consent.scope,
        text_version=consent.text_version,
        granted_at=consent.granted_at,
        recorded_at=now,
        recorded_by=actor,
    )
    with uow:
        uow.consents.add(record)
        uow.audit.append(
            at=now,
            actor=actor,
            action="consent.recorded",
            subject_type="consent",
            subject_id=record.id,
            payload={
                "purpose": record.purpose.value,
                "scope": record.scope,
                "text_version": record.text_version,
                "granted_at": record.granted_at.isoformat(),
            },
        )
        uow.commit()
    return record


def revoke(uow: ConsentUnitOfWork, consent_id: str, *, actor: str, clock: Clock) -> ConsentRecord:
    """Withdraw a consent from now on; audited. Revoking twice is a `Conflict`."""
    _check_actor(actor, "revoked_by")
    now = clock.now()
    with uow:
        if not uow.consents.mark_revoked(consent_id, now, actor):
            if uow.consents.get(consent_id) is None:
                raise NotFound(f"no consent {consent_id!r}")
            raise Conflict(f"consent {consent_id!r} was already revoked")
        record = uow.consents.get(consent_id)
        assert record is not None
        uow.audit.append(
            at=now,
            actor=actor,
            action="consent.revoked",
            subject_type="consent",
            subject_id=consent_id,
            payload={"purpose": record.purpose.value, "text_version": record.text_version},
        )
        uow.commit()
    return record
