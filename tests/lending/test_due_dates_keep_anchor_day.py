"""Due dates roll monthly on the anchor day, clamped to month end, never drifting after February."""

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from fengkong.core.errors import Invalid
from fengkong.lending.schedule import add_months, due_dates


def test_month_end_anchor_survives_february() -> None:
    assert due_dates(date(2024, 12, 31), 4) == (
        date(2025, 1, 31),
        date(2025, 2, 28),
        date(2025, 3, 31),
        date(2025, 4, 30),
    )


def test_leap_february_clamps_to_29th() -> None:
    assert due_dates(date(2023, 12, 31), 3) == (
        date(2024, 1, 31),
        date(2024, 2, 29),
        date(2024, 3, 31),
    )


def test_first_due_sets_the_anchor() -> None:
    assert due_dates(date(2025, 1, 10), 3, first_due=date(2025, 1, 31)) == (
        date(2025, 1, 31),
        date(2025, 2, 28),
        date(2025, 3, 31),
    )


def test_rolls_over_the_year_end() -> None:
    assert due_dates(date(2025, 11, 15), 3) == (
        date(2025, 12, 15),
        date(2026, 1, 15),
        date(2026, 2, 15),
    )


def test_add_months_with_explicit_day_and_negative_months() -> None:
    assert add_months(date(2025, 2, 28), 1, day=31) == date(2025, 3, 31)
    assert add_months(date(2025, 3, 31), -1) == date(2025, 2, 28)
    assert add_months(date(2025, 1, 15), -13) == date(2023, 12, 15)


@pytest.mark.parametrize("first_due", [date(2025, 1, 10), date(2025, 1, 9)])
def test_first_due_on_or_before_start_is_invalid(first_due: date) -> None:
    with pytest.raises(Invalid) as caught:
        due_dates(date(2025, 1, 10), 3, first_due=first_due)
    assert caught.value.errors[0].loc == ("first_due",)


@pytest.mark.parametrize("terms", [0, -1, True])
def test_terms_below_one_are_invalid(terms: int) -> None:
    with pytest.raises(Invalid):
        due_dates(date(2025, 1, 10), terms)


@given(
    start=st.dates(min_value=date(1990, 1, 1), max_value=date(2090, 12, 31)),
    terms=st.integers(1, 120),
)
def test_due_dates_are_one_month_apart_on_the_anchor_day(start: date, terms: int) -> None:
    dues = due_dates(start, terms)
    assert len(dues) == terms
    previous = start
    for due in dues:
        months_apart = (due.year - previous.year) * 12 + due.month - previous.month
        assert months_apart == 1
        # The anchor day whenever the month has it, else the month's last day.
        next_month_first = add_months(due.replace(day=1), 1)
        month_length = (next_month_first - due.replace(day=1)).days
        assert due.day == min(start.day, month_length)
        previous = due
