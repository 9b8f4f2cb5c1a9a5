"""The origination fee agrees to the fen everywhere a loan shows it, for every product of the
catalogue under every way of collecting the fee: the decision's offer disclosure (and its APR),
the quote, the loan agreement, the schedule, the positions after the payout (on the booking day
or later), the settlement quote and the ledger.

There is no separate statement artefact: what the borrower is shown of a running loan is its
positions and the settlement quote, both compared here."""

from __future__ import annotations

from dataclasses import astuple, replace
from datetime import date, timedelta
from decimal import Decimal
from itertools import count

import pytest
from hypothesis import given
from hypothesis import strategies as st

from fengkong.core.money import Fen
from fengkong.decision.pricing import PriceCap, make_offer
from fengkong.ledger.accounts import AccountKey
from fengkong.ledger.journal import balances, check_ledger
from fengkong.lending.contract import render_contract
from fengkong.lending.disbursement import disburse_booked
from fengkong.lending.loan import book_loan
from fengkong.lending.posting import DeductedFeeRefused, entries_for, refuse_deducted_fee
from fengkong.lending.product import FeeCollection, OriginationFee, Product
from fengkong.lending.quote import quote
from fengkong.lending.waterfall import settlement_quote
from lending.fee_agreement import catalogue, contract_amount, contract_rows, shipped_bundles

START = date(2026, 1, 31)  # a month-end: due dates clamp, and a later payout moves them
CATALOGUE = catalogue()


@st.composite
def loans(draw: st.DrawFn) -> tuple[Product, Fen, int, Decimal, int]:
    """(product with a fee, amount, term, rate, payout delay in days) over the catalogue."""
    base = draw(st.sampled_from(CATALOGUE))
    fee = OriginationFee(
        rate=draw(st.decimals(min_value=0, max_value=Decimal("0.05"), places=4)),
        fixed=Fen(draw(st.integers(0, base.min_amount // 2))),
        collection=draw(st.sampled_from(FeeCollection)),
    )
    product = replace(base, origination_fee=fee)
    amount = Fen(draw(st.integers(product.min_amount, product.max_amount)))
    term = draw(st.sampled_from(product.terms))
    rate = draw(
        st.decimals(product.min_annual_rate, product.max_annual_rate, places=4).map(Decimal)
    )
    return product, amount, term, rate, draw(st.integers(0, 45))


def test_one_code_and_version_is_one_product() -> None:
    """Every product a loan can be booked under, the configured ones and each shipped policy's,
    has one set of terms per code@version: the shipped policies once declared a `cash_loan@1`
    charging 1 % beside the configured `cash_loan@1` charging 0.5 % (docs/adr/0006)."""
    offered = [*CATALOGUE, *(b.compile().product for b in shipped_bundles())]
    terms: dict[tuple[str, int], set[tuple[object, ...]]] = {}
    for product in offered:
        # every term but the display name, which is a label
        terms.setdefault((product.code, product.version), set()).add(
            astuple(replace(product, name=""))
        )
    assert all(len(found) == 1 for found in terms.values()), {k: len(v) for k, v in terms.items()}


@given(loans())
def test_fee_agrees_from_offer_to_ledger(loan: tuple[Product, Fen, int, Decimal, int]) -> None:
    product, amount, term, rate, delay = loan
    offered = quote(product, amount, term, rate, START)
    disclosed = make_offer(product, amount, term, rate, START, PriceCap.default())
    spread = Fen(sum(i.fee for i in offered.schedule))
    fee = offered.origination_fee

    # The decision's disclosure and the lending quote: one schedule, one fee, one cost.
    assert disclosed.schedule == offered.schedule
    assert disclosed.origination_fee == disclosed.total_fees == fee
    assert disclosed.total_cost == offered.total_cost
    assert abs(disclosed.apr - offered.apr) < Decimal("0.000001")
    if product.origination_fee.collection is FeeCollection.SPREAD:
        assert spread == fee
    else:
        assert spread == 0

    # The agreement, read back from its text.
    contract = render_contract("L1", offered, START, borrower_ref="app1")
    rows = contract_rows(contract.text)
    assert [(r[0], r[4]) for r in rows] == [(i.number, i.fee) for i in offered.schedule]
    assert [r[5] for r in rows] == [i.total for i in offered.schedule]
    assert contract_amount(contract.text, "服务费") == fee
    assert contract_amount(contract.text, "借款总成本") == offered.total_cost

    if product.origination_fee.collection is FeeCollection.DEDUCTED and (
        product.origination_fee.rate or product.origination_fee.fixed
    ):
        with pytest.raises(DeductedFeeRefused):
            refuse_deducted_fee(product)  # 砍头息 is offered for comparison, never booked
        return

    booked = book_loan("L1", product, offered, START)
    paid_on = START + timedelta(days=delay)
    paid = disburse_booked(booked.state, paid_on, amount)
    positions = paid.state.positions
    # The positions charge the agreement's fee parts, whatever day the money left.
    assert [p.charged.fee for p in positions] == [r[4] for r in rows]
    assert [p.outstanding.fee for p in positions] == [r[4] for r in rows]
    assert [p.instalment.principal for p in positions] == [r[2] for r in rows]
    if delay == 0:
        assert tuple(p.instalment for p in positions) == offered.schedule
    assert paid.state.terms == replace(booked.state.terms, disbursed_on=paid_on)

    assert settlement_quote(paid.state, paid_on).fee == spread

    numbers = count()
    entries = entries_for("L1", paid.events, key="d", new_entry_id=lambda: f"je{next(numbers)}")
    assert check_ledger(entries) == ()
    held = balances(entries)
    assert held.get(AccountKey("122101", "L1"), 0) == spread  # fee receivable
    assert held.get(AccountKey("6021", None), 0) == fee  # fee income: spread or financed
    assert held.get(AccountKey("1303", "L1"), 0) == offered.principal
    assert -held.get(AccountKey("1002", None), 0) == offered.disbursed == amount
