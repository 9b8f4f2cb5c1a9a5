"""Approve if secured (需提供担保后批准): the shipped retail-v4 offers a loan conditional on a
guarantor or collateral exactly in its secured score band, and on collateral for a limit above
its unsecured maximum; the condition is recorded on the offer, and replay reproduces it.

    retail-v4, new applicants:  [300, 505) decline · [505, 519) approve_secured · [519, 527)
    refer · [527, 1000) approve;  unsecured maximum ¥30,000 (collateral at LTV ≤ 0.6)
"""

from __future__ import annotations

from decimal import Decimal
from importlib import resources

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from decision.policy_helpers import AS_OF, good_facts
from fengkong.core.errors import Invalid
from fengkong.decision.compiler import compile_policy, load_shipped_policy
from fengkong.decision.evaluate import evaluate
from fengkong.decision.policy import PolicyOutcome

V4 = load_shipped_policy("retail-v4.yaml")
V4_TEXT = (
    resources.files("fengkong.decision").joinpath("policies/retail-v4.yaml").read_text("utf-8")
)


def _band(segment: str) -> tuple[int, int]:
    bands = next(s for s in V4.segments if s.name == segment).bands
    found = [b for b in bands if b.outcome is PolicyOutcome.APPROVE_IF_SECURED]
    assert len(found) == 1
    return int(found[0].low), int(found[0].high)


@settings(max_examples=150, deadline=None)
@given(score=st.integers(300, 999), returning=st.booleans())
def test_the_outcome_is_approve_if_secured_exactly_in_the_band(score: int, returning: bool) -> None:
    facts = good_facts(score=score, amount=500_000, customer__returning=returning)
    verdict = evaluate(V4, facts, as_of=AS_OF)
    low, high = _band("returning" if returning else "new")
    secured = verdict.outcome is PolicyOutcome.APPROVE_IF_SECURED
    assert secured == (low <= score < high)
    if secured:
        assert verdict.offer is not None and verdict.security is not None
        assert verdict.security.amount == verdict.offer.amount
        assert verdict.security.why == "score_band"
        assert "SEC_GUARANTOR_OR_COLLATERAL" in [r.code for r in verdict.reasons]
    else:
        assert verdict.security is None


@settings(max_examples=60, deadline=None)
@given(amount=st.integers(1_000_00, 5_000_000))
def test_a_limit_above_the_unsecured_maximum_needs_collateral(amount: int) -> None:
    facts = good_facts(score=710, amount=amount, monthly_income=10_000_000)
    verdict = evaluate(V4, facts, as_of=AS_OF)
    assert V4.unsecured_max is not None
    assert verdict.limit is not None
    above = verdict.limit > V4.unsecured_max.amount
    assert (verdict.outcome is PolicyOutcome.APPROVE_IF_SECURED) == above
    if above:
        assert verdict.security is not None
        condition = verdict.security.as_dict()
        assert condition["accepts"] == ["collateral"] and condition["why"] == "unsecured_max"
        # the least lending value keeps LTV = amount / value at or under 0.6
        least = verdict.security.min_lending_value
        assert least is not None
        assert Decimal(verdict.limit) / least <= Decimal("0.6")
        assert Decimal(verdict.limit) / (least - 1) > Decimal("0.6")


def test_a_refer_outranks_the_secured_band() -> None:
    facts = good_facts(score=510, links__shared_device_count=5)
    verdict = evaluate(V4, facts, as_of=AS_OF)
    assert verdict.outcome is PolicyOutcome.REFER and verdict.security is None


def test_the_condition_reads_in_both_languages() -> None:
    verdict = evaluate(V4, good_facts(score=510, amount=500_000), as_of=AS_OF)
    assert verdict.security is not None
    condition = verdict.security.as_dict()
    assert condition["text_zh"] == "需提供保证人或抵质押物后批准"
    assert condition["text_en"] == "Approved on condition of a guarantor or collateral"
    assert condition["guarantor"] == {
        "kinds": ["individual", "company"],
        "min_monthly_income_fen": 600_000,
        "max_exposure_fen": 20_000_000,
    }
    assert [t.did for t in verdict.trace if t.stage in ("score", "security")] == [
        "secure",
        "secure",
    ]


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        ("requires: guarantor_or_collateral}", "requires: nobody}"),
        ("accepts: [guarantor, collateral]", "accepts: [guarantor, horse]"),
        ('collateral: {max_ltv: "0.6"}', "collateral: {}"),
        ("within_days: 14\n      en: Approved on", "within_days: 0\n      en: Approved on"),
        (
            'unsecured_max: {amount: "30000.00", requires: collateral}',
            'unsecured_max: {amount: "30000.00", requires: car}',
        ),
    ],
)
def test_a_bad_security_section_is_refused_with_its_line(edit: str, message: str) -> None:
    assert edit in V4_TEXT
    with pytest.raises(Invalid) as refused:
        compile_policy(V4_TEXT.replace(edit, message, 1), source="retail-v4.yaml")
    assert all(e.msg.startswith("line ") for e in refused.value.errors)


def test_a_policy_for_a_credit_line_makes_no_offer_conditional_on_security() -> None:
    """Only an instalment loan takes security: the secured bands and the unsecured maximum of a
    policy whose product is a revolving line are refused where they stand."""
    edit = "kind: instalment_loan"
    assert edit in V4_TEXT
    with pytest.raises(Invalid) as refused:
        compile_policy(V4_TEXT.replace(edit, "kind: revolving_line", 1), source="retail-v4.yaml")
    refusals = [e.msg for e in refused.value.errors if "credit line cannot be offered" in e.msg]
    assert len(refusals) == 3  # two secured bands and the unsecured maximum
    assert all("循环额度" in m for m in refusals)
