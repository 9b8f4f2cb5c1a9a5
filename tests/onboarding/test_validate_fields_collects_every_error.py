"""A form is checked whole: every field's errors come back at once, located at that field."""

from datetime import date

import pytest

from fengkong.core.errors import Invalid
from fengkong.onboarding.field_check import (
    FieldRule,
    applicant_rules,
    check_fields,
    validate_fields,
)
from fengkong.onboarding.validators import ResidentId, validate_mobile

AS_OF = date(2025, 3, 31)
RULES = applicant_rules(AS_OF, min_age=18, max_age=60)

GOOD = {
    "name": "王小明",
    "resident_id": "110105199001010010",
    "mobile": "+86 138 1234 5678",
    "bank_card": "6200 0000 0000 0005",
    "address": "北京市朝阳区建国路88号",
    "uscc": "91350100M000100Y43",
}


def test_a_good_form_returns_canonical_values() -> None:
    result = check_fields(GOOD, RULES)
    assert result.ok
    values = result.raise_if_invalid()
    assert values["mobile"] == "13812345678"
    assert values["bank_card"] == "6200000000000005"
    resident = values["resident_id"]
    assert isinstance(resident, ResidentId)
    assert resident.birth_date == date(1990, 1, 1)


def test_every_bad_field_is_reported_not_just_the_first() -> None:
    form = {
        "name": "张",
        "resident_id": "110105199001010011",  # wrong check digit
        "mobile": "12812345678",
        "bank_card": "4111111111111112",
        "address": "北京",
        "uscc": "91350100M000100Y44",
    }
    errors = validate_fields(form, RULES)
    assert [e.loc for e in errors] == [
        ("name",),
        ("resident_id",),
        ("mobile",),
        ("bank_card",),
        ("address",),
        ("uscc",),
    ]


def test_a_field_with_several_problems_reports_each() -> None:
    errors = validate_fields({**GOOD, "resident_id": "990105203001010011"}, RULES)
    assert [e.type for e in errors] == ["region", "birth_date", "check_digit"]


def test_age_limits_come_from_the_rules() -> None:
    minor = {**GOOD, "resident_id": "110105201001010010"}
    [error] = validate_fields(minor, RULES)
    assert (error.loc, error.type) == (("resident_id",), "underage")


def test_required_fields_missing_or_blank_are_reported_optional_ones_skipped() -> None:
    errors = validate_fields({"name": "   ", "mobile": None}, RULES)
    assert [(e.loc, e.type) for e in errors] == [
        (("name",), "missing"),
        (("resident_id",), "missing"),
        (("mobile",), "missing"),
    ]


def test_non_string_values_are_reported() -> None:
    errors = validate_fields({**GOOD, "mobile": 13812345678}, RULES)
    assert [(e.loc, e.type) for e in errors] == [(("mobile",), "string_type")]


def test_errors_are_located_at_the_form_field_name() -> None:
    rules = {"contact_phone": FieldRule(validate_mobile)}
    [error] = validate_fields({"contact_phone": "123"}, rules)
    assert error.loc == ("contact_phone",)


def test_raise_if_invalid_carries_every_error() -> None:
    with pytest.raises(Invalid) as caught:
        check_fields({}, RULES).raise_if_invalid()
    assert len(caught.value.errors) == 3


def test_fields_without_a_rule_are_ignored() -> None:
    assert validate_fields({**GOOD, "favourite_colour": "blue"}, RULES) == ()
