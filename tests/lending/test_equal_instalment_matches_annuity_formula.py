"""等额本息 against the closed-form annuity, computed independently with exact fractions.

Exact schedule: A = P·r / (1 − (1+r)^−n) and B_k = P(1+r)^k − A((1+r)^k − 1)/r. Rounding the
payment and each month's interest to the fen moves the balance by at most
E_k = 1 + (1+r) + … + (1+r)^(k−1) fen, so every figure must sit within that band of the exact one.
"""

import math
from datetime import date
from decimal import Decimal
from fractions import Fraction

from hypothesis import given, settings
from hypothesis import strategies as st

from fengkong.core.money import Fen
from fengkong.lending.schedule import equal_instalment

principals = st.integers(min_value=1, max_value=1_000_000_000)  # 1 fen .. 10 million yuan
rates = st.decimals(min_value=0, max_value=Decimal("0.36"), places=6)
terms_ = st.integers(min_value=1, max_value=60)


def half_up(value: Fraction) -> int:
    return math.floor(value + Fraction(1, 2))


def exact_payment(principal: int, r: Fraction, n: int) -> Fraction:
    if r == 0:
        return Fraction(principal, n)
    return principal * r / (1 - (1 + r) ** -n)


def exact_balance(principal: int, r: Fraction, payment: Fraction, k: int) -> Fraction:
    if r == 0:
        return principal - k * payment
    return principal * (1 + r) ** k - payment * ((1 + r) ** k - 1) / r


def drift_bound(r: Fraction, k: int) -> Fraction:
    return sum(((1 + r) ** j for j in range(k)), Fraction(0))


@settings(max_examples=300)
@given(principal=principals, rate=rates, terms=terms_)
def test_follows_the_exact_annuity(principal: int, rate: Decimal, terms: int) -> None:
    schedule = equal_instalment(Fen(principal), rate, terms, date(2025, 1, 31))
    r = Fraction(rate) / 12
    payment = exact_payment(principal, r, terms)
    level = half_up(payment)
    exhausted = False
    for k, instalment in enumerate(schedule, start=1):
        exact_closing = exact_balance(principal, r, payment, k)
        last = k == terms
        if not last and not exhausted:
            # Either the level payment, or a tiny loan paid off early by it.
            assert instalment.total == level or instalment.closing_principal == 0
        if not exhausted:
            assert abs(instalment.closing_principal - exact_closing) <= drift_bound(r, k)
            assert instalment.interest == half_up(instalment.opening_principal * r)
        if last and not exhausted:
            assert abs(instalment.total - level) <= drift_bound(r, terms - 1) * (1 + r) + 1
        exhausted = exhausted or instalment.closing_principal == 0


@settings(max_examples=100)
@given(
    principal=st.integers(min_value=100_000, max_value=1_000_000_000),
    rate=st.decimals(min_value=0, max_value=Decimal("0.24"), places=4),
    terms=st.integers(min_value=1, max_value=24),
)
def test_last_instalment_is_within_a_few_fen_on_ordinary_loans(
    principal: int, rate: Decimal, terms: int
) -> None:
    schedule = equal_instalment(Fen(principal), rate, terms, date(2025, 3, 10))
    # (1.02)^24 bounds the growth: at most ~31 fen in theory, a handful in practice.
    assert abs(schedule[-1].total - schedule[0].total) <= 31
    assert all(i.total == schedule[0].total for i in schedule[:-1])
