"""A product's use-of-funds rules: any purpose outside its list is refused naming the allowed
ones, any inside is accepted, forbidden purposes are refused whatever the list, a payee is
required above the entrusted-payment threshold, and the rules round-trip through the product's
plain mapping.

| product | amount | purpose | payee | outcome |
| --- | --- | --- | --- | --- |
| business_line@1 | ¥300,000 | business_working_capital | none | accepted, paid to the borrower |
| business_line@1 | ¥300,000.01 | business_working_capital | none | refused: payee required |
| business_line@1 | ¥500,000 | purchase_of_goods | 华东建材有限公司 | accepted, paid to the payee |
| credit_line@1 | ¥1,000 | house_purchase | none | refused: forbidden |
"""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from fengkong.core.errors import Invalid
from fengkong.core.money import Fen
from fengkong.lending.catalogue import BUSINESS_LINE, CREDIT_LINE
from fengkong.lending.product import product_from_dict
from fengkong.lending.use_of_funds import (
    DEFAULT_PURPOSES,
    FORBIDDEN_PURPOSES,
    EntrustedPayment,
    Payee,
    Purpose,
    UseOfFundsRules,
    check_fund_use,
    requires_entrusted_payment,
)

RULES = BUSINESS_LINE.use_of_funds
ALLOWED = RULES.allowed_codes()
PAYEE = Payee("华东建材有限公司", "6222 0212 3456 7890 123", "中国工商银行上海分行")


@given(st.text(min_size=1, max_size=40).filter(lambda s: s.strip() not in ALLOWED))
def test_any_purpose_outside_the_list_is_refused_naming_the_allowed(purpose: str) -> None:
    with pytest.raises(Invalid) as caught:
        check_fund_use(RULES, 100_000, purpose, None)
    error = caught.value.errors[0]
    assert error.loc == ("purpose",)
    for code in ALLOWED:
        assert code in error.msg


@given(st.sampled_from(ALLOWED), st.integers(min_value=1, max_value=30_000_000))
def test_any_purpose_inside_the_list_is_accepted(purpose: str, amount: int) -> None:
    checked = check_fund_use(RULES, amount, purpose, None)
    assert checked.purpose == purpose
    assert not checked.entrusted


@given(st.sampled_from(FORBIDDEN_PURPOSES))
def test_a_forbidden_purpose_is_refused_even_by_the_default_list(forbidden: Purpose) -> None:
    with pytest.raises(Invalid) as caught:
        check_fund_use(CREDIT_LINE.use_of_funds, 100_000, forbidden.code, None)
    assert caught.value.errors[0].type == "forbidden"
    assert forbidden.zh in caught.value.errors[0].msg


def test_a_product_cannot_allow_a_forbidden_purpose() -> None:
    with pytest.raises(Invalid) as caught:
        UseOfFundsRules(purposes=(*DEFAULT_PURPOSES, FORBIDDEN_PURPOSES[0]))
    assert caught.value.errors[0].loc == ("use_of_funds", "purposes", len(DEFAULT_PURPOSES))


def test_the_payee_is_required_just_above_the_threshold() -> None:
    at = int(RULES.entrusted_above)
    assert not requires_entrusted_payment(RULES, at)
    assert requires_entrusted_payment(RULES, at + 1)
    check_fund_use(RULES, at, "business_working_capital", None)
    with pytest.raises(Invalid) as caught:
        check_fund_use(RULES, at + 1, "business_working_capital", None)
    assert [e.loc for e in caught.value.errors] == [("payee",)]
    paid = check_fund_use(RULES, 50_000_000, "purchase_of_goods", PAYEE)
    assert paid.entrusted and paid.payee is not None
    assert paid.payee.account == "6222021234567890123"


def test_a_bad_payee_names_each_field() -> None:
    with pytest.raises(Invalid) as caught:
        check_fund_use(RULES, 50_000_000, "purchase_of_goods", Payee(" ", "12ab", ""))
    assert {e.loc for e in caught.value.errors} == {
        ("payee", "name"),
        ("payee", "account"),
        ("payee", "bank"),
    }


def test_a_required_purpose_must_be_stated_and_an_optional_one_may_be_left_out() -> None:
    with pytest.raises(Invalid):
        check_fund_use(RULES, 100_000, None, None)
    assert check_fund_use(CREDIT_LINE.use_of_funds, 100_000, None, None).purpose is None


def test_always_entrusted_means_every_amount() -> None:
    always = UseOfFundsRules(entrusted_payment=EntrustedPayment.ALWAYS)
    assert requires_entrusted_payment(always, 1)
    with pytest.raises(Invalid):
        UseOfFundsRules(entrusted_payment=EntrustedPayment.ABOVE, entrusted_above=Fen(0))


def test_the_rules_round_trip_and_old_configurations_read_unchanged() -> None:
    assert product_from_dict(BUSINESS_LINE.to_dict()) == BUSINESS_LINE
    assert "use_of_funds" not in CREDIT_LINE.to_dict()
    doc = {
        **CREDIT_LINE.to_dict(),
        "use_of_funds": {"purposes": ["education", "medical"], "receipts_required": True},
    }
    product = product_from_dict(doc)
    assert product.use_of_funds.allowed_codes() == ("education", "medical")
    with pytest.raises(Invalid) as caught:
        product_from_dict({**doc, "use_of_funds": {"purposes": ["house_purchase"], "x": 1}})
    locs = {e.loc for e in caught.value.errors}
    assert ("use_of_funds", "x") in locs
    assert ("use_of_funds", "purposes", 0) in locs
