"""Valid resident ID numbers pass and decode to birth date, sex and region.

The check digits here come from ISO 7064's recursive MOD 11-2 method, not the weight table the
validator uses, so the two implementations check each other.
"""

from datetime import date

from hypothesis import given
from hypothesis import strategies as st

from fengkong.onboarding.validators import (
    PROVINCE_CODES,
    Sex,
    resident_id_check_digit,
    validate_resident_id,
)

AS_OF = date(2025, 3, 31)


def mod11_2(digits: str) -> str:
    """ISO 7064 MOD 11-2, pure system, recursive method."""
    p = 0
    for ch in digits:
        p = ((p + int(ch)) * 2) % 11
    value = (12 - p) % 11
    return "X" if value == 10 else str(value)


def test_the_examples_printed_in_gb_11643() -> None:
    woman = validate_resident_id("11010519491231002X", AS_OF)
    assert (woman.birth_date, woman.sex, woman.region_code) == (
        date(1949, 12, 31),
        Sex.FEMALE,
        "110105",
    )
    man = validate_resident_id("440524188001010014", AS_OF)
    assert (man.birth_date, man.sex, man.region_code) == (date(1880, 1, 1), Sex.MALE, "440524")


def test_typed_forms_are_normalized() -> None:
    assert validate_resident_id(" 110105 19491231 002x ", AS_OF).number == "11010519491231002X"


def test_residence_permits_of_hong_kong_macao_and_taiwan_residents() -> None:
    for prefix in ("81", "82", "83"):
        body = f"{prefix}0000199001011234"[:17]
        resident = validate_resident_id(body + mod11_2(body), AS_OF)
        assert resident.is_residence_permit
    assert not validate_resident_id("11010519491231002X", AS_OF).is_residence_permit


@st.composite
def resident_ids(draw: st.DrawFn) -> tuple[str, date, str]:
    province = draw(st.sampled_from(sorted(PROVINCE_CODES)))
    county = draw(st.integers(0, 9999))
    born = draw(st.dates(min_value=date(1900, 1, 1), max_value=AS_OF))
    sequence = draw(st.integers(0, 999))
    body = f"{province}{county:04d}{born:%Y%m%d}{sequence:03d}"
    return body + mod11_2(body), born, f"{province}{county:04d}"


@given(resident_ids())
def test_every_well_formed_number_is_accepted(case: tuple[str, date, str]) -> None:
    number, born, region = case
    resident = validate_resident_id(number, AS_OF)
    assert resident.number == number
    assert resident.birth_date == born
    assert resident.region_code == region
    assert resident.sex == (Sex.MALE if int(number[16]) % 2 else Sex.FEMALE)


@given(st.text(alphabet="0123456789", min_size=17, max_size=17))
def test_weight_table_agrees_with_the_recursive_method(body: str) -> None:
    assert resident_id_check_digit(body) == mod11_2(body)
