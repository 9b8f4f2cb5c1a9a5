"""The subject of an application as external data providers are asked about it: the blind index
of the resident ID (what consents and recorded answers are keyed by) and the clear fields,
opened from the vault only to travel to the provider; for a business's application, the
business itself for every kind not about the person (`sources.kinds.PERSONAL_KINDS`)."""

from __future__ import annotations

from dataclasses import replace
from typing import Protocol

from fengkong.onboarding.application import StoredApplication
from fengkong.sources.connector import Subject
from fengkong.sources.kinds import PERSONAL_KINDS, SourceKind

__all__ = ["subject_for", "subject_of"]


class _Opener(Protocol):
    def decrypt(self, field: str, token: str) -> str: ...


def subject_of(application: StoredApplication, vault: _Opener) -> Subject:
    """The person applying."""
    return Subject(
        key=application.id_number_bidx,
        name=vault.decrypt("name", application.name_enc),
        id_number=vault.decrypt("id_number", application.id_number_enc),
        phone=vault.decrypt("phone", application.phone_enc),
        bank_card=(
            None
            if application.bank_card_enc is None
            else vault.decrypt("bank_card", application.bank_card_enc)
        ),
    )


def subject_for(application: StoredApplication, vault: _Opener, kind: SourceKind) -> Subject:
    """Whom `kind` is asked about for `application`: the person, or, for a business's
    application and a kind not about the person, the business (keyed by its code's blind
    index, under the applicant's consent, named as registered)."""
    person = subject_of(application, vault)
    business = application.business
    if business is None or kind in PERSONAL_KINDS:
        return person
    return replace(
        person,
        key=business.uscc_bidx,
        consenter=person.key,
        name=vault.decrypt("registered_name", business.registered_name_enc),
        uscc=vault.decrypt("uscc", business.uscc_enc),
    )
