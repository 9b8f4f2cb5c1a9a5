"""Behaviour facts as of past dates, from one loan's state worked by hand: booked 2025-01-15,
10,000 yuan over 12 months at 12 % (888.49 a month, due on the 15th, no grace days).
Instalment 1 paid on time, 2 paid 26 days late on 2025-04-10, 3 paid on its day, then nothing."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from fengkong.lending.accrual import accrue
from fengkong.lending.behaviour import (
    FEATURES,
    BorrowerBook,
    behaviour_facts,
    dpd_as_of,
    paid_in_full_on,
    went_bad,
    worst_dpd_between,
)
from fengkong.lending.line import draw, open_line
from fengkong.lending.product import ProductKind
from fengkong.lending.records import LoanRecord, LoanStage
from fengkong.lending.waterfall import apply_repayment
from lending.servicing_helpers import loan, product

INSTALMENT = 88_849


@pytest.fixture(scope="module")
def record() -> LoanRecord:
    s = loan()
    s = apply_repayment(accrue(s, date(2025, 2, 15)).state, INSTALMENT, date(2025, 2, 15), "r1")
    s = accrue(s.state, date(2025, 4, 10)).state
    s = apply_repayment(s, INSTALMENT + 2_000, date(2025, 4, 10), "r2").state
    s = apply_repayment(accrue(s, date(2025, 4, 15)).state, INSTALMENT, date(2025, 4, 15), "r3")
    state = accrue(s.state, date(2025, 7, 15)).state
    return LoanRecord("L1", state, LoanStage.ACTIVE, date(2025, 1, 15), 1_000_000)


def test_days_past_due_as_of_each_date(record: LoanRecord) -> None:
    assert dpd_as_of(record, date(2025, 1, 1)) == 0  # not booked yet
    assert dpd_as_of(record, date(2025, 3, 15)) == 0  # due today, not yet late
    assert dpd_as_of(record, date(2025, 4, 9)) == 25  # instalment 2 since 03-15
    assert dpd_as_of(record, date(2025, 4, 10)) == 0  # paid that day
    assert dpd_as_of(record, date(2025, 7, 15)) == 61  # instalment 4 since 05-15
    assert paid_in_full_on(record.state) == {
        1: date(2025, 2, 15),
        2: date(2025, 4, 10),
        3: date(2025, 4, 15),
    }


def test_the_worst_over_a_window_is_reached_before_a_repayment_or_at_its_end(
    record: LoanRecord,
) -> None:
    # the morning of 04-10 instalment 2 was 26 days late
    assert worst_dpd_between(record, date(2025, 1, 15), date(2025, 4, 30)) == 26
    assert worst_dpd_between(record, date(2025, 4, 11), date(2025, 5, 31)) == 16
    assert worst_dpd_between(record, date(2025, 4, 11), date(2025, 4, 30)) == 0


def test_facts_on_a_day_of_arrears_and_after_they_were_cleared(record: LoanRecord) -> None:
    book = BorrowerBook("c1", (record,), blacklist_hits=(date(2025, 7, 1), date(2025, 9, 1)))
    before = behaviour_facts(book, date(2025, 4, 9))
    assert (before.instalments_due, before.instalments_late, before.instalments_unpaid) == (2, 1, 1)
    assert (before.days_past_due, before.worst_days_past_due) == (25, 25)
    assert before.repaid_share == round(
        sum(p.paid.principal for p in record.state.repayments[1].prior_positions) / 1_000_000, 6
    )
    after = behaviour_facts(book, date(2025, 4, 10))
    assert (after.instalments_late, after.instalments_unpaid) == (1, 0)
    assert (after.days_past_due, after.worst_days_past_due) == (0, 26)
    last = behaviour_facts(book, date(2025, 7, 15))
    # instalments 1-5 due before 07-15; 2 paid late, 4 and 5 unpaid and late
    assert (last.instalments_due, last.instalments_late, last.instalments_unpaid) == (5, 3, 2)
    assert (last.months_on_book, last.months_since_late) == (5, 0)
    assert (last.days_past_due, last.worst_days_past_due_90d) == (61, 61)
    assert last.fraud_hits == 1  # the 09-01 hit is after the date
    assert (last.active_loans, last.utilisation, last.draws_90d) == (1, 0.0, 0)
    assert tuple(last.features()) == FEATURES


def test_utilisation_and_draws_read_the_line_as_it_was() -> None:
    line = open_line(
        "LN1",
        product(kind=ProductKind.REVOLVING_LINE),
        2_000_000,
        Decimal("0.12"),
        date(2025, 1, 10),
    )
    drawn = draw(line, 500_000, 6, date(2025, 2, 1), "D1")
    record = LoanRecord(
        "D1", drawn.loan.state, LoanStage.ACTIVE, date(2025, 2, 1), 500_000, line_id="LN1"
    )
    book = BorrowerBook("c1", (record,), (drawn.line,))
    assert behaviour_facts(book, date(2025, 1, 31)).utilisation == 0.0
    on_the_day = behaviour_facts(book, date(2025, 2, 1))
    assert (on_the_day.utilisation, on_the_day.draws_90d) == (0.25, 1)
    assert behaviour_facts(book, date(2025, 6, 1)).draws_90d == 0


def test_the_outcome_counts_only_days_after_the_observation(record: LoanRecord) -> None:
    book = BorrowerBook("c1", (record,))
    assert went_bad(book, date(2025, 3, 31), date(2025, 7, 15), 30)  # 61 days by 07-15
    assert not went_bad(book, date(2025, 3, 31), date(2025, 5, 31), 30)  # 26 then 16
    assert not went_bad(book, date(2024, 12, 31), date(2025, 7, 15), 1)  # not booked yet
