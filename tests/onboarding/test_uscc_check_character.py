"""Unified social credit codes (GB 32100-2015): alphabet, region digits and check character."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from fengkong.core.errors import Invalid
from fengkong.onboarding.validators import USCC_ALPHABET, uscc_check_character, validate_uscc

# The standard's own example, then codes of large registered companies.
KNOWN_VALID = (
    "91350100M000100Y43",
    "9144030071526726XG",
    "91110108551385082Q",
    "91330100799655058B",
    "91110000802100433B",
    "91440300708461136T",
)


def check_character(body: str) -> str:
    """Independent of the validator: the weights are written out as GB 32100 prints them."""
    weights = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
    total = sum(USCC_ALPHABET.index(ch) * w for ch, w in zip(body, weights, strict=True))
    return USCC_ALPHABET[(31 - total % 31) % 31]


@pytest.mark.parametrize("code", KNOWN_VALID)
def test_known_codes_pass(code: str) -> None:
    assert validate_uscc(code) == code
    assert check_character(code[:17]) == code[17]


def test_lower_case_and_spaces_are_normalized() -> None:
    assert validate_uscc(" 91350100m000100y43") == "91350100M000100Y43"


def test_alphabet_excludes_the_five_ambiguous_letters() -> None:
    assert len(USCC_ALPHABET) == 31
    assert not set("IOSVZ") & set(USCC_ALPHABET)


def errors_of(raw: str) -> list[tuple[str, str]]:
    with pytest.raises(Invalid) as caught:
        validate_uscc(raw)
    assert all(e.loc == ("uscc",) for e in caught.value.errors)
    return [(e.type, e.msg) for e in caught.value.errors]


@pytest.mark.parametrize("letter", list("IOSVZ"))
def test_each_excluded_letter_is_refused(letter: str) -> None:
    code = "91350100M000100Y43"
    [(kind, message)] = errors_of(code[:9] + letter + code[10:])
    assert kind == "format"
    assert "position 10 holds a character outside the code's alphabet" in message


def test_wrong_length() -> None:
    assert errors_of("91350100M000100Y4") == [("length", "must have 18 characters, got 17")]


def test_region_code_must_be_digits() -> None:
    body = "9135A100M000100Y4"
    [(kind, message)] = errors_of(body + check_character(body))
    assert kind == "format"
    assert "positions 3–8" in message


def test_wrong_check_character_names_the_expected_one() -> None:
    assert errors_of("91350100M000100Y44") == [
        ("check_digit", "bad check character: expected '3', got '4'")
    ]


@given(st.text(alphabet=USCC_ALPHABET, min_size=17, max_size=17))
def test_check_character_agrees_with_the_printed_weights(body: str) -> None:
    assert uscc_check_character(body) == check_character(body)


@given(st.sampled_from(KNOWN_VALID), st.integers(0, 17), st.sampled_from(USCC_ALPHABET))
def test_any_single_substitution_is_caught(code: str, position: int, replacement: str) -> None:
    if code[position] == replacement:
        return
    with pytest.raises(Invalid):
        validate_uscc(code[:position] + replacement + code[position + 1 :])
