"""The model reports' arithmetic on small data worked by hand: PSI and CSI against a stored
baseline, realised AUC over matured loans, approval and override drift, adverse-impact ratios;
and the report window's refusals."""

from __future__ import annotations

import math
from collections.abc import Sequence
from datetime import date
from typing import Any

import pytest

from fengkong.core.errors import Invalid, NotFound
from fengkong.core.filters import DateRange
from fengkong.scoring.baseline import (
    CategoryBins,
    NumericBins,
    against,
    baseline_document,
    baseline_from_metrics,
    index_of,
)
from fengkong.scoring.drift import drift_report
from fengkong.scoring.fairness import age_band, fairness_report, region_of, sex_of
from fengkong.scoring.monitored import (
    LoanOutcome,
    MonitoredDecision,
    MonitoringLimits,
    ReportWindow,
    realised,
    report_window,
)
from fengkong.scoring.registry import ModelStatus, ModelVersion

TODAY = date(2026, 12, 7)


def test_psi_against_stored_bins_is_the_sum_by_hand() -> None:
    bins = NumericBins(cuts=(500.0, 600.0), counts=(2, 4, 4))  # ≤500, (500, 600], >600
    rows = against(bins, [450, 550, 550, 650])  # 1, 2, 1
    assert [r.actual_count for r in rows] == [1, 2, 1]
    by_hand = (
        (0.25 - 0.2) * math.log(0.25 / 0.2)
        + (0.5 - 0.4) * math.log(0.5 / 0.4)
        + (0.25 - 0.4) * math.log(0.25 / 0.4)
    )
    assert index_of(rows) == pytest.approx(by_hand)
    # a value on a cut point falls in the bin it closes
    assert [r.actual_count for r in against(bins, [500, 600])] == [1, 1, 0]


def test_csi_of_a_category_counts_unseen_and_missing_apart() -> None:
    bins = CategoryBins(categories=("own", "rent"), counts=(3, 1), missing=0)
    rows = against(bins, ["own", "free", None, "rent"])
    assert [(r.bin, r.expected_count, r.actual_count) for r in rows] == [
        ("own", 3, 1),
        ("rent", 1, 1),
        ("(other)", 0, 1),
        ("(missing)", 0, 1),
    ]
    eps = 1e-4
    by_hand = (
        (0.25 - 0.75) * math.log(0.25 / 0.75)
        + 0.0
        + (0.25 - eps) * math.log(0.25 / eps)
        + (0.25 - eps) * math.log(0.25 / eps)
    )
    assert index_of(rows) == pytest.approx(by_hand)


def test_a_baseline_kept_in_metrics_reads_back() -> None:
    doc = baseline_document(
        [400, 500, 500, 600, 700],
        {"housing": ["own", "rent", None, "own", "own"], "age": [20, 30, 40, 50, 60]},
    )
    baseline = baseline_from_metrics({"test": {"auc": 0.7}, "baseline": doc})
    assert baseline is not None and baseline.sample == "train"
    assert sum(baseline.score.counts) == 5
    assert baseline.features["housing"] == CategoryBins(("own", "rent"), (3, 1), 1)
    assert isinstance(baseline.features["age"], NumericBins)
    assert index_of(against(baseline.score, [400, 500, 500, 600, 700])) == pytest.approx(0.0)
    assert baseline_from_metrics({"test": {"auc": 0.7}}) is None


def _loan(booked: date, worst: int = 0, written_off: bool = False) -> LoanOutcome:
    return LoanOutcome(booked, worst, written_off)


def _decision(
    i: int,
    on: date,
    outcome: str,
    score: int | None = 600,
    officer: str | None = None,
    loan: LoanOutcome | None = None,
    policy: str = "p-v1",
    features: dict[str, Any] | None = None,
    id_number: str | None = None,
) -> MonitoredDecision:
    return MonitoredDecision(
        f"dec_{i}", on, policy, outcome, officer, score, None, features or {}, loan, id_number
    )


