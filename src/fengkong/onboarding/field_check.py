"""Checking a whole form at once: each field has a rule (a validator, required or not), and
`check_fields` gathers every field's errors instead of stopping at the first.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from datetime import date
from types import MappingProxyType

from fengkong.core.errors import FieldError, Invalid
from fengkong.onboarding.name_address import validate_address, validate_name
from fengkong.onboarding.normalize import FieldKind
from fengkong.onboarding.validators import (
    ResidentId,
    validate_bank_card,
    validate_mobile,
    validate_resident_id,
    validate_uscc,
)


@dataclass(frozen=True, slots=True)
class FieldRule:
    """How one form field is checked: a validator, and whether the field may be left out."""

    check: Callable[[str], object]
    required: bool = True


@dataclass(frozen=True, slots=True, repr=False)
class FieldCheck:
    """The outcome of `check_fields`: the canonical values of the fields that passed, and every
    error of those that did not."""

    values: Mapping[str, object]
    errors: tuple[FieldError, ...]

    @property
    def ok(self) -> bool:
        return not self.errors

    def raise_if_invalid(self) -> Mapping[str, object]:
        """The values, or `Invalid` carrying all the errors."""
        if self.errors:
            raise Invalid(self.errors)
        return self.values

    def __repr__(self) -> str:
        # The values are personal data; name the fields only.
        return f"FieldCheck(valid={sorted(self.values)!r}, errors={self.errors!r})"


def check_fields(fields: Mapping[str, object], rules: Mapping[str, FieldRule]) -> FieldCheck:
    """Run every rule over its field, in the rules' order, collecting every error.

    A field missing, `None` or blank is an error when its rule is required and skipped otherwise.
    Fields without a rule are ignored: the schema at the edge decides what may be sent.
    """
    values: dict[str, object] = {}
    errors: list[FieldError] = []
    for name, rule in rules.items():
        raw = fields.get(name)
        if raw is None or (isinstance(raw, str) and not raw.strip()):
            if rule.required:
                errors.append(FieldError((name,), "is required", "missing"))
            continue
        if not isinstance(raw, str):
            errors.append(FieldError((name,), "must be a string", "string_type"))
            continue
        try:
            values[name] = rule.check(raw)
        except Invalid as exc:
            errors.extend(replace(e, loc=(name, *e.loc[1:])) for e in exc.errors)
    return FieldCheck(values=MappingProxyType(values), errors=tuple(errors))


def validate_fields(
    fields: Mapping[str, object], rules: Mapping[str, FieldRule]
) -> tuple[FieldError, ...]:
    """Every error in `fields` under `rules`; empty when all is well."""
    return check_fields(fields, rules).errors


def applicant_rules(
    as_of: date, *, min_age: int | None = None, max_age: int | None = None
) -> Mapping[str, FieldRule]:
    """The rules for an individual applicant: name, resident ID and mobile required; bank card,
    address and (for a sole trader or company borrower) USCC optional."""

    def resident_id(raw: str) -> ResidentId:
        return validate_resident_id(raw, as_of, min_age=min_age, max_age=max_age)

    return MappingProxyType(
        {
            FieldKind.NAME.value: FieldRule(validate_name),
            FieldKind.RESIDENT_ID.value: FieldRule(resident_id),
            FieldKind.MOBILE.value: FieldRule(validate_mobile),
            FieldKind.BANK_CARD.value: FieldRule(validate_bank_card, required=False),
            FieldKind.ADDRESS.value: FieldRule(validate_address, required=False),
            FieldKind.USCC.value: FieldRule(validate_uscc, required=False),
        }
    )
