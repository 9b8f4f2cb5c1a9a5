"""Whom each kind is asked about for an application: the person for their credit report and the
identity checks; for a business's application, the business for its own records, keyed by its
code's blind index (so two businesses of one owner never share a cached answer) and fetched under
the owner's consent."""

from __future__ import annotations

from datetime import UTC, date, datetime

from business_factories import BUSINESS, business_body
from factories import body
from fengkong.api.schemas import ApplicationIn
from fengkong.onboarding.application import StoredApplication, seal
from fengkong.onboarding.subject import subject_for
from fengkong.onboarding.vault import Vault, generate_keyring
from fengkong.sources.kinds import PERSONAL_KINDS, SourceKind

VAULT = Vault(generate_keyring())
DAY = date(2026, 3, 31)


def _stored(payload: dict[str, object]) -> StoredApplication:
    request = ApplicationIn.model_validate(payload).to_request(DAY)
    return seal("app_1", datetime(2026, 3, 31, 2, tzinfo=UTC), request, VAULT)


def test_a_business_is_asked_about_its_own_records_under_its_owners_consent() -> None:
    stored = _stored(business_body())
    person = VAULT.blind_index("id_number", "110105199003071239")
    business = VAULT.blind_index("uscc", BUSINESS["uscc"])
    for kind in SourceKind:
        subject = subject_for(stored, VAULT, kind)
        assert subject.consent_key == person, kind
        assert subject.id_number == "110105199003071239"
        if kind in PERSONAL_KINDS:
            assert (subject.key, subject.uscc, subject.name) == (person, None, "张三"), kind
        else:
            assert (subject.key, subject.uscc) == (business, BUSINESS["uscc"]), kind
            assert subject.name == BUSINESS["registered_name"]


def test_a_consumers_every_kind_is_about_them() -> None:
    stored = _stored(body())
    keys = {subject_for(stored, VAULT, kind).key for kind in SourceKind}
    assert keys == {stored.id_number_bidx}
    assert all(subject_for(stored, VAULT, k).consenter is None for k in SourceKind)
