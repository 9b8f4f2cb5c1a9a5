"""Phones, cards, ID numbers and USCCs normalize to bare ASCII."""

import pytest

from fengkong.onboarding.normalize import (
    FieldKind,
    index_form,
    normalize_bank_card,
    normalize_mobile,
    normalize_resident_id,
    normalize_uscc,
)


@pytest.mark.parametrize(
    "raw",
    [
        "13812345678",
        "138 1234 5678",
        "138-1234-5678",
        "+86 138 1234 5678",
        "+86-13812345678",
        "(+86) 138.1234.5678",
        "0086 13812345678",
        "8613812345678",
        "１３８１２３４５６７８",
        "＋８６　１３８－１２３４－５６７８",
        "\u200b13812345678",
    ],
)
def test_mobile_forms_normalize_to_eleven_digits(raw: str) -> None:
    assert normalize_mobile(raw) == "13812345678"


def test_bare_86_is_kept_when_stripping_would_not_leave_a_mobile_number() -> None:
    assert normalize_mobile("86123456789") == "86123456789"


def test_card_number_loses_spaces_and_dashes() -> None:
    assert normalize_bank_card(" 6222-0212 3456 7890 ") == "6222021234567890"


def test_resident_id_upper_cases_the_trailing_x_and_folds_width() -> None:
    assert normalize_resident_id("１１０１０５ 19491231 002ｘ") == "11010519491231002X"


def test_uscc_upper_cases() -> None:
    assert normalize_uscc("91350100m000100y43 ") == "91350100M000100Y43"


def test_index_form_folds_case_of_names_and_spaces_of_addresses() -> None:
    assert index_form(FieldKind.NAME, "John SMITH") == index_form(FieldKind.NAME, "john smith")
    assert index_form(FieldKind.ADDRESS, "北京市 朝阳区 1 号") == "北京市朝阳区1号"
    assert index_form(None, "  Hello\tWORLD ") == "hello world"
