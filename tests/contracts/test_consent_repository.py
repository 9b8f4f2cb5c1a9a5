"""`onboarding.consent.ConsentRepository`: a subject's consents in order of grant, revoked once,
and asked about at an instant."""

from __future__ import annotations

import pytest

from contracts.conftest import REFUSED, Backend
from contracts.rows import SUBJECT, at, consent
from fengkong.onboarding.consent import Purpose


def test_consents_read_back_by_subject_in_order_of_grant(backend: Backend) -> None:
    later = consent("cns_a", purpose=Purpose.MARKETING, granted_at=at(10), recorded_at=at(10))
    earlier = consent("cns_b")
    someone_else = consent("cns_c", subject_bidx="b" * 64)
    with backend.uow() as uow:
        for record in (later, earlier, someone_else):
            uow.consents.add(record)
        uow.commit()
    with backend.uow() as uow:
        assert uow.consents.get("cns_a") == later
        assert uow.consents.get("cns_z") is None
        assert uow.consents.for_subject(SUBJECT) == (earlier, later)
        assert uow.consents.for_subject("c" * 64) == ()


def test_a_consent_is_revoked_once(backend: Backend) -> None:
    with backend.uow() as uow:
        uow.consents.add(consent("cns_1"))
        uow.commit()
    with backend.uow() as uow:
        assert uow.consents.mark_revoked("cns_1", at(30), "applicant") is True
        assert uow.consents.mark_revoked("cns_1", at(40), "officer:li") is False
        assert uow.consents.mark_revoked("cns_9", at(40), "officer:li") is False
        uow.commit()
    with backend.uow() as uow:
        revoked = uow.consents.get("cns_1")
        assert (revoked.revoked_at, revoked.revoked_by) == (at(30), "applicant")


def test_has_consent_at_an_instant(backend: Backend) -> None:
    with backend.uow() as uow:
        uow.consents.add(consent("cns_1", granted_at=at(0)))
        uow.consents.mark_revoked("cns_1", at(60), "applicant")
        uow.commit()
    with backend.uow() as uow:
        has = uow.consents.has_consent
        assert not has(SUBJECT, Purpose.CREDIT_BUREAU, at(-1))
        assert has(SUBJECT, Purpose.CREDIT_BUREAU, at(0))
        assert has(SUBJECT, Purpose.CREDIT_BUREAU, at(59))
        assert not has(SUBJECT, Purpose.CREDIT_BUREAU, at(60))
        assert not has(SUBJECT, Purpose.MARKETING, at(30))
        assert not has("b" * 64, Purpose.CREDIT_BUREAU, at(30))


def test_a_consent_id_is_stored_once(backend: Backend) -> None:
    with backend.uow() as uow:
        uow.consents.add(consent("cns_1"))
        uow.commit()
    with pytest.raises(REFUSED), backend.uow() as uow:
        uow.consents.add(consent("cns_1", scope="other"))
        uow.commit()