def test_realised_auc_counts_matured_loans_only() -> None:
    booked = date(2026, 1, 15)
    decisions = [
        _decision(1, booked, "approve", 700, loan=_loan(booked)),
        _decision(2, booked, "approve", 650, loan=_loan(booked, worst=95)),
        _decision(3, booked, "approve", 600, loan=_loan(booked, worst=30)),
        _decision(4, booked, "approve", 550, loan=_loan(booked, written_off=True)),
        # booked a month later: five months on book on 2026-07-14, not yet mature
        _decision(5, booked, "approve", 300, loan=_loan(date(2026, 2, 15), worst=200)),
    ]
    result = realised(decisions, date(2026, 7, 15), mature_months=6)
    # bads 650 and 550 against goods 700 and 600: 3 of the 4 pairs have the bad scoring lower
    assert (result.loans, result.bads, result.bad_rate) == (4, 2, 0.5)
    assert result.auc == pytest.approx(0.75)
    assert result.ks == pytest.approx(0.5)
    assert realised(decisions, date(2026, 7, 14), mature_months=6).loans == 0
    only_goods = realised(decisions[:1], date(2026, 12, 1), 6)
    assert (only_goods.loans, only_goods.auc) == (1, None)


class Reads:
    """`MonitoringReads` over a list, filtered as the SQL is."""

    def __init__(self, rows: Sequence[MonitoredDecision], metrics: dict[str, Any]) -> None:
        self.rows, self.metrics = list(rows), metrics

    def model(self, version: str) -> ModelVersion | None:
        if version != "application-v1":
            return None
        return ModelVersion(
            "application-v1", "application", "scorecard", ModelStatus.CHAMPION, "0" * 64,
            "models/application/application-v1.json", None,  # type: ignore[arg-type]
            "x", ("housing",), {}, self.metrics,
        )  # fmt: skip

    def decisions(self, model_version: str, days: DateRange) -> list[MonitoredDecision]:
        assert days.start is not None and days.end is not None
        return [d for d in self.rows if days.start <= d.decided_on <= days.end]


METRICS = {
    "test": {"auc": 0.8},
    "baseline": {
        "sample": "train",
        "score": {"cuts": [500.0, 600.0], "counts": [2, 4, 4], "missing": 0},
        "features": {"housing": {"categories": ["own", "rent"], "counts": [3, 1], "missing": 0}},
    },
}


def test_drift_by_month_against_the_first_month() -> None:
    march, april = date(2026, 3, 10), date(2026, 4, 10)
    rows = [
        # March: 4 settled, 3 approved (one by an officer); a referral still waiting
        _decision(1, march, "approve", 650, features={"housing": "own"}),
        _decision(2, march, "approve", 550, features={"housing": "own"}),
        _decision(3, march, "decline", 450, features={"housing": "rent"}),
        _decision(4, march, "refer", 550, officer="approve", features={"housing": "own"}),
        _decision(5, march, "refer", 650, features={"housing": "own"}),
        # April: every score in the lowest bin; 1 of 4 approved; officers decline a referral
        _decision(6, april, "approve", 400, features={"housing": "free"}),
        _decision(7, april, "decline", 300, features={"housing": "free"}),
        _decision(8, april, "decline", 300, features={"housing": "free"}),
        _decision(9, april, "refer", 350, officer="decline", features={"housing": "free"}),
    ]
    window = ReportWindow(date(2026, 3, 1), date(2026, 4, 30), "month")
    report = drift_report(Reads(rows, METRICS), "application-v1", window, as_of=TODAY)
    mar, apr = report.periods
    assert (mar.period, mar.decisions, mar.referrals) == ("2026-03", 5, 2)
    assert mar.approval_rate == pytest.approx(3 / 4)
    assert mar.automatic_approval_rate == pytest.approx(2 / 5)
    assert (mar.officer_approved, mar.officer_declined, mar.officer_approval_rate) == (1, 0, 1.0)
    assert apr.approval_rate == pytest.approx(1 / 4)
    assert apr.approval_drift == pytest.approx(1 / 4 - 3 / 4)
    assert apr.override_drift == pytest.approx(-1.0)
    assert report.reference_period == "2026-03" and mar.approval_drift == 0.0
    by_hand = (1.0 - 0.2) * math.log(1.0 / 0.2) + (1e-4 - 0.4) * math.log(1e-4 / 0.4) * 2
    assert apr.psi == pytest.approx(by_hand)
    (housing,) = report.features
    assert housing.feature == "housing" and housing.csi > 0.25
    kinds = {(f.kind, f.severity, f.subject) for f in report.findings}
    assert ("psi", "breach", "2026-04") in kinds
    assert ("csi", "breach", "housing") in kinds
    assert ("approval_drift", "warning", "2026-04") in kinds
    assert ("override_drift", "warning", "2026-04") in kinds
    assert mar.psi == pytest.approx(0.0)  # the training shares exactly

    named = drift_report(
        Reads(rows, METRICS), "application-v1", window, as_of=TODAY, reference="2026-04"
    )
    assert named.periods[0].approval_drift == pytest.approx(0.5)
    with pytest.raises(Invalid) as bad:
        drift_report(
            Reads(rows, METRICS), "application-v1", window, as_of=TODAY, reference="2026-05"
        )
    assert bad.value.errors[0].allowed == ("2026-03", "2026-04")


