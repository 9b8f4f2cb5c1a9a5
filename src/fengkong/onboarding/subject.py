"""The subject of an application as external data providers are asked about it: the blind index
of the resident ID (what consents and recorded answers are keyed by) and the clear fields,
opened from the vault only to travel to the provider."""

from __future__ import annotations

from typing import Protocol

from fengkong.onboarding.application import StoredApplication
from fengkong.sources.connector import Subject

__all__ = ["subject_of"]


class _Opener(Protocol):
    def decrypt(self, field: str, token: str) -> str: ...


def subject_of(application: StoredApplication, vault: _Opener) -> Subject:
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
