"""A stored business applicant as people see it: the code, the registered name and every owner's
and guarantor's personal data masked (`GET /v1/applications/{id}`)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Protocol

from fengkong.core.money import Fen
from fengkong.onboarding.business import GuarantorKind, StoredBusiness, StoredParty
from fengkong.onboarding.masking import mask, mask_uscc
from fengkong.onboarding.normalize import FieldKind


class _Opener(Protocol):
    def decrypt(self, field: str, token: str) -> str: ...


@dataclass(frozen=True, slots=True)
class MaskedParty:
    role: str
    kind: str
    name: str
    id_number: str | None  # a person's resident ID, masked
    phone: str | None
    uscc: str | None  # a company guarantor's code, masked
    share_bp: int | None


@dataclass(frozen=True, slots=True)
class MaskedBusiness:
    uscc: str
    registered_name: str
    industry: str
    region: str
    years_in_operation: int
    established_on: date | None
    annual_revenue: Fen
    owners: tuple[MaskedParty, ...]
    guarantors: tuple[MaskedParty, ...]


def mask_registered_name(clear: str) -> str:
    """The first quarter of the name (at most four characters) and a fixed `****`: enough to
    recognise one's own business, too little to name a sole trader's owner."""
    return clear[: min(4, len(clear) // 4)] + "****"


def _masked_party(p: StoredParty, vault: _Opener) -> MaskedParty:
    if p.kind is GuarantorKind.COMPANY:
        return MaskedParty(
            role=p.role,
            kind=p.kind.value,
            name=mask_registered_name(vault.decrypt("name", p.name_enc)),
            id_number=None,
            phone=None,
            uscc=None if p.uscc_enc is None else mask_uscc(vault.decrypt("uscc", p.uscc_enc)),
            share_bp=None,
        )
    return MaskedParty(
        role=p.role,
        kind=p.kind.value,
        name=mask(FieldKind.NAME, vault.decrypt("name", p.name_enc)),
        id_number=None
        if p.id_number_enc is None
        else mask(FieldKind.RESIDENT_ID, vault.decrypt("id_number", p.id_number_enc)),
        phone=None
        if p.phone_enc is None
        else mask(FieldKind.MOBILE, vault.decrypt("phone", p.phone_enc)),
        uscc=None,
        share_bp=p.share_bp,
    )


def masked_business(stored: StoredBusiness, vault: _Opener) -> MaskedBusiness:
    """Decrypt the stored business only to mask it; the clear values go no further."""
    return MaskedBusiness(
        uscc=mask_uscc(vault.decrypt("uscc", stored.uscc_enc)),
        registered_name=mask_registered_name(
            vault.decrypt("registered_name", stored.registered_name_enc)
        ),
        industry=stored.industry,
        region=stored.region,
        years_in_operation=stored.years_in_operation,
        established_on=stored.established_on,
        annual_revenue=stored.annual_revenue,
        owners=tuple(_masked_party(p, vault) for p in stored.owners),
        guarantors=tuple(_masked_party(p, vault) for p in stored.guarantors),
    )
