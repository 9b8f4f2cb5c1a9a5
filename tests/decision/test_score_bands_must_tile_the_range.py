"""Property: bands that load partition the score range; a gap or an overlap never loads."""

from datetime import date

from hypothesis import given, settings
from hypothesis import strategies as st

from fengkong.decision.compiler import compile_policy
from fengkong.decision.document import PolicyError
from fengkong.decision.evaluate import evaluate
from fengkong.decision.policy import PolicyOutcome

PRODUCT = """
id: t
version: 1
author: a
description: d
product: {code: p, version: 1, kind: instalment_loan, repayment_method: equal_instalment,
          terms: [12], min_amount: 100000, max_amount: 1000000, min_annual_rate: "0.05",
          max_annual_rate: "0.2"}
score_range: {from: 300, to: 900}
score_bands: [{name: X, from: 300, to: 900}]
limits:
  affordability: [{name: ok, from: "0", to: "0.9"}]
  matrix: {X: {ok: "10000.00"}}
pricing: {X: "0.1"}
"""


def _policy(cuts: list[int], outcomes: list[str]) -> str:
    edges = [300, *cuts, 900]
    bands = ", ".join(
        f"{{from: {lo}, to: {hi}, outcome: {o}}}"
        for lo, hi, o in zip(edges, edges[1:], outcomes, strict=False)
    )
    return PRODUCT + f"segments: [{{name: all, bands: [{bands}]}}]\n"


cuts_strategy = st.lists(st.integers(301, 899), max_size=5, unique=True).map(sorted)
outcome_strategy = st.lists(
    st.sampled_from(["approve", "refer", "decline"]), min_size=6, max_size=6
)


@settings(max_examples=30, deadline=None)
@given(
    cuts=cuts_strategy,
    outcomes=outcome_strategy,
    scores=st.lists(st.integers(300, 899), max_size=10),
)
def test_every_score_in_range_lands_in_exactly_one_band(
    cuts: list[int], outcomes: list[str], scores: list[int]
) -> None:
    policy = compile_policy(_policy(cuts, outcomes))
    edges = [300, *cuts, 900]
    for score in scores:
        decision = evaluate(
            policy,
            {
                "score": score,
                "amount": 200_000,
                "term_months": 12,
                "monthly_income": 1_000_000,
                "existing_monthly_debt": 0,
                "existing_exposure": 0,
            },
            as_of=date(2025, 1, 15),
            offer=False,
        )
        index = sum(1 for edge in edges[1:-1] if score >= edge)
        assert decision.outcome is PolicyOutcome(outcomes[index])


@settings(max_examples=30, deadline=None)
@given(cuts=cuts_strategy.filter(lambda c: len(c) >= 1), shift=st.integers(-20, 20).filter(bool))
def test_a_gap_or_overlap_is_refused(cuts: list[int], shift: int) -> None:
    text = _policy(cuts, ["approve"] * 6)
    first_cut = cuts[0]
    broken = text.replace(f"{{from: {first_cut},", f"{{from: {first_cut + shift},", 1)
    try:
        compile_policy(broken)
    except PolicyError as exc:
        assert any(
            ("gap" in e.msg or "overlap" in e.msg or "below 'to'" in e.msg) for e in exc.errors
        )
    else:
        raise AssertionError("a band edge moved off its neighbour, yet the policy loaded")
