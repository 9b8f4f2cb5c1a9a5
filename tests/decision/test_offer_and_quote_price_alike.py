"""The decision's offer and the lending quote price a loan with one definition (`lending.quote`):
for any product of a shipped policy, with its origination fee collected any way, any amount, term,
rate and payout day, the offer shows the quote's schedule, fee, cost and APR to the last digit,
and the decision's cap check says what the quote's APR says."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta
from decimal import Decimal
from importlib import resources

from hypothesis import given
from hypothesis import strategies as st

from fengkong.core.money import Fen
from fengkong.decision.compiler import load_shipped_policy
from fengkong.decision.pricing import PriceCap, all_in_apr, make_offer, within_cap
from fengkong.lending.product import FeeCollection, OriginationFee, Product
from fengkong.lending.quote import quote

_FOLDER = resources.files("fengkong.decision").joinpath("policies")
PRODUCTS = tuple(
    load_shipped_policy(name).product
    for name in sorted(p.name for p in _FOLDER.iterdir() if p.name.endswith(".yaml"))
)
ONE_APR_DIGIT = Decimal("1e-12")  # the grid both report the APR on


@st.composite
def loans(draw: st.DrawFn) -> tuple[Product, Fen, int, Decimal, date]:
    """(product with a fee, amount, term, rate, payout day) over the shipped policies' products."""
    base = draw(st.sampled_from(PRODUCTS))
    fee = OriginationFee(
        rate=draw(st.decimals(min_value=0, max_value=Decimal("0.05"), places=4)),
        fixed=Fen(draw(st.integers(0, base.min_amount // 2))),
        collection=draw(st.sampled_from(FeeCollection)),
    )
    product = replace(base, origination_fee=fee)
    amount = Fen(draw(st.integers(product.min_amount, product.max_amount)))
    term = draw(st.sampled_from(product.terms))
    rate = draw(st.decimals(product.min_annual_rate, product.max_annual_rate, places=4))
    start = date(2025, 1, 1) + timedelta(days=draw(st.integers(0, 730)))  # month-ends included
    return product, amount, term, rate, start


@given(loans())
def test_the_offer_shows_the_quotes_price(loan: tuple[Product, Fen, int, Decimal, date]) -> None:
    product, amount, term, rate, start = loan
    quoted = quote(product, amount, term, rate, start)
    offered = make_offer(product, amount, term, rate, start, PriceCap.default())

    assert offered.schedule == quoted.schedule
    assert offered.principal == quoted.principal
    assert offered.disbursed == quoted.disbursed
    assert offered.origination_fee == quoted.origination_fee
    assert offered.total_cost == quoted.total_cost
    if quoted.apr <= PriceCap.default().annual:  # above the cap, the offer is refused anyway
        assert offered.apr == quoted.apr
    assert all_in_apr(product, amount, term, rate, start) == quoted.apr


@given(loans(), st.decimals(min_value=Decimal("0.01"), max_value=Decimal("0.40"), places=4))
def test_the_cap_check_agrees_with_the_quotes_apr(
    loan: tuple[Product, Fen, int, Decimal, date], cap: Decimal
) -> None:
    product, amount, term, rate, start = loan
    quoted = quote(product, amount, term, rate, start)
    lawful = within_cap(product, amount, term, rate, start, cap)
    if abs(quoted.apr - cap) > ONE_APR_DIGIT:  # the exact test may differ only inside rounding
        assert lawful == (quoted.apr <= cap)
