"""Shared facts and policy text for the policy-engine tests."""

from __future__ import annotations

from datetime import date
from importlib import resources

AS_OF = date(2025, 3, 31)
RETAIL_TEXT = (
    resources.files("fengkong.decision").joinpath("policies/retail-v3.yaml").read_text("utf-8")
)


def good_facts(**changes: object) -> dict[str, object]:
    facts: dict[str, object] = {
        "age": 30,
        "id.valid": True,
        "consent.credit_bureau": True,
        "lists.court_hit": False,
        "lists.black_hit": False,
        "lists.grey_hit": False,
        "velocity.id.24h.count": 1,
        "velocity.device.1h.count": 1,
        "links.component_size": 1,
        "links.shared_phone_count": 0,
        "customer.returning": False,
        "score": 710,
        "amount": 2_000_000,
        "term_months": 12,
        "monthly_income": 1_500_000,
        "existing_monthly_debt": 200_000,
        "existing_exposure": 0,
    }
    for key, value in changes.items():
        name = key.replace("__", ".")
        if value is None:
            facts.pop(name, None)
        else:
            facts[name] = value
    return facts
