"""The bureau feature family: its windows at their boundaries, a report with no accounts, the
24-month limit of worst DPD, one definition online and in batch, and its texts in both languages."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from fengkong.core.money import Fen
from fengkong.features.bureau import (
    BUREAU_FEATURES,
    NO_DELINQUENCY_MONTHS,
    months_before,
    worst_dpd_days,
)
from fengkong.sources.bureau import (
    AccountStatus,
    AccountType,
    BureauAccount,
    BureauReport,
    Enquiry,
    EnquiryReason,
)
from sources.bureau_strategies import ID_NUMBER, NAME, reports

AS_OF = date(2026, 3, 31)


def _report(*accounts: BureauAccount, enquiries: tuple[Enquiry, ...] = ()) -> BureauReport:
    return BureauReport(NAME, ID_NUMBER, AS_OF, tuple(accounts), enquiries)


def _account(
    history: str = "N",
    history_month: date = date(2026, 3, 1),
    *,
    kind: AccountType = AccountType.CREDIT_CARD,
    lender: str = "招商银行",
    opened: date = date(2020, 1, 1),
    amount: int = 1_000_000,
    balance: int = 250_000,
    status: AccountStatus = AccountStatus.OPEN,
) -> BureauAccount:
    return BureauAccount(
        lender, kind, opened, Fen(amount), Fen(balance), status, history, history_month
    )


def test_a_report_with_no_accounts() -> None:
    values = BUREAU_FEATURES.compute_online(_report(), AS_OF)
    assert values["bureau.revolving_utilisation"] is None
    assert values["bureau.worst_dpd_24m"] == 0.0
    assert values["bureau.months_since_delinquency"] == NO_DELINQUENCY_MONTHS
    assert values["bureau.open_accounts"] == values["bureau.open_lenders"] == 0.0
    assert values["bureau.outstanding_yuan"] == 0.0
    assert values["bureau.thin_file"] is True
    assert all(values[f"bureau.enquiries_{k}m"] == 0.0 for k in (1, 3, 6, 12))


@pytest.mark.parametrize(
    ("day", "months", "before"),
    [
        (date(2026, 3, 31), 1, date(2026, 2, 28)),
        (date(2024, 3, 31), 1, date(2024, 2, 29)),
        (date(2026, 3, 15), 3, date(2025, 12, 15)),
        (date(2026, 1, 31), 12, date(2025, 1, 31)),
    ],
)
def test_months_before_clamps_to_the_months_end(day: date, months: int, before: date) -> None:
    assert months_before(day, months) == before


@pytest.mark.parametrize("months", [1, 3, 6, 12])
def test_enquiry_windows_at_their_boundaries(months: int) -> None:
    edge = months_before(AS_OF, months)
    enquiries = (
        Enquiry(edge, "甲", EnquiryReason.LOAN_APPROVAL),  # exactly k months back: outside
        Enquiry(edge + timedelta(days=1), "乙", EnquiryReason.CARD_APPROVAL),  # inside
        Enquiry(AS_OF, "丙", EnquiryReason.LOAN_APPROVAL),  # the day itself: inside
        Enquiry(AS_OF, "丁", EnquiryReason.POST_LOAN),  # not an approval
        Enquiry(AS_OF, "戊", EnquiryReason.SELF),
    )
    values = BUREAU_FEATURES.compute_online(_report(enquiries=enquiries), AS_OF)
    assert values[f"bureau.enquiries_{months}m"] == 2.0


def test_worst_dpd_ignores_months_older_than_24() -> None:
    # 24 months ending in February 2026: the first, March 2024, is 24 months before March 2026
    old = _account("3" + "N" * 20 + "1NN", date(2026, 2, 1))
    values = BUREAU_FEATURES.compute_online(_report(old), AS_OF)
    assert values["bureau.worst_dpd_24m"] == float(worst_dpd_days(1)) == 1.0
    assert values["bureau.months_since_delinquency"] == 3.0
    alone = BUREAU_FEATURES.compute_online(
        _report(_account("3" + "N" * 23, date(2026, 2, 1))), AS_OF
    )
    assert alone["bureau.worst_dpd_24m"] == 0.0
    assert alone["bureau.months_since_delinquency"] == 24.0
    # ending a month later, the same record's first month (April 2024) is within the 24
    inside = BUREAU_FEATURES.compute_online(_report(_account("3" + "N" * 23)), AS_OF)
    assert inside["bureau.worst_dpd_24m"] == float(worst_dpd_days(3)) == 61.0
    assert inside["bureau.months_since_delinquency"] == 23.0


def test_a_record_ending_before_the_report_is_placed_by_its_month() -> None:
    # the record ends in December 2025: its last "4" is 3 months before March 2026
    values = BUREAU_FEATURES.compute_online(_report(_account("NN4", date(2025, 12, 1))), AS_OF)
    assert values["bureau.worst_dpd_24m"] == 91.0
    assert values["bureau.months_since_delinquency"] == 3.0


def test_utilisation_balances_and_lenders_count_open_accounts_only() -> None:
    report = _report(
        _account(amount=1_000_000, balance=500_000),
        _account(amount=1_000_000, balance=0, lender="招商 银行"),
        _account(kind=AccountType.CONSUMER_LOAN, lender="微众银行", balance=300_000),
        _account(status=AccountStatus.CLOSED, lender="中国银行", balance=0, amount=9_000_000),
        _account(opened=date(2025, 10, 1), lender="中国银行", status=AccountStatus.CLOSED),
    )
    values = BUREAU_FEATURES.compute_online(report, AS_OF)
    assert values["bureau.revolving_utilisation"] == 0.25
    assert values["bureau.outstanding_yuan"] == 8_000.0
    assert values["bureau.open_lenders"] == 2.0  # 招商银行 written twice, 微众银行
    assert values["bureau.open_accounts"] == 3.0
    assert values["bureau.new_accounts_6m"] == 1.0
    assert values["bureau.thin_file"] is False


@given(st.lists(reports(max_accounts=5), max_size=6), st.integers(0, 400))
def test_batch_equals_online_row_by_row(docs: list[BureauReport], days: int) -> None:
    rows = [(r, r.report_date + timedelta(days=days)) for r in docs]
    frame = BUREAU_FEATURES.compute_batch(rows)
    assert frame.columns == list(BUREAU_FEATURES.names)
    assert frame.to_dicts() == [BUREAU_FEATURES.compute_online(r, at) for r, at in rows]


@given(reports())
def test_features_are_within_their_ranges(report: BureauReport) -> None:
    values = BUREAU_FEATURES.compute_online(report, report.report_date)
    counts = [float(values[f"bureau.enquiries_{k}m"] or 0) for k in (1, 3, 6, 12)]
    assert counts == sorted(counts)
    assert values["bureau.worst_dpd_24m"] in {float(worst_dpd_days(k)) for k in range(8)}
    assert 0 <= values["bureau.open_lenders"] <= values["bureau.open_accounts"]  # type: ignore[operator]


LATIN = re.compile(r"[A-Za-z]")


@pytest.mark.parametrize("feature", BUREAU_FEATURES.features, ids=lambda f: f.name)
def test_every_feature_speaks_both_languages(feature: object) -> None:
    from fengkong.features.documents import DocumentFeature

    assert isinstance(feature, DocumentFeature)
    assert feature.name.startswith("bureau.")
    assert all((feature.label_en, feature.label_zh, feature.reason_en, feature.reason_zh))
    assert not LATIN.search(feature.label_zh) and not LATIN.search(feature.reason_zh)
    assert re.search(r"[\u4e00-\u9fff]", feature.label_zh + feature.reason_zh)
    assert LATIN.search(feature.label_en) and LATIN.search(feature.reason_en)
