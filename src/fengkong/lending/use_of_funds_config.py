"""A product's use-of-funds rules as plain data (`Product.to_dict` / `product_from_dict`): the
mapping a YAML or JSON product file holds under `use_of_funds`."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from fengkong.core.errors import FieldError, Invalid
from fengkong.lending.use_of_funds import (
    DEFAULT_PURPOSES,
    DEFAULT_USE_OF_FUNDS,
    EntrustedPayment,
    Purpose,
    UseOfFundsRules,
)

__all__ = ["rules_from_dict", "rules_to_dict"]


def rules_to_dict(rules: UseOfFundsRules) -> dict[str, object]:
    """The mapping `rules_from_dict` reads back."""
    return {
        "purposes": [{"code": p.code, "zh": p.zh, "en": p.en} for p in rules.purposes],
        "purpose_required": rules.purpose_required,
        "entrusted_payment": rules.entrusted_payment.value,
        "entrusted_above": int(rules.entrusted_above),
        "receipts_required": rules.receipts_required,
        "receipts_within_days": rules.receipts_within_days,
        "unfreeze_on_receipts": rules.unfreeze_on_receipts,
    }


_KEYS = frozenset(rules_to_dict(DEFAULT_USE_OF_FUNDS))


def rules_from_dict(data: object) -> UseOfFundsRules:
    """Read a product's `use_of_funds` mapping; every key optional (`purposes` may list codes of
    the shipped list by code alone); `Invalid` names each bad field."""
    if not isinstance(data, Mapping):
        raise Invalid((FieldError(("use_of_funds",), "must be a mapping of fields"),))
    errors = [
        FieldError(("use_of_funds", str(k)), "unknown field", "extra_forbidden")
        for k in data
        if k not in _KEYS
    ]
    values: dict[str, Any] = {}
    if "purposes" in data:
        values["purposes"] = _purposes(data["purposes"], errors)
    for key in ("purpose_required", "receipts_required", "unfreeze_on_receipts"):
        if key in data:
            if not isinstance(data[key], bool):
                errors.append(FieldError(("use_of_funds", key), "must be true or false"))
            values[key] = data[key]
    for key in ("entrusted_above", "receipts_within_days"):
        if key in data:
            if isinstance(data[key], bool) or not isinstance(data[key], int):
                errors.append(FieldError(("use_of_funds", key), "must be a whole number"))
            values[key] = data[key]
    if "entrusted_payment" in data:
        try:
            values["entrusted_payment"] = EntrustedPayment(data["entrusted_payment"])
        except ValueError:
            errors.append(
                FieldError(("use_of_funds", "entrusted_payment"), "one of never, always, above")
            )
    if errors:
        raise Invalid(tuple(errors))
    return UseOfFundsRules(**values)


def _purposes(value: object, errors: list[FieldError]) -> tuple[Purpose, ...]:
    shipped = {p.code: p for p in DEFAULT_PURPOSES}
    if isinstance(value, str | bytes) or not isinstance(value, list | tuple):
        errors.append(FieldError(("use_of_funds", "purposes"), "must be a list"))
        return DEFAULT_PURPOSES
    found: list[Purpose] = []
    for index, item in enumerate(value):
        loc = ("use_of_funds", "purposes", index)
        if isinstance(item, str) and item in shipped:
            found.append(shipped[item])
        elif isinstance(item, Mapping) and {"code", "zh", "en"} <= set(item):
            found.append(Purpose(str(item["code"]), str(item["zh"]), str(item["en"])))
        else:
            errors.append(FieldError(loc, "a shipped purpose's code, or {code, zh, en}"))
    return tuple(found)
