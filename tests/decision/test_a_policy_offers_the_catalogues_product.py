"""A policy offers a product of the catalogue on the catalogue's terms; a catalogue holds each
code@version once (docs/adr/0006).

| declared in the policy | catalogue | result |
| --- | --- | --- |
| `cash_loan@2`, the retail terms | `cash_loan@2`, the retail terms | accepted |
| `cash_loan@1`, 1 % fee, no grace, no late fee, 3/6/12/24/36 months from ¥1,000 | `cash_loan@1`, 0.5 %, 3 days, ¥20, 3-72 months from ¥250 | refused, each term named with its line |
| `cash_loan@9` | no such product | refused, the catalogue's cash loans listed |
"""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal

import pytest

from fengkong.core.errors import Invalid
from fengkong.decision.bundle import read_shipped_bundle
from fengkong.decision.compiler import compile_policy
from fengkong.decision.document import PolicyError
from fengkong.decision.product_agreement import check_policy_product
from fengkong.lending.catalogue import (
    CASH_LOAN,
    CREDIT_LINE,
    DEFAULT_PRODUCTS,
    RETAIL_CASH_LOAN,
    catalogue_errors,
)
from fengkong.lending.config import LendingConfig

RETAIL = read_shipped_bundle("retail-v3.yaml").document
PRODUCT_VERSION = "  version: 2\n  kind"


def as_version(text: str, version: int) -> str:
    """The retail policy with its product declared under another version, terms unchanged."""
    assert PRODUCT_VERSION in text
    return text.replace(PRODUCT_VERSION, f"  version: {version}\n  kind", 1)


def refused(text: str) -> PolicyError:
    with pytest.raises(PolicyError) as caught:
        check_policy_product(compile_policy(text), text, DEFAULT_PRODUCTS, "candidate.yaml")
    return caught.value


@pytest.mark.parametrize("name", ["retail-v3.yaml", "demo-german.yaml"])
def test_each_shipped_policy_offers_the_catalogues_product(name: str) -> None:
    bundle = read_shipped_bundle(name)
    check_policy_product(bundle.compile(), bundle.document, DEFAULT_PRODUCTS, name)


def test_the_old_retail_product_under_the_configured_identity_is_refused_term_by_term() -> None:
    """retail-v2's product: the retail terms under `cash_loan@1`, the configured cash loan's."""
    error = refused(as_version(RETAIL, 1))
    by_term = {e.loc: e.msg for e in error.errors}
    assert set(by_term) == {
        ("product",),
        ("product", "terms"),
        ("product", "min_amount"),
        ("product", "grace_days"),
        ("product", "origination_fee", "rate"),
        ("product", "late_fee", "fixed"),
    }
    assert (
        "cash_loan@1 origination_fee.rate is 0.01 here, 0.005 in the catalogue"
        in (by_term[("product", "origination_fee", "rate")])
    )
    assert "grace_days is 0 here, 3 in the catalogue" in by_term[("product", "grace_days")]
    assert "2000 fen in the catalogue" in by_term[("product", "late_fee", "fixed")]
    assert "[3, 6, 12, 24, 36] here, [3-72] in the catalogue" in by_term[("product", "terms")]
    fee_line = RETAIL[: RETAIL.index("origination_fee:")].count("\n") + 1
    assert by_term[("product", "origination_fee", "rate")].startswith(f"line {fee_line}: ")
    assert error.detail.startswith("candidate.yaml: line ")
    assert "one code@version means one set of terms" in error.detail


def test_one_changed_term_is_refused_alone() -> None:
    text = RETAIL.replace("  kind: instalment_loan\n", "  kind: instalment_loan\n  grace_days: 5\n")
    lead, grace = refused(text).errors
    assert lead.loc == ("product",) and "differs from the catalogue's cash_loan@2" in lead.msg
    assert grace.loc == ("product", "grace_days") and "is 5 here, 0 in the catalogue" in grace.msg


def test_a_product_the_catalogue_lacks_is_refused() -> None:
    (error,) = refused(as_version(RETAIL, 9)).errors
    assert error.loc == ("product", "version")
    assert "cash_loan@9 is not in the product catalogue" in error.msg
    assert "cash_loan@1, cash_loan@2, cash_loan@3" in error.msg


def test_the_display_name_is_not_a_term() -> None:
    text = RETAIL.replace("  kind: instalment_loan\n", "  kind: instalment_loan\n  name: Other\n")
    policy = compile_policy(text)
    assert policy.product.name == "Other" != RETAIL_CASH_LOAN.name
    check_policy_product(policy, text, DEFAULT_PRODUCTS)


def test_a_catalogue_with_one_identity_twice_is_refused() -> None:
    other = replace(
        CASH_LOAN, origination_fee=replace(CASH_LOAN.origination_fee, rate=Decimal("0.01"))
    )
    (error,) = catalogue_errors((CASH_LOAN, CREDIT_LINE, other))
    assert error.loc == ("products", 2)
    assert "cash_loan@1 is defined more than once" in error.msg
    assert "origination_fee.rate 0.01 (#2) vs 0.005 (#0)" in error.msg
    with pytest.raises(Invalid) as caught:
        LendingConfig(products=(CASH_LOAN, CREDIT_LINE, other))
    assert caught.value.errors == (error,)
    (twice,) = catalogue_errors((CASH_LOAN, CASH_LOAN))
    assert "listed twice" in twice.msg
    assert catalogue_errors(DEFAULT_PRODUCTS) == ()
