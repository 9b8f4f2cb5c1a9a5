"""The report's month-by-month figures on the hand-made run of `sim.report_runs`: approval and
bad rates, fraud caught and missed, expected against realised loss, reserve coverage, and income
against losses taken as differences of MonthStats' cumulative figures."""

from __future__ import annotations

import pytest

from fengkong.sim.report import (
    approval_rates,
    bad_rates,
    monthly_figures,
    reserve_coverage,
)
from fengkong.sim.stats import RunStats
from sim.report_runs import empty_month, stopped_in_april, three_months


def test_approval_rates_and_months_without_applications() -> None:
    assert approval_rates(three_months()) == [("2027-01", 0.4), ("2027-02", None), ("2027-03", 0.2)]


def test_bad_rates_are_shares_of_active_principal_at_the_month_end() -> None:
    stats = three_months()
    assert bad_rates(stats) == [("2027-01", 0.0), ("2027-02", 1.0), ("2027-03", 1.0)]
    # February: y, 95 days past due, owes 1,000 of 3,800 yuan; March: y is written off, x at 75
    assert bad_rates(stats, min_dpd=90) == [
        ("2027-01", 0.0),
        ("2027-02", pytest.approx(100_000 / 380_000)),
        ("2027-03", 0.0),
    ]
    with pytest.raises(ValueError):
        bad_rates(stats, min_dpd=60)


def test_reserve_coverage_is_allowance_and_reserve_over_principal_at_90_days() -> None:
    # 8,000 + 1,500 fen held against y's 100,000 fen; no 90+ principal in January or March
    assert reserve_coverage(three_months()) == [
        ("2027-01", None),
        ("2027-02", 0.095),
        ("2027-03", None),
    ]


def test_income_and_losses_are_the_months_differences() -> None:
    jan, feb, mar = monthly_figures(three_months())
    assert (jan.income, feb.income, mar.income) == (1_500, 2_200, 1_000)
    assert (jan.losses, feb.losses, mar.losses) == (2_000, 7_000, 53_000)
    assert (jan.net, feb.net, mar.net) == (-500, -4_800, -52_000)
    assert mar.income_to_date == 4_700 and mar.losses_to_date == 62_000
    assert mar.net_to_date == -57_300 == jan.net + feb.net + mar.net


def test_expected_against_realised_loss_and_loss_in_waiting() -> None:
    jan, feb, mar = monthly_figures(three_months())
    assert [f.expected_loss_to_date for f in (jan, feb, mar)] == [6_000, 9_000, 9_000]
    assert [f.written_off for f in (jan, feb, mar)] == [0, 0, 100_000]
    assert [f.written_off_to_date for f in (jan, feb, mar)] == [0, 0, 100_000]
    assert [f.principal_90 for f in (jan, feb, mar)] == [0, 100_000, 0]


def test_fraud_lines_and_bookings() -> None:
    jan, feb, mar = monthly_figures(three_months())
    assert (jan.fraud_applications, jan.fraud_caught, jan.fraud_missed) == (4, 3, 1)
    assert (jan.booked_count, jan.booked_amount) == (2, 400_000)
    assert (feb.lines_frozen, mar.lines_closed) == (1, 1)
    assert jan.allowance_and_reserve == 3_000


def test_a_month_not_yet_photographed_keeps_the_last_month_end() -> None:
    *_, mar, apr = monthly_figures(stopped_in_april())
    assert apr.approval_rate == 0.5
    assert (apr.income, apr.losses, apr.written_off) == (0, 0, 0)
    assert apr.net_to_date == mar.net_to_date == -57_300
    assert (apr.principal_active, apr.bad_rate_30) == (270_000, 1.0)


def test_an_empty_month_divides_by_nothing() -> None:
    (month,) = monthly_figures(empty_month())
    assert month.approval_rate is None
    assert month.bad_rate_30 is None and month.bad_rate_90 is None
    assert month.reserve_coverage is None
    assert (month.income, month.losses, month.net) == (0, 0, 0)


def test_without_snapshots_the_buckets_give_the_bad_principal() -> None:
    stats = RunStats(seed=1, scenario="s", policy="p", model=None, start="2027-01-01")
    month = stats.month("2027-01")
    month.end_principal_outstanding = 1_500_000
    month.end_principal_by_bucket = {
        "M0": 500_000,
        "M1": 100_000,
        "M2": 200_000,
        "M3": 300_000,
        "M3+": 400_000,
    }
    month.end_allowance = 200_000
    (figures,) = monthly_figures(stats)
    assert figures.bad_rate_30 == pytest.approx(900_000 / 1_500_000)  # M2, M3 and M3+
    assert figures.bad_rate_90 == pytest.approx(400_000 / 1_500_000)  # M3+: 91 days or more
    assert figures.reserve_coverage == 0.5
