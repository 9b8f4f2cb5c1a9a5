"""Test data for business applications: valid codes and IDs made with their check characters, a
valid `business` block for the application body (its first owner the applicant of
`factories.VALID_BODY`), and an application body carrying it for `business_loan@1`."""

from __future__ import annotations

import copy
from typing import Any

from factories import body
from fengkong.onboarding.validators import resident_id_check_digit, uscc_check_character

APPLICANT_ID = "110105199003071239"  # factories.VALID_BODY's applicant


def uscc(first17: str = "91330106MA2B3C4D5") -> str:
    """A unified social credit code with its check character (Hangzhou, Zhejiang: 33)."""
    return first17 + uscc_check_character(first17)


def resident_id(first17: str) -> str:
    return first17 + resident_id_check_digit(first17)


PARTNER_ID = resident_id("33010619850612004")
GUARANTOR_ID = resident_id("44030519780211003")

BUSINESS: dict[str, Any] = {
    "uscc": uscc(),
    "registered_name": "杭州西湖区张记餐饮店",
    "industry": "H",
    "years_in_operation": 6,
    "annual_revenue": "3600000.00",
    "owners": [
        {"name": "张三", "id_number": APPLICANT_ID, "phone": "13800138000", "share_bp": 6000},
        {"name": "李四", "id_number": PARTNER_ID, "phone": "13900139000", "share_bp": 4000},
    ],
    "guarantors": [
        {"kind": "person", "name": "王五", "id_number": GUARANTOR_ID, "phone": "13700137000"},
        {"kind": "company", "name": "杭州某某商贸有限公司", "uscc": uscc("91330100MA2C7E8F9")},
    ],
}


def business_block(**changes: Any) -> dict[str, Any]:
    block = copy.deepcopy(BUSINESS)
    block.update(changes)
    return block


def domain_block(**changes: Any) -> dict[str, Any]:
    """The block as the domain's `validate_business` takes it: revenue in fen."""
    block = business_block(**changes)
    revenue = block.pop("annual_revenue", None)
    if revenue is not None and "annual_revenue_fen" not in changes:
        block["annual_revenue_fen"] = round(float(revenue) * 100)
    return block


def business_body(**business: Any) -> dict[str, Any]:
    """An application for `business_loan@1` with a business block."""
    return body(
        product="business_loan",
        amount="200000.00",
        term_months=12,
        monthly_income="60000.00",
        purpose="business",
        business=business_block(**business),
    )
