"""Vintage curves: by booking month and months on book, the share of the cohort's booked amount
ever 30 (or 90) days past due or written off. Hand-made month-end snapshots, shares by hand."""

from __future__ import annotations

from fractions import Fraction

import pytest

from fengkong.sim.portfolio_curves import m3_vintage_curves, pooled_vintage, vintage_curves
from fengkong.sim.stats import LoanSnapshot, RunStats


def snap(
    loan_id: str, booked: str, status: str, dpd: int, bucket: str, owed: int, amount: int
) -> LoanSnapshot:
    return LoanSnapshot(loan_id, booked, status, dpd, bucket, owed, amount)


# Cohort 2027-01: a 1,000 yuan, b 2,000, c 3,000 (600,000 fen). Cohort 2027-02: d 4,000.
# a reaches 35 days past due at March's end (months on book 2) and is current again in April;
# d is 40 days past due in March (its month on book 1) and written off in April.
SNAPSHOTS = {
    "2027-01": [
        snap("a", "2027-01", "active", 0, "C", 100_000, 100_000),
        snap("b", "2027-01", "active", 0, "C", 200_000, 200_000),
        snap("c", "2027-01", "active", 0, "C", 300_000, 300_000),
    ],
    "2027-02": [
        snap("a", "2027-01", "active", 10, "M1", 95_000, 100_000),
        snap("b", "2027-01", "active", 0, "C", 190_000, 200_000),
        snap("c", "2027-01", "active", 0, "C", 280_000, 300_000),
        snap("d", "2027-02", "active", 0, "C", 400_000, 400_000),
    ],
    "2027-03": [
        snap("a", "2027-01", "active", 35, "M2", 95_000, 100_000),
        snap("b", "2027-01", "active", 0, "C", 180_000, 200_000),
        snap("c", "2027-01", "settled", 0, "C", 0, 300_000),
        snap("d", "2027-02", "active", 40, "M2", 400_000, 400_000),
    ],
    "2027-04": [
        snap("a", "2027-01", "active", 0, "C", 80_000, 100_000),
        snap("b", "2027-01", "active", 0, "C", 170_000, 200_000),
        snap("c", "2027-01", "settled", 0, "C", 0, 300_000),
        snap("d", "2027-02", "written_off", 100, "M4", 0, 400_000),
    ],
}


def run() -> RunStats:
    stats = RunStats(seed=1, scenario="base", policy="p", model=None, start="2027-01-01")
    stats.snapshots = {k: list(v) for k, v in SNAPSHOTS.items()}
    return stats


def test_a_loan_reaching_35_days_counts_its_amount_from_that_month_on_book() -> None:
    curves = vintage_curves(run())
    one_sixth = 100_000 / 600_000
    assert curves["2027-01"] == [(0, 0.0), (1, 0.0), (2, one_sixth), (3, one_sixth)]
    # d is bad from its first month on book; being written off later changes nothing.
    assert curves["2027-02"] == [(0, 0.0), (1, 1.0), (2, 1.0)]


def test_curing_never_lowers_the_curve() -> None:
    for curve in vintage_curves(run()).values():
        shares = [share for _, share in curve]
        assert shares == sorted(shares)


def test_m3_plus_counts_only_90_days_or_a_write_off() -> None:
    curves = m3_vintage_curves(run())
    assert curves["2027-01"] == [(0, 0.0), (1, 0.0), (2, 0.0), (3, 0.0)]
    assert curves["2027-02"] == [(0, 0.0), (1, 0.0), (2, 1.0)]
    assert vintage_curves(run(), min_dpd=90) == curves


def test_the_threshold_is_reached_at_exactly_min_dpd() -> None:
    stats = run()
    stats.snapshots = {
        "2027-01": [
            snap("e", "2027-01", "active", 30, "M1", 50_000, 50_000),
            snap("f", "2027-01", "active", 29, "M1", 150_000, 150_000),
        ]
    }
    assert vintage_curves(stats) == {"2027-01": [(0, 0.25)]}


def test_pooled_vintage_weighs_the_cohorts_that_reached_each_month_on_book() -> None:
    pooled = dict(pooled_vintage(run()))
    # mob 1: Jan cohort 0 of 600,000 and Feb cohort 400,000 of 400,000
    assert pooled[0] == 0.0
    assert pooled[1] == pytest.approx(float(Fraction(400_000, 1_000_000)))
    assert pooled[2] == pytest.approx(float(Fraction(100_000 + 400_000, 1_000_000)))
    assert pooled[3] == pytest.approx(100_000 / 600_000)  # only January is three months old


def test_no_snapshots_means_no_cohorts() -> None:
    stats = RunStats(seed=1, scenario="base", policy="p", model=None, start="2027-01-01")
    assert vintage_curves(stats) == {}
    assert pooled_vintage(stats) == []
