"""Mainland mobile numbers: eleven digits starting 13 to 19, whatever the typed form."""

import pytest

from fengkong.core.errors import Invalid
from fengkong.onboarding.validators import validate_mobile


@pytest.mark.parametrize(
    "raw", ["13812345678", "+86 138 1234 5678", "0086-138-1234-5678", "１９９１２３４５６７８"]
)
def test_valid_forms_return_eleven_digits(raw: str) -> None:
    number = validate_mobile(raw)
    assert len(number) == 11
    assert number.isdigit()


@pytest.mark.parametrize("second", list("3456789"))
def test_every_mobile_prefix_from_13_to_19(second: str) -> None:
    assert validate_mobile(f"1{second}812345678") == f"1{second}812345678"


@pytest.mark.parametrize(
    ("raw", "kind", "message"),
    [
        ("1381234567", "length", "a mainland mobile number has 11 digits, got 10"),
        ("138123456789", "length", "a mainland mobile number has 11 digits, got 12"),
        ("12812345678", "format", "a mainland mobile number starts with 13 to 19"),
        ("23812345678", "format", "a mainland mobile number starts with 13 to 19"),
        ("1381234567a", "format", "may contain only digits, spaces, dashes and a +86 prefix"),
        ("+1 415 555 0100", "format", "only mainland numbers (+86) are accepted"),
        ("", "length", "a mainland mobile number has 11 digits, got 0"),
    ],
)
def test_each_problem_has_its_message(raw: str, kind: str, message: str) -> None:
    with pytest.raises(Invalid) as caught:
        validate_mobile(raw)
    [error] = caught.value.errors
    assert (error.loc, error.type, error.msg) == (("mobile",), kind, message)
