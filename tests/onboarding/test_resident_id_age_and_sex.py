"""Age on a date, age limits, and sex from the sequence code's parity."""

from datetime import date

import pytest

from fengkong.core.errors import Invalid
from fengkong.onboarding.validators import Sex, age_on, validate_resident_id

BORN_2007_04_15 = "110105200704150015"  # 17th digit 1: male
BORN_1960_01_01 = "110105196001010025"  # 17th digit 2: female


def mod11_2(digits: str) -> str:
    p = 0
    for ch in digits:
        p = ((p + int(ch)) * 2) % 11
    value = (12 - p) % 11
    return "X" if value == 10 else str(value)


def test_the_sample_numbers_carry_valid_check_digits() -> None:
    for number in (BORN_2007_04_15, BORN_1960_01_01):
        assert number[-1] == mod11_2(number[:17])


@pytest.mark.parametrize(
    ("as_of", "age"),
    [
        (date(2025, 4, 14), 17),
        (date(2025, 4, 15), 18),
        (date(2025, 12, 31), 18),
        (date(2007, 4, 15), 0),
    ],
)
def test_age_counts_whole_years(as_of: date, age: int) -> None:
    resident = validate_resident_id(BORN_2007_04_15, as_of)
    assert resident.age_on(as_of) == age
    assert age_on(resident, as_of) == age


def test_leap_day_birthday_comes_on_first_of_march_in_common_years() -> None:
    born = date(2004, 2, 29)
    assert age_on(born, date(2022, 2, 28)) == 17
    assert age_on(born, date(2022, 3, 1)) == 18
    assert age_on(born, date(2024, 2, 29)) == 20


def test_age_before_birth_is_a_programming_error() -> None:
    with pytest.raises(ValueError):
        age_on(date(2000, 1, 2), date(2000, 1, 1))


def test_underage_is_reported_with_the_age_and_the_limit() -> None:
    with pytest.raises(Invalid) as caught:
        validate_resident_id(BORN_2007_04_15, date(2025, 4, 14), min_age=18)
    [error] = caught.value.errors
    assert (error.type, error.msg) == (
        "underage",
        "age 17 on 2025-04-14 is under the minimum of 18",
    )


def test_the_minimum_age_itself_is_accepted() -> None:
    assert validate_resident_id(BORN_2007_04_15, date(2025, 4, 15), min_age=18).sex == Sex.MALE


def test_overage_is_reported_with_the_age_and_the_limit() -> None:
    with pytest.raises(Invalid) as caught:
        validate_resident_id(BORN_1960_01_01, date(2025, 1, 1), min_age=18, max_age=60)
    [error] = caught.value.errors
    assert (error.type, error.msg) == ("overage", "age 65 on 2025-01-01 is over the maximum of 60")


def test_the_maximum_age_itself_is_accepted() -> None:
    resident = validate_resident_id(BORN_1960_01_01, date(2020, 12, 31), max_age=60)
    assert resident.sex == Sex.FEMALE


def test_age_limits_are_checked_alongside_a_bad_check_digit() -> None:
    wrong = BORN_2007_04_15[:17] + "9"
    with pytest.raises(Invalid) as caught:
        validate_resident_id(wrong, date(2025, 1, 1), min_age=18)
    assert [e.type for e in caught.value.errors] == ["check_digit", "underage"]


@pytest.mark.parametrize(
    ("digit", "sex"), [(d, Sex.MALE if d % 2 else Sex.FEMALE) for d in range(10)]
)
def test_sex_follows_the_parity_of_the_seventeenth_digit(digit: int, sex: Sex) -> None:
    body = f"1101051990010100{digit}"
    assert validate_resident_id(body + mod11_2(body), date(2025, 1, 1)).sex == sex
