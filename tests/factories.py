"""Application bodies for tests: a valid one, and ways to break it."""

from __future__ import annotations

import copy
from typing import Any

VALID_BODY: dict[str, Any] = {
    "product": "cash_loan",
    "amount": "5000.00",
    "term_months": 12,
    "purpose": "radio/television",
    "monthly_income": "8000.00",
    "applicant": {"name": "张三", "id_number": "110105199003071239", "phone": "13800138000"},
    "profile": {
        "status_of_existing_checking_account": "no checking account",
        "credit_history": "critical account/ other credits existing (not at this bank)",
        "savings_account_and_bonds": "unknown/ no savings account",
        "present_employment_since": "... >= 7 years",
        "installment_rate_in_percentage_of_disposable_income": 2,
        "housing": "own",
    },
    "existing_monthly_debt": "300.00",
    "consents": [
        {
            "purpose": "credit_bureau",
            "scope": "PBOC credit report for this application",
            "text_version": "cb-2026-01",
        }
    ],
}


def body(**changes: Any) -> dict[str, Any]:
    """VALID_BODY with top-level fields replaced; `applicant__phone="…"` reaches one level down."""
    result = copy.deepcopy(VALID_BODY)
    for key, value in changes.items():
        if "__" in key:
            outer, inner = key.split("__", 1)
            result[outer][inner] = value
        else:
            result[key] = value
    return result
