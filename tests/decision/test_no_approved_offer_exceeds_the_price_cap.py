"""Property: whatever the facts and the cap, an approved offer's all-in APR is within the cap."""

from datetime import date
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from decision.policy_helpers import AS_OF, RETAIL_TEXT, good_facts
from fengkong.core.money import Fen
from fengkong.decision.compiler import compile_policy
from fengkong.decision.evaluate import evaluate
from fengkong.decision.policy import PolicyOutcome
from fengkong.decision.pricing import PriceCap, highest_rate_within_cap, make_offer, within_cap
from fengkong.lending.quote import quote

LPR_CAP = PriceCap.four_times_lpr(Decimal("0.035"), date(2025, 5, 20))  # 14 %: below the C price
TIGHT = compile_policy(RETAIL_TEXT, cap=LPR_CAP, check_prices=False)


@settings(max_examples=40, deadline=None)
@given(
    score=st.integers(600, 999),
    amount=st.integers(100_000, 5_000_000),
    term=st.sampled_from([3, 6, 12, 24, 36]),
    income=st.integers(500_000, 5_000_000),
    day=st.integers(1, 28),
)
def test_no_approved_offer_has_an_apr_above_the_cap(
    score: int, amount: int, term: int, income: int, day: int
) -> None:
    facts = good_facts(score=score, amount=amount, term_months=term, monthly_income=income)
    decision = evaluate(TIGHT, facts, as_of=date(2025, 1, day))
    if decision.outcome is PolicyOutcome.APPROVE:
        offer = decision.offer
        assert offer is not None
        assert offer.apr <= LPR_CAP.annual
        assert within_cap(
            TIGHT.product, offer.amount, term, offer.annual_rate, date(2025, 1, day), LPR_CAP.annual
        )


def test_a_price_above_the_cap_is_lowered_to_the_highest_rate_that_fits() -> None:
    decision = evaluate(TIGHT, good_facts(score=630, amount=500_000, term_months=3), as_of=AS_OF)
    assert decision.outcome is PolicyOutcome.APPROVE
    assert [r.code for r in decision.reasons] == ["POL_RATE_LOWERED_TO_CAP"]
    assert decision.trace[-1].did == "adjust"
    rate = decision.annual_rate
    assert rate is not None and rate < Decimal("0.17")
    product = TIGHT.product
    assert within_cap(product, Fen(500_000), 3, rate, AS_OF, LPR_CAP.annual)
    assert not within_cap(
        product, Fen(500_000), 3, rate + Decimal("0.000001"), AS_OF, LPR_CAP.annual
    )


def test_when_no_rate_fits_the_offer_is_declined() -> None:
    cap = PriceCap(Decimal("0.05"), "test cap 5 %")  # under the product's 6 % floor rate
    policy = compile_policy(RETAIL_TEXT, cap=cap, check_prices=False)
    decision = evaluate(policy, good_facts(), as_of=AS_OF)
    assert decision.outcome is PolicyOutcome.DECLINE
    assert [r.code for r in decision.reasons] == ["POL_PRICE_ABOVE_CAP"]
    assert dict(decision.trace[-1].detail)["lower_rate"] == "no rate fits"


def test_highest_rate_is_none_when_even_the_floor_breaks_the_cap() -> None:
    product = TIGHT.product
    assert (
        highest_rate_within_cap(product, Fen(500_000), 3, AS_OF, Decimal("0.05"), Decimal("0.2"))
        is None
    )


def test_offer_matches_lending_quote() -> None:
    product = TIGHT.product
    for term in product.terms:
        mine = make_offer(product, Fen(1_234_500), term, Decimal("0.15"), AS_OF, PriceCap.default())
        theirs = quote(product, Fen(1_234_500), term, Decimal("0.15"), AS_OF)
        assert mine.schedule == theirs.schedule
        assert mine.total_cost == theirs.total_cost
        assert mine.disbursed == theirs.disbursed
        assert abs(mine.apr - theirs.apr) <= Decimal("1e-10")
