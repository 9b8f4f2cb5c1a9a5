"""Builders shared by the servicing tests: a product, a booked loan, a short way to repay."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from hypothesis import strategies as st

from fengkong.core.money import Fen
from fengkong.lending.loan import LoanState, book_loan
from fengkong.lending.product import LateFee, Product, ProductKind, RepaymentMethod
from fengkong.lending.quote import quote
from fengkong.lending.schedule import InterestBasis

START = date(2025, 1, 15)


def product(
    *,
    method: RepaymentMethod = RepaymentMethod.EQUAL_INSTALMENT,
    grace_days: int = 0,
    late_fee: int = 0,
    kind: ProductKind = ProductKind.INSTALMENT_LOAN,
    basis: InterestBasis = InterestBasis.MONTHLY,
) -> Product:
    return Product(
        code="cash",
        version=1,
        kind=kind,
        repayment_method=method,
        terms=(1, 3, 6, 12),
        min_amount=Fen(100),
        max_amount=Fen(100_000_000),
        min_annual_rate=Decimal(0),
        max_annual_rate=Decimal("0.24"),
        interest_basis=basis,
        grace_days=grace_days,
        late_fee=LateFee(fixed=Fen(late_fee)),
    )


def loan(
    principal: int = 1_000_000,
    terms: int = 12,
    rate: str = "0.12",
    *,
    start: date = START,
    loan_id: str = "L1",
    **product_options: object,
) -> LoanState:
    """A loan booked on `start` (10,000 yuan, 12 months, 12 % by default: 888.49 a month)."""
    chosen = product(**product_options)  # type: ignore[arg-type]
    offer = quote(chosen, Fen(principal), terms, Decimal(rate), start)
    return book_loan(loan_id, chosen, offer, start).state


def loans() -> st.SearchStrategy[LoanState]:
    """Loans over every method, with random amounts, rates, terms, grace days and late fees."""
    return st.builds(
        loan,
        principal=st.integers(min_value=100, max_value=50_000_000),
        terms=st.sampled_from((1, 3, 6, 12)),
        rate=st.decimals(min_value=0, max_value=Decimal("0.24"), places=4).map(str),
        method=st.sampled_from(RepaymentMethod),
        grace_days=st.integers(min_value=0, max_value=5),
        late_fee=st.integers(min_value=0, max_value=5_000),
        basis=st.sampled_from(InterestBasis),
    )


def no_negative_amounts(state: LoanState) -> bool:
    """Nothing is ever paid beyond what was charged, nor charged beyond the schedule."""
    for position in state.positions:
        left = position.outstanding
        if min(left.principal, left.interest, left.fee, left.penalty) < 0:
            return False
        if position.interest_to_accrue < 0:
            return False
    return state.unapplied_credit >= 0
