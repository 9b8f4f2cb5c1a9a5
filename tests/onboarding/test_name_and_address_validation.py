"""Names in Chinese characters (parts joined by ·) or Latin letters; addresses within bounds."""

import pytest

from fengkong.core.errors import Invalid
from fengkong.onboarding.name_address import (
    ADDRESS_MAX_LENGTH,
    ADDRESS_MIN_LENGTH,
    validate_address,
    validate_name,
)


@pytest.mark.parametrize(
    ("raw", "name"),
    [
        ("张三", "张三"),
        (" 王 小 明 ", "王小明"),
        ("欧阳娜娜", "欧阳娜娜"),
        ("买买提・艾力", "买买提·艾力"),
        ("阿卜杜热合曼·买买提明", "阿卜杜热合曼·买买提明"),
        ("林〇", "林〇"),
        ("𠀾强", "𠀾强"),  # an Extension B ideograph, as rare names need
        ("John  Smith", "John Smith"),
        ("Zoë O'Brien-Núñez", "Zoë O'Brien-Núñez"),
        ("J. R. Tolkien", "J. R. Tolkien"),
    ],
)
def test_valid_names(raw: str, name: str) -> None:
    assert validate_name(raw) == name


def errors_of(raw: str) -> list[tuple[str, str]]:
    with pytest.raises(Invalid) as caught:
        validate_name(raw)
    assert all(e.loc == ("name",) for e in caught.value.errors)
    return [(e.type, e.msg) for e in caught.value.errors]


@pytest.mark.parametrize(
    ("raw", "kind", "words"),
    [
        ("  ", "missing", "is empty"),
        ("张", "length", "a Chinese name has 2 to 40 characters, got 1"),
        ("张" * 41, "length", "got 41"),
        ("张三3", "charset", "only Chinese characters and the middle dot"),
        ("李Lily", "charset", "only Chinese characters and the middle dot"),
        ("·艾力", "format", "must stand between two parts"),
        ("买买提··艾力", "format", "must stand between two parts"),
        ("艾力·", "format", "must stand between two parts"),
        ("J", "length", "a Latin-letter name has 2 to 100 characters, got 1"),
        ("J0hn", "charset", "Chinese characters (with ·) or in Latin letters"),
        ("Иван", "charset", "Chinese characters (with ·) or in Latin letters"),
        ("-John", "format", "must begin with a letter"),
        ("张\ue000", "charset", "private-use character"),
    ],
)
def test_each_name_problem_has_its_message(raw: str, kind: str, words: str) -> None:
    found = errors_of(raw)
    assert kind in [k for k, _ in found]
    assert any(words in message for _, message in found)


def test_name_messages_do_not_repeat_the_name() -> None:
    for _, message in errors_of("张三3") + errors_of("J0hnny"):
        assert "张三" not in message
        assert "J0hnny" not in message


def test_address_is_normalized() -> None:
    assert validate_address(" 北京市 朝阳区\t建国路８８号 ") == "北京市朝阳区建国路88号"


def test_address_length_bounds_are_inclusive() -> None:
    assert validate_address("a" * ADDRESS_MIN_LENGTH) == "a" * ADDRESS_MIN_LENGTH
    assert validate_address("a" * ADDRESS_MAX_LENGTH) == "a" * ADDRESS_MAX_LENGTH


@pytest.mark.parametrize(
    ("raw", "kind", "message"),
    [
        ("北京市", "length", "an address has 5 to 200 characters, got 3"),
        ("a" * 201, "length", "an address has 5 to 200 characters, got 201"),
        ("\t", "missing", "is empty"),
    ],
)
def test_each_address_problem_has_its_message(raw: str, kind: str, message: str) -> None:
    with pytest.raises(Invalid) as caught:
        validate_address(raw)
    [error] = caught.value.errors
    assert (error.loc, error.type, error.msg) == (("address",), kind, message)
