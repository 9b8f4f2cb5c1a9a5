"""Small hand-made runs for the report tests (`sim.report`), every number chosen so the expected
figures can be worked out by hand in the test that uses them."""

from __future__ import annotations

from collections import Counter

from fengkong.sim.stats import LoanSnapshot, RunStats


def snap(loan_id: str, status: str, dpd: int, bucket: str, owed: int, amount: int) -> LoanSnapshot:
    return LoanSnapshot(loan_id, "2027-01", status, dpd, bucket, owed, amount)


def three_months() -> RunStats:
    """Two loans booked in January, x (3,000 yuan) and y (1,000 yuan):

    month    x                 y                        income to date        losses to date
    2027-01  current 3,000     current 1,000            1,000 + 500 fee       2,000 provision
    2027-02  45 days, 2,800    95 days, 1,000           3,000 + 500 + 200     9,000 provision
    2027-03  75 days, 2,700    written off              4,000 + 500 + 200     12,000 + 50,000 write-off

    (fen in the code). Allowance + reserve at the ends: 3,000, 9,500, 6,500 fen."""
    stats = RunStats(
        seed=42, scenario="downturn", policy="retail-v1", model="app-2", start="2027-01-01"
    )
    jan = stats.month("2027-01")
    jan.days = 31
    jan.applications, jan.approved = 10, 4
    jan.outcomes = Counter({"approve": 3, "refer": 2, "decline": 5})
    jan.ring_applications, jan.ring_declined = 3, 2
    jan.thief_applications, jan.thief_declined = 1, 1
    jan.fraud_booked, jan.fraud_amount_booked = 1, 100_000
    jan.honest_applications, jan.honest_declined = 6, 2
    jan.loans_booked, jan.amount_booked = 2, 400_000
    jan.expected_loss = 6_000
    jan.lines_opened, jan.line_limit_opened = 1, 500_000
    jan.end_active_loans, jan.end_principal_outstanding = 2, 400_000
    jan.end_allowance, jan.end_reserve = 2_000, 1_000
    jan.interest_income, jan.fee_income = 1_000, 500
    jan.provision_expense = 2_000
    stats.snapshots["2027-01"] = [
        snap("x", "active", 0, "M0", 300_000, 300_000),
        snap("y", "active", 0, "M0", 100_000, 100_000),
    ]

    feb = stats.month("2027-02")
    feb.days = 28
    feb.applications = 0
    feb.expected_loss = 3_000
    feb.amount_collected = 20_000
    feb.lines_frozen = 1
    feb.end_active_loans, feb.end_principal_outstanding = 2, 380_000
    feb.end_allowance, feb.end_reserve = 8_000, 1_500
    feb.interest_income, feb.fee_income, feb.penalty_income = 3_000, 500, 200
    feb.provision_expense = 9_000
    stats.snapshots["2027-02"] = [
        snap("x", "active", 45, "M2", 280_000, 300_000),
        snap("y", "active", 95, "M3+", 100_000, 100_000),
    ]

    mar = stats.month("2027-03")
    mar.days = 31
    mar.applications, mar.approved = 5, 1
    mar.amount_collected = 10_000
    mar.lines_closed = 1
    mar.written_off = 1
    mar.end_active_loans, mar.end_principal_outstanding = 1, 270_000
    mar.end_allowance, mar.end_reserve = 5_000, 1_500
    mar.interest_income, mar.fee_income, mar.penalty_income = 4_000, 500, 200
    mar.provision_expense, mar.write_off_loss = 12_000, 50_000
    mar.amount_written_off = 100_000
    stats.snapshots["2027-03"] = [
        snap("x", "active", 75, "M3", 270_000, 300_000),
        snap("y", "written_off", 125, "M3+", 0, 100_000),
    ]
    return stats


def stopped_in_april() -> RunStats:
    """`three_months` and three days of April, stopped before April's end was photographed."""
    stats = three_months()
    apr = stats.month("2027-04")
    apr.days = 3
    apr.applications, apr.approved = 2, 1
    return stats


def empty_month() -> RunStats:
    """One month without an application or a loan."""
    stats = RunStats(seed=1, scenario="quiet", policy="p", model=None, start="2027-01-01")
    stats.month("2027-01").days = 31
    stats.snapshots["2027-01"] = []
    return stats
