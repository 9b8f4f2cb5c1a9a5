"""Applicant intake: validate every personal field at once, and show stored ones masked."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

from fengkong.core.errors import Invalid
from fengkong.onboarding.application import Applicant, PersonalDataVault, StoredApplication
from fengkong.onboarding.field_check import applicant_rules, check_fields
from fengkong.onboarding.masking import mask
from fengkong.onboarding.normalize import FieldKind
from fengkong.onboarding.validators import ResidentId

# Under 18 a person cannot sign a loan contract: bad input. An upper age limit is a lender's
# choice and belongs to the policy's knock-outs, not to validation.
MIN_AGE = 18

# API field name → validator field kind
_FIELDS = {
    "name": FieldKind.NAME,
    "id_number": FieldKind.RESIDENT_ID,
    "phone": FieldKind.MOBILE,
    "bank_card": FieldKind.BANK_CARD,
    "employer_uscc": FieldKind.USCC,
}


def validate_applicant(
    name: str,
    id_number: str,
    phone: str,
    as_of: date,
    *,
    bank_card: str | None = None,
    employer_uscc: str | None = None,
) -> Applicant:
    """Validated, normalized applicant; `Invalid` lists every field that is wrong, located under
    `applicant`."""
    given = (name, id_number, phone, bank_card, employer_uscc)
    raw = {kind.value: value for kind, value in zip(_FIELDS.values(), given, strict=True)}
    check = check_fields(raw, applicant_rules(as_of, min_age=MIN_AGE))
    if not check.ok:
        api_name = {kind.value: field for field, kind in _FIELDS.items()}
        raise Invalid(
            tuple(
                replace(
                    e, loc=("applicant", api_name.get(str(e.loc[0]), str(e.loc[0])), *e.loc[1:])
                )
                for e in check.errors
            )
        )
    values = check.values
    resident = values[FieldKind.RESIDENT_ID.value]
    assert isinstance(resident, ResidentId)
    return Applicant(
        name=str(values[FieldKind.NAME.value]),
        id_number=resident.number,
        phone=str(values[FieldKind.MOBILE.value]),
        birth_date=resident.birth_date,
        bank_card=_optional(values.get(FieldKind.BANK_CARD.value)),
        employer=_optional(values.get(FieldKind.USCC.value)),
    )


def _optional(value: object) -> str | None:
    return None if value is None else str(value)


def masked_applicant(app: StoredApplication, vault: PersonalDataVault) -> tuple[str, str, str]:
    """Name, ID number and phone of a stored application, decrypted and masked for display."""
    return (
        mask(FieldKind.NAME, vault.decrypt("name", app.name_enc)),
        mask(FieldKind.RESIDENT_ID, vault.decrypt("id_number", app.id_number_enc)),
        mask(FieldKind.MOBILE, vault.decrypt("phone", app.phone_enc)),
    )
