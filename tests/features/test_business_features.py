"""The business feature families (registry, tax, utilities): their windows of whole months
before the business date's month, growth against the year before, one definition online and
in batch, and texts in both languages."""

from __future__ import annotations

import re
from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from fengkong.core.money import Fen
from fengkong.features.bureau import months_before
from fengkong.features.business import (
    BUSINESS_FEATURES,
    TAX_FEATURES,
    UNRATED,
    UTILITY_FEATURES,
)
from fengkong.features.documents import DocumentFeature
from fengkong.sources.business import RegistryRecord, RegistryStatus
from fengkong.sources.payments import (
    TaxCreditGrade,
    TaxPayment,
    TaxRecords,
    TaxType,
    Utility,
    UtilityPayment,
    UtilityRecords,
)

USCC = "91110105MA01ABCD1X"
AS_OF = date(2026, 3, 15)


def _registry(established: date, status: RegistryStatus) -> RegistryRecord:
    return RegistryRecord(
        USCC,
        "北京鑫源商贸有限公司",
        "张伟",
        Fen(50_000_000),
        established,
        status,
        "F",
        "110105",
        AS_OF,
    )


@pytest.mark.parametrize(
    ("established", "years"),
    [(date(2021, 3, 15), 5.0), (date(2021, 3, 16), 4.0), (date(2026, 1, 1), 0.0)],
)
def test_years_in_operation_are_whole_years(established: date, years: float) -> None:
    values = BUSINESS_FEATURES.compute_online(_registry(established, RegistryStatus.ACTIVE), AS_OF)
    assert values["business.years_in_operation"] == years
    assert values["business.active"] is True
    assert values["business.registered_capital_yuan"] == 500_000.0


@pytest.mark.parametrize("status", [RegistryStatus.DEREGISTERED, RegistryStatus.REVOKED])
def test_a_business_not_active_is_flagged(status: RegistryStatus) -> None:
    values = BUSINESS_FEATURES.compute_online(_registry(date(2010, 1, 1), status), AS_OF)
    assert values["business.active"] is False


def _vat(month: date, fen: int, on_time: bool = True) -> TaxPayment:
    return TaxPayment(month, TaxType.VAT, Fen(fen), on_time)


def test_tax_windows_are_the_whole_months_before_the_business_dates_month() -> None:
    payments = (
        _vat(date(2026, 3, 1), 999_999),  # this month: not yet complete, left out
        _vat(date(2026, 2, 1), 60_000, on_time=False),  # the last 12: Mar 2025 … Feb 2026
        _vat(date(2025, 3, 1), 60_000),
        _vat(date(2025, 2, 1), 80_000),  # the 12 before: Mar 2024 … Feb 2025
        _vat(date(2024, 3, 1), 20_000),
        _vat(date(2024, 2, 1), 555_555),  # older: left out
    )
    values = TAX_FEATURES.compute_online(TaxRecords(USCC, TaxCreditGrade.A, payments), AS_OF)
    assert values["business.tax_paid_12m_yuan"] == 1_200.0
    assert values["business.tax_growth_12m"] == 0.2
    assert values["business.tax_on_time_share"] == 0.5
    assert values["business.tax_credit_grade"] == "A"


def test_no_tax_history() -> None:
    values = TAX_FEATURES.compute_online(TaxRecords(USCC, None, ()), AS_OF)
    assert values == {
        "business.tax_paid_12m_yuan": 0.0,
        "business.tax_growth_12m": None,
        "business.tax_on_time_share": None,
        "business.tax_credit_grade": UNRATED,
    }


def test_late_utility_bills_in_the_last_12_months() -> None:
    payments = (
        UtilityPayment(date(2026, 3, 1), Utility.ELECTRICITY, Fen(100), 9),  # this month
        UtilityPayment(date(2026, 2, 1), Utility.ELECTRICITY, Fen(100), 3),
        UtilityPayment(date(2026, 2, 1), Utility.WATER, Fen(100), 0),
        UtilityPayment(date(2025, 3, 1), Utility.GAS, Fen(100), 1),
        UtilityPayment(date(2025, 2, 1), Utility.GAS, Fen(100), 30),  # 13 months back
    )
    values = UTILITY_FEATURES.compute_online(UtilityRecords(USCC, payments), AS_OF)
    assert values["business.utility_late_12m"] == 2.0


MONTHS = st.integers(0, 40).map(lambda back: months_before(date(2026, 3, 1), back))


@given(
    st.lists(
        st.lists(
            st.builds(_vat, MONTHS, st.integers(0, 10**9), st.booleans()),
            max_size=10,
            unique_by=lambda p: p.period,
        ),
        max_size=5,
    ),
    st.sampled_from([*TaxCreditGrade, None]),
)
def test_tax_batch_equals_online(payment_lists: list[list[TaxPayment]], grade: object) -> None:
    rows = [
        (TaxRecords(USCC, grade, tuple(p)), AS_OF)  # type: ignore[arg-type]
        for p in payment_lists
    ]
    frame = TAX_FEATURES.compute_batch(rows)
    assert frame.to_dicts() == [TAX_FEATURES.compute_online(r, at) for r, at in rows]


def test_registry_and_utility_batch_equal_online() -> None:
    registries = [
        (_registry(date(2015, 5, 5), s), d)
        for s in RegistryStatus
        for d in (AS_OF, date(2030, 1, 1))
    ]
    assert BUSINESS_FEATURES.compute_batch(registries).to_dicts() == [
        BUSINESS_FEATURES.compute_online(r, d) for r, d in registries
    ]
    utilities = [(UtilityRecords(USCC, ()), AS_OF)]
    assert UTILITY_FEATURES.compute_batch(utilities).to_dicts() == [
        UTILITY_FEATURES.compute_online(r, d) for r, d in utilities
    ]


LATIN = re.compile(r"[A-Za-z]")


@pytest.mark.parametrize(
    "feature",
    [*BUSINESS_FEATURES.features, *TAX_FEATURES.features, *UTILITY_FEATURES.features],
    ids=lambda f: f.name,
)
def test_every_feature_speaks_both_languages(feature: DocumentFeature) -> None:
    assert feature.name.startswith("business.")
    assert all((feature.label_en, feature.label_zh, feature.reason_en, feature.reason_zh))
    assert not LATIN.search(feature.label_zh) and not LATIN.search(feature.reason_zh)
    assert LATIN.search(feature.label_en) and LATIN.search(feature.reason_en)
