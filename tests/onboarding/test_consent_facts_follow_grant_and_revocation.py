"""`consent_facts` and `ConsentRecord.active_at`: a consent counts from its grant until its
revocation, per purpose, and every purpose is always named."""

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from fengkong.core.errors import Invalid
from fengkong.onboarding.consent import ConsentRecord, NewConsent, Purpose, consent_facts

T0 = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)


def record(purpose: Purpose, granted: datetime, revoked: datetime | None = None) -> ConsentRecord:
    return ConsentRecord(
        id=f"cns_{purpose.value}_{granted:%H%M}",
        subject_bidx="a" * 64,
        purpose=purpose,
        scope="PBOC credit report",
        text_version="2026-01",
        granted_at=granted,
        recorded_at=granted,
        recorded_by="test",
        revoked_at=revoked,
    )


def test_facts_name_every_purpose() -> None:
    facts = consent_facts((), T0)
    assert facts == {f"consent.{p.value}": False for p in Purpose}


def test_a_consent_counts_from_grant_until_revocation() -> None:
    r = record(Purpose.CREDIT_BUREAU, T0, T0 + timedelta(days=2))
    assert consent_facts((r,), T0 - timedelta(seconds=1))["consent.credit_bureau"] is False
    assert consent_facts((r,), T0)["consent.credit_bureau"] is True
    assert consent_facts((r,), T0 + timedelta(days=1))["consent.credit_bureau"] is True
    assert consent_facts((r,), T0 + timedelta(days=2))["consent.credit_bureau"] is False


def test_one_purpose_does_not_grant_another() -> None:
    facts = consent_facts((record(Purpose.MARKETING, T0),), T0 + timedelta(hours=1))
    assert facts["consent.marketing"] is True
    assert facts["consent.credit_bureau"] is False
    assert facts["consent.fraud_check"] is False


def test_a_later_grant_restores_a_revoked_purpose() -> None:
    first = record(Purpose.FRAUD_CHECK, T0, T0 + timedelta(hours=1))
    second = record(Purpose.FRAUD_CHECK, T0 + timedelta(hours=3))
    at = T0 + timedelta(hours=2)
    assert consent_facts((first, second), at)["consent.fraud_check"] is False
    assert consent_facts((first, second), at + timedelta(hours=2))["consent.fraud_check"] is True


@given(
    st.lists(
        st.tuples(
            st.sampled_from(list(Purpose)),
            st.integers(0, 100),
            st.none() | st.integers(1, 100),
        ),
        max_size=6,
    ),
    st.integers(-10, 210),
)
def test_a_fact_is_true_iff_some_record_of_it_is_active(
    spec: list[tuple[Purpose, int, int | None]], minute: int
) -> None:
    records = tuple(
        record(p, T0 + timedelta(minutes=g), None if r is None else T0 + timedelta(minutes=g + r))
        for p, g, r in spec
    )
    at = T0 + timedelta(minutes=minute)
    facts = consent_facts(records, at)
    for p in Purpose:
        expected = any(
            r.purpose is p and r.granted_at <= at and (r.revoked_at is None or at < r.revoked_at)
            for r in records
        )
        assert facts[f"consent.{p.value}"] is expected


def test_a_new_consent_reports_each_bad_field() -> None:
    with pytest.raises(Invalid) as caught:
        NewConsent("payday", " ", "", datetime(2026, 1, 1))  # type: ignore[arg-type]
    fields = {e.loc[0] for e in caught.value.errors}
    assert fields == {"purpose", "scope", "text_version", "granted_at"}
