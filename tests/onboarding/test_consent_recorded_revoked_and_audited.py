"""Recording and revoking consents, on the in-memory unit of work: each change is audited in its
own transaction, and `has_consent` answers as of a given instant. The consents as stored (SQLite,
PostgreSQL) are held to the same answers by `tests/contracts/test_consent_repository.py`."""

from collections.abc import Callable
from datetime import timedelta

import pytest

from fakes import MemoryUnitOfWork
from fengkong.audit.verify import verify
from fengkong.core.clock import FakeClock
from fengkong.core.errors import Conflict, Invalid, NotFound
from fengkong.onboarding.consent import NewConsent, Purpose, record_consent, revoke
from fengkong.onboarding.vault import Vault, generate_keyring

NewUow = Callable[[], MemoryUnitOfWork]

ID_NUMBER = "11010519491231002X"


def test_record_revoke_and_ask(memory_uow: NewUow, clock: FakeClock) -> None:
    bidx = Vault(generate_keyring()).blind_index("id_number", ID_NUMBER)
    granted = clock.now()
    given = NewConsent(Purpose.CREDIT_BUREAU, "PBOC credit report, 30 days", "cb-2026-01", granted)
    record = record_consent(memory_uow(), bidx, given, actor="officer:li", clock=clock)
    clock.advance(timedelta(days=1))
    revoked = revoke(memory_uow(), record.id, actor="applicant", clock=clock)
    assert revoked.revoked_at == clock.now() and revoked.revoked_by == "applicant"

    with memory_uow() as uow:
        stored = uow.consents.for_subject(bidx)
        assert [r.id for r in stored] == [record.id]
        assert uow.consents.has_consent(bidx, Purpose.CREDIT_BUREAU, granted + timedelta(hours=1))
        assert not uow.consents.has_consent(bidx, Purpose.CREDIT_BUREAU, clock.now())
        assert not uow.consents.has_consent(bidx, Purpose.MARKETING, granted)
        trail = uow.audit.for_subject("consent", record.id)
        assert [a.action for a in trail] == ["consent.recorded", "consent.revoked"]
        assert trail[0].payload["purpose"] == "credit_bureau"
        assert ID_NUMBER not in repr(trail) and bidx not in repr(trail)
        assert verify(uow.audit.stream(), head=uow.audit.head()) == ()


def test_revoking_twice_or_unknown_fails_and_audits_nothing(
    memory_uow: NewUow, clock: FakeClock
) -> None:
    bidx = "b" * 64
    given = NewConsent(Purpose.FRAUD_CHECK, "device and identity checks", "fc-1", clock.now())
    record = record_consent(memory_uow(), bidx, given, actor="api", clock=clock)
    revoke(memory_uow(), record.id, actor="api", clock=clock)
    with pytest.raises(Conflict):
        revoke(memory_uow(), record.id, actor="api", clock=clock)
    with pytest.raises(NotFound):
        revoke(memory_uow(), "cns_nope", actor="api", clock=clock)
    with memory_uow() as uow:
        assert len(uow.audit.for_subject("consent", record.id)) == 2


def test_a_grant_in_the_future_is_refused(memory_uow: NewUow, clock: FakeClock) -> None:
    given = NewConsent(Purpose.MARKETING, "sms offers", "mk-1", clock.now() + timedelta(hours=1))
    with pytest.raises(Invalid):
        record_consent(memory_uow(), "c" * 64, given, actor="api", clock=clock)
    with memory_uow() as uow:
        assert uow.consents.for_subject("c" * 64) == ()
