"""Bank card numbers: 12 to 19 digits with a Luhn check digit."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from fengkong.core.errors import Invalid
from fengkong.onboarding.validators import luhn_check_digit, validate_bank_card

# Networks' published test numbers: Visa, Mastercard, Amex (15), Discover, JCB, UnionPay (16, 19).
KNOWN_VALID = (
    "4111111111111111",
    "5555555555554444",
    "378282246310005",
    "6011111111111117",
    "3530111333300000",
    "6200000000000005",
    "6205500000000000004",
)


def luhn_valid(number: str) -> bool:
    """Independent of the validator: double every second digit, counting from the check digit."""
    total = 0
    for i, ch in enumerate(reversed(number)):
        digit = int(ch) * (2 if i % 2 else 1)
        total += digit // 10 + digit % 10
    return total % 10 == 0


@pytest.mark.parametrize("number", KNOWN_VALID)
def test_published_test_numbers_pass(number: str) -> None:
    assert luhn_valid(number)
    assert validate_bank_card(number) == number


def test_spaces_and_dashes_are_removed() -> None:
    assert validate_bank_card("6200 0000-0000 0005") == "6200000000000005"


@given(st.text(alphabet="0123456789", min_size=11, max_size=18))
def test_the_computed_digit_completes_a_luhn_valid_number(body: str) -> None:
    number = body + luhn_check_digit(body)
    assert luhn_valid(number)
    assert validate_bank_card(number) == number


@given(st.sampled_from(KNOWN_VALID), st.data())
def test_any_single_digit_substitution_is_caught(number: str, data: st.DataObject) -> None:
    position = data.draw(st.integers(0, len(number) - 1))
    digit = data.draw(st.sampled_from("0123456789").filter(lambda d: d != number[position]))
    with pytest.raises(Invalid):
        validate_bank_card(number[:position] + digit + number[position + 1 :])


@pytest.mark.parametrize(
    ("raw", "kind", "message"),
    [
        ("4111111111111112", "check_digit", "bad check digit (Luhn): expected 1, got 2"),
        ("41111111111", "length", "a bank card number has 12 to 19 digits, got 11"),
        ("41111111111111111111", "length", "a bank card number has 12 to 19 digits, got 20"),
        ("4111x11111111111", "format", "may contain only digits, spaces and dashes"),
    ],
)
def test_each_problem_has_its_message(raw: str, kind: str, message: str) -> None:
    with pytest.raises(Invalid) as caught:
        validate_bank_card(raw)
    [error] = caught.value.errors
    assert (error.loc, error.type, error.msg) == (("bank_card",), kind, message)
