"""A quote applies the fee as the product collects it; cost and APR always include it."""

from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from fengkong.core.errors import Invalid
from fengkong.core.money import Fen
from fengkong.lending.product import (
    FeeCollection,
    OriginationFee,
    Product,
    ProductKind,
    RepaymentMethod,
)
from fengkong.lending.quote import quote

START = date(2025, 1, 15)


def product(collection: FeeCollection, rate: str = "0.02") -> Product:
    return Product(
        code="cash",
        version=1,
        kind=ProductKind.INSTALMENT_LOAN,
        repayment_method=RepaymentMethod.EQUAL_INSTALMENT,
        terms=(3, 6, 12, 24),
        min_amount=Fen(100_000),
        max_amount=Fen(100_000_000),
        min_annual_rate=Decimal(0),
        max_annual_rate=Decimal("0.24"),
        origination_fee=OriginationFee(rate=Decimal(rate), collection=collection),
    )


def test_deducted_fee() -> None:
    q = quote(product(FeeCollection.DEDUCTED), Fen(1_000_000), 12, Decimal("0.12"), START)
    assert (q.principal, q.disbursed, q.origination_fee) == (1_000_000, 980_000, 20_000)
    assert q.schedule[0].total == 88_849
    assert q.total_cost == 66_186 + 20_000
    assert Decimal("0.158") < q.apr < Decimal("0.159")
    assert q.effective_apr > q.apr


def test_financed_fee() -> None:
    q = quote(product(FeeCollection.FINANCED), Fen(1_000_000), 12, Decimal("0.12"), START)
    assert (q.principal, q.disbursed) == (1_020_000, 1_000_000)
    assert sum(i.principal for i in q.schedule) == 1_020_000


def test_spread_fee() -> None:
    q = quote(product(FeeCollection.SPREAD), Fen(1_000_000), 12, Decimal("0.12"), START)
    assert (q.principal, q.disbursed) == (1_000_000, 1_000_000)
    assert sum(i.fee for i in q.schedule) == 20_000


def test_no_fee_costs_the_contract_rate() -> None:
    q = quote(product(FeeCollection.DEDUCTED, "0"), Fen(1_000_000), 12, Decimal("0.12"), START)
    assert abs(q.apr - Decimal("0.12")) < Decimal("0.00001")


def test_request_outside_the_product_is_invalid() -> None:
    with pytest.raises(Invalid) as caught:
        quote(product(FeeCollection.DEDUCTED), Fen(1_000_000), 9, Decimal("0.30"), START)
    assert {e.loc for e in caught.value.errors} == {("terms",), ("annual_rate",)}


@settings(max_examples=40, deadline=None)
@given(
    collection=st.sampled_from(FeeCollection),
    fee_rate=st.decimals(min_value=0, max_value=Decimal("0.05"), places=3),
    amount=st.integers(min_value=100_000, max_value=100_000_000),
    terms=st.sampled_from((3, 6, 12, 24)),
    rate=st.decimals(min_value=0, max_value=Decimal("0.24"), places=4),
)
def test_total_cost_is_repaid_minus_received(
    collection: FeeCollection, fee_rate: Decimal, amount: int, terms: int, rate: Decimal
) -> None:
    q = quote(product(collection, str(fee_rate)), Fen(amount), terms, rate, START)
    assert q.total_cost == sum(i.total for i in q.schedule) - q.disbursed
    if q.origination_fee > 0:
        assert q.apr > rate - Decimal("0.0001")
