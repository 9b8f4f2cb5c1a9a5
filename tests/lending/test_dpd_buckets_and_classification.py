"""Days past due, M buckets and the five-tier classification (五级分类), as tables."""

from datetime import date

import pytest

from fengkong.core.errors import Invalid
from fengkong.core.money import Fen
from fengkong.lending.accrual import accrue
from fengkong.lending.delinquency import (
    ClassificationRules,
    LoanClass,
    Tier,
    classify,
    classify_loan,
    days_past_due,
    dpd_bucket,
    instalment_days_past_due,
    oldest_unpaid_due,
)
from fengkong.lending.restructure import extend_term
from fengkong.lending.waterfall import apply_repayment
from lending.servicing_helpers import loan

#  dpd  bucket  class
TABLE = """
    0    M0     normal
    1    M1     special_mention
    30   M1     special_mention
    31   M2     special_mention
    60   M2     special_mention
    61   M3     special_mention
    90   M3     special_mention
    91   M3+    substandard
    180  M3+    substandard
    181  M3+    doubtful
    360  M3+    doubtful
    361  M3+    loss
"""
ROWS = [line.split() for line in TABLE.strip().splitlines()]


@pytest.mark.parametrize(("dpd", "bucket", "loan_class"), ROWS)
def test_default_tiers(dpd: str, bucket: str, loan_class: str) -> None:
    assert dpd_bucket(int(dpd)) == bucket
    assert classify(int(dpd)) is LoanClass(loan_class)


#  dpd  restructured  written_off  class
EVENTS = """
    0    yes  no   substandard
    45   yes  no   substandard
    200  yes  no   doubtful
    0    no   yes  loss
"""


@pytest.mark.parametrize(
    ("dpd", "restructured", "written_off", "loan_class"),
    [line.split() for line in EVENTS.strip().splitlines()],
)
def test_event_floors(dpd: str, restructured: str, written_off: str, loan_class: str) -> None:
    found = classify(int(dpd), restructured=restructured == "yes", written_off=written_off == "yes")
    assert found is LoanClass(loan_class)


def test_thresholds_are_configurable_data() -> None:
    weekly = (Tier("current", 0), Tier("W1", 1), Tier("W2", 8), Tier("W2+", 15))
    assert [dpd_bucket(d, weekly) for d in (0, 7, 8, 14, 15)] == [
        "current",
        "W1",
        "W2",
        "W2",
        "W2+",
    ]
    strict = ClassificationRules(
        tiers=(
            Tier(LoanClass.NORMAL, 0),
            Tier(LoanClass.SPECIAL_MENTION, 1),
            Tier(LoanClass.SUBSTANDARD, 61),
            Tier(LoanClass.DOUBTFUL, 91),
            Tier(LoanClass.LOSS, 181),
        )
    )
    assert classify(61, rules=strict) is LoanClass.SUBSTANDARD


@pytest.mark.parametrize(
    "tiers",
    [(), (Tier("M1", 1),), (Tier("M0", 0), Tier("M1", 0)), (Tier("M0", 0), Tier("M0", 5))],
)
def test_bad_tiers_are_refused(tiers: tuple[Tier, ...]) -> None:
    with pytest.raises(Invalid):
        dpd_bucket(3, tiers)


def test_dpd_per_instalment_and_per_loan_from_the_oldest_unpaid_due_date() -> None:
    state = loan()  # due 02-15, 03-15, 04-15 …
    on = date(2025, 4, 20)
    # instalment 1 paid late in full; 2 and 3 unpaid
    state = apply_repayment(state, 200_000, date(2025, 3, 10), "r1").state
    assert [instalment_days_past_due(p, on) for p in state.positions[:4]] == [0, 36, 5, 0]
    assert oldest_unpaid_due(state, on) == date(2025, 3, 15)
    assert days_past_due(state, on) == 36
    assert days_past_due(state, date(2025, 3, 15)) == 0  # due today is not yet past due


def test_a_penny_left_within_tolerance_is_not_past_due() -> None:
    state = apply_repayment(loan(), 88_848, date(2025, 2, 15), "r1").state
    assert days_past_due(state, date(2025, 3, 1)) == 14
    assert days_past_due(state, date(2025, 3, 1), tolerance=Fen(1)) == 0


def test_a_restructured_loan_is_at_least_substandard_for_a_year() -> None:
    state = extend_term(loan(), date(2025, 2, 10), 6, "income fell: job loss").state
    assert classify_loan(state, date(2025, 2, 10)) is LoanClass.SUBSTANDARD
    year_later = date(2026, 2, 10)
    for due in sorted({p.due for p in state.positions if p.due <= year_later}):
        owed = accrue(state, due).state
        amount = sum(p.outstanding.total for p in owed.due_positions(due))
        state = apply_repayment(state, amount, due, f"r{due}").state
    assert days_past_due(state, year_later) == 0
    assert classify_loan(state, year_later) is LoanClass.SUBSTANDARD
    assert classify_loan(state, date(2026, 2, 11)) is LoanClass.NORMAL