def test_a_model_without_a_baseline_is_a_finding_not_a_failure() -> None:
    rows = [_decision(1, date(2026, 3, 10), "approve", 650)]
    window = ReportWindow(date(2026, 3, 1), date(2026, 3, 31), "day")
    report = drift_report(
        Reads(rows, {"test": {"auc": 0.8}}), "application-v1", window, as_of=TODAY
    )
    assert report.psi is None and len(report.periods) == 31
    assert [f.kind for f in report.findings] == ["baseline"]
    with pytest.raises(NotFound):
        drift_report(Reads(rows, METRICS), "application-v9", window, as_of=TODAY)


class Vault:
    def decrypt(self, field: str, token: str) -> str:
        assert field == "id_number"
        return token.removeprefix("enc:")


MALE = "enc:110105199003071239"  # 17th digit 3: odd
FEMALE = "enc:310101198506124567"  # 17th digit 6: even


def test_adverse_impact_ratio_by_sex_by_hand() -> None:
    on = date(2026, 3, 10)
    rows = [
        _decision(i, on, "approve" if i < 8 else "decline", id_number=MALE, features={"age_in_years": 30})
        for i in range(10)
    ] + [
        _decision(10 + i, on, "approve" if i < 4 else "decline", id_number=FEMALE, features={"age_in_years": 40})
        for i in range(10)
    ]  # fmt: skip
    window = ReportWindow(date(2026, 3, 1), date(2026, 3, 31), "month")
    limits = MonitoringLimits(min_group=5)
    report = fairness_report(
        Reads(rows, METRICS), Vault(), "application-v1", window, as_of=TODAY, limits=limits
    )
    (policy,) = report.policies
    sex = {g.group: g for g in policy.groups if g.dimension == "sex"}
    assert sex["male"].approval_rate == 0.8 and sex["male"].adverse_impact_ratio == 1.0
    assert sex["female"].adverse_impact_ratio == pytest.approx(0.5) and sex["female"].flagged
    ages = {g.group: g.adverse_impact_ratio for g in policy.groups if g.dimension == "age_band"}
    assert ages == {"25-34": 1.0, "35-44": pytest.approx(0.5)}
    regions = {g.group for g in policy.groups if g.dimension == "region"}
    assert regions == {"province 11", "province 31"}
    flagged = sorted(f.subject for f in report.findings)
    assert flagged == ["p-v1 age_band 35-44", "p-v1 region province 31", "p-v1 sex female"]
    assert all(f.severity == "breach" and f.limit == 0.8 for f in report.findings)

    few = MonitoringLimits(min_group=11)  # no group has 11: nothing is judged
    quiet = fairness_report(
        Reads(rows, METRICS), Vault(), "application-v1", window, as_of=TODAY, limits=few
    )
    assert quiet.findings == () and not any(g.judged for g in quiet.policies[0].groups)


def test_groups_from_the_resident_id_and_the_age() -> None:
    assert sex_of("110105199003071239") == "male" and sex_of("11010519900307124X") == "female"
    assert sex_of("1101") == "unknown" and region_of("440301199201017894") == "province 44"
    assert [age_band(a) for a in (18, 25, 44, 55, None, "x")] == [
        "under 25", "25-34", "35-44", "55 and over", "unknown", "unknown",
    ]  # fmt: skip


@pytest.mark.parametrize(
    ("start", "end", "by", "loc"),
    [
        (None, None, "week", "by"),
        ("2026-13-01", None, "month", "from"),
        (None, "2026-12-08", "month", "to"),
        ("2026-12-01", "2026-11-01", "month", "from"),
        ("2024-01-01", "2026-12-01", "day", "from"),
    ],
)
def test_a_bad_window_names_its_field(
    start: str | None, end: str | None, by: str, loc: str
) -> None:
    with pytest.raises(Invalid) as bad:
        report_window(start, end, by, TODAY)
    assert bad.value.errors[0].loc == (loc,)


def test_the_default_window_ends_today() -> None:
    assert report_window(None, None, None, TODAY) == ReportWindow(date(2025, 12, 8), TODAY, "month")
    assert report_window(None, None, "day", TODAY).start == date(2026, 11, 8)
