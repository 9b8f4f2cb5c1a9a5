"""The borrower as one party across applications, loans and lines, without clear personal data.

A customer is the holder of one resident ID number. Its id is derived, not stored: `cus_`
followed by the HMAC blind index of the ID number (`applications.id_number_bidx`), so it is
stable for as long as the blind-index key is (it survives the rotation of the encryption keys),
says nothing without that key, and needs no table and no write on the decision's path.

An officer finds a customer by the full ID number or phone: the value is validated, indexed with
the vault's blind-index key and matched; it is never stored nor shown, and only masks go out.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from datetime import date

from fengkong.core.errors import FieldError, Invalid
from fengkong.onboarding.application import PersonalDataVault
from fengkong.onboarding.masking import mask
from fengkong.onboarding.normalize import FieldKind
from fengkong.onboarding.validators import validate_mobile, validate_resident_id

CUSTOMER_PREFIX = "cus_"
_CUSTOMER_ID = re.compile(r"cus_[0-9a-f]{64}")


def customer_id(id_number_bidx: str) -> str:
    """The customer id of the holder of the ID number with this blind index."""
    return CUSTOMER_PREFIX + id_number_bidx


@dataclass(frozen=True, slots=True)
class PartyMatch:
    """Rows of one party: those whose ID number, and those whose phone, has this blind index
    (each given condition must hold)."""

    id_number_bidx: str | None = None
    phone_bidx: str | None = None


@dataclass(frozen=True, slots=True)
class MaskedParty:
    """Name, resident ID and phone as masks (`张*`, `110***********1239`, `138****8000`)."""

    name: str
    id_number: str
    phone: str


@dataclass(frozen=True, slots=True)
class PartyTokens:
    """A party as stored on an application: the ID number's blind index and the ciphertexts."""

    id_number_bidx: str = field(repr=False)
    name_enc: str = field(repr=False)
    id_number_enc: str = field(repr=False)
    phone_enc: str = field(repr=False)


@dataclass(frozen=True, slots=True)
class Borrower:
    """A party as lists show it: the customer id and the masks."""

    customer_id: str
    masked: MaskedParty


def masked_party(tokens: PartyTokens, vault: PersonalDataVault) -> MaskedParty:
    """Decrypt stored tokens only to mask them; the clear values go no further."""
    return MaskedParty(
        name=mask(FieldKind.NAME, vault.decrypt("name", tokens.name_enc)),
        id_number=mask(FieldKind.RESIDENT_ID, vault.decrypt("id_number", tokens.id_number_enc)),
        phone=mask(FieldKind.MOBILE, vault.decrypt("phone", tokens.phone_enc)),
    )


def borrower(tokens: PartyTokens, vault: PersonalDataVault) -> Borrower:
    return Borrower(customer_id(tokens.id_number_bidx), masked_party(tokens, vault))


def bidx_of_customer(text: str, loc: str, errors: list[FieldError]) -> str | None:
    """The blind index inside a customer id; a malformed id is appended to `errors`."""
    word = text.strip()
    if not _CUSTOMER_ID.fullmatch(word):
        errors.append(
            FieldError((loc,), "not a customer id: 'cus_' and 64 hex digits, as lists give out")
        )
        return None
    return word[len(CUSTOMER_PREFIX) :]


def party_match(
    *,
    customer: str | None,
    id_number: str | None,
    phone: str | None,
    vault: PersonalDataVault,
    as_of: date,
    errors: list[FieldError],
) -> PartyMatch | None:
    """Whose rows to list: by customer id, full resident ID number or full mobile number (any
    of them, all must hold). None when none is given. Bad values are appended to `errors`."""
    id_bidx: str | None = None
    phone_bidx: str | None = None
    if customer is not None and customer.strip():
        id_bidx = bidx_of_customer(customer, "customer", errors)
    if id_number is not None and id_number.strip():
        try:
            number = validate_resident_id(id_number, as_of).number
        except Invalid as exc:
            errors.extend(replace(e, loc=("id_number",)) for e in exc.errors)
        else:
            typed = vault.blind_index("id_number", number)
            if id_bidx is not None and id_bidx != typed:
                errors.append(
                    FieldError(("id_number",), "names another customer than the customer id")
                )
            id_bidx = typed
    if phone is not None and phone.strip():
        try:
            phone_bidx = vault.blind_index("phone", validate_mobile(phone))
        except Invalid as exc:
            errors.extend(replace(e, loc=("phone",)) for e in exc.errors)
    if id_bidx is None and phone_bidx is None:
        return None
    return PartyMatch(id_bidx, phone_bidx)
