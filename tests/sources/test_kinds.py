from fengkong.onboarding.consent import Purpose
from fengkong.sources.kinds import SourceKind, purpose_of


def test_every_kind_is_fetched_under_a_purpose_consent_knows() -> None:
    for kind in SourceKind:
        assert Purpose(purpose_of(kind))


def test_the_bureau_needs_its_own_consent_and_identity_checks_the_fraud_one() -> None:
    assert purpose_of(SourceKind.CREDIT_BUREAU) == "credit_bureau"
    assert purpose_of(SourceKind.BANK_STATEMENT) == "data_sources"
    assert purpose_of(SourceKind.LIVENESS) == "fraud_check"
