"""Each way a resident ID number can be wrong has its own message; all are reported together."""

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from fengkong.core.errors import Invalid
from fengkong.onboarding.validators import validate_resident_id

AS_OF = date(2025, 3, 31)
VALID = "11010519491231002X"


def mod11_2(digits: str) -> str:
    p = 0
    for ch in digits:
        p = ((p + int(ch)) * 2) % 11
    value = (12 - p) % 11
    return "X" if value == 10 else str(value)


def with_check(body: str) -> str:
    return body + mod11_2(body)


def errors_of(raw: str, **limits: int) -> list[tuple[str, str]]:
    with pytest.raises(Invalid) as caught:
        validate_resident_id(raw, AS_OF, **limits)
    assert all(e.loc == ("resident_id",) for e in caught.value.errors)
    return [(e.type, e.msg) for e in caught.value.errors]


@pytest.mark.parametrize(
    ("raw", "kind", "words"),
    [
        ("110105491231002", "length", "15-digit first-generation"),
        ("11010519491231002", "length", "must have 18 characters, got 17"),
        ("11010519491231002XX", "length", "must have 18 characters, got 19"),
        ("", "length", "got 0"),
        ("1101051949123A002X", "format", "position 14 is not"),
        ("11010519491231002Y", "format", "must be a digit or X"),
        (with_check("99010519491231002"), "region", "unknown region prefix 99"),
        (with_check("91010519491231002"), "region", "unknown region prefix 91"),
        (with_check("00010519491231002"), "region", "unknown region prefix 00"),
        (with_check("11010519490230002"), "birth_date", "not a real calendar date"),
        (with_check("11010520230229002"), "birth_date", "not a real calendar date"),
        (with_check("11010519491331002"), "birth_date", "not a real calendar date"),
        (with_check("11010517991231002"), "birth_date", "before 1800"),
        (with_check("11010520250401002"), "birth_date", "after 2025-03-31"),
        ("110105194912310021", "check_digit", "bad check digit: expected 'X', got '1'"),
        ("440524188001010015", "check_digit", "bad check digit: expected '4', got '5'"),
    ],
)
def test_one_problem_one_message(raw: str, kind: str, words: str) -> None:
    [(found_kind, message)] = errors_of(raw)
    assert found_kind == kind
    assert words in message


def test_independent_problems_are_reported_together() -> None:
    # Unknown region, future birth date and a wrong check digit, all at once.
    found = errors_of("990105203001010011")
    assert [kind for kind, _ in found] == ["region", "birth_date", "check_digit"]


def test_leap_day_births_are_real() -> None:
    assert validate_resident_id(with_check("11010520000229002"), AS_OF).birth_date == date(
        2000, 2, 29
    )


def test_birth_on_the_as_of_date_is_not_in_the_future() -> None:
    assert validate_resident_id(with_check("11010520250331002"), AS_OF).birth_date == AS_OF


@given(st.integers(0, 17), st.sampled_from("0123456789X"))
def test_any_single_character_substitution_is_caught(position: int, replacement: str) -> None:
    if VALID[position] == replacement:
        return
    changed = VALID[:position] + replacement + VALID[position + 1 :]
    with pytest.raises(Invalid):
        validate_resident_id(changed, AS_OF)


@pytest.mark.parametrize("raw", ["110105194912310021", with_check("99010519491231002")])
def test_messages_do_not_repeat_the_number(raw: str) -> None:
    for _, message in errors_of(raw):
        assert raw not in message
        assert "19491231" not in message
