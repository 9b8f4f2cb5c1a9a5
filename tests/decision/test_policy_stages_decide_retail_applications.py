from decimal import Decimal

import pytest

from decision.policy_helpers import AS_OF, good_facts
from fengkong.decision.compiler import load_shipped_policy
from fengkong.decision.evaluate import evaluate
from fengkong.decision.policy import PolicyOutcome

POLICY = load_shipped_policy()
A, D, R, V = PolicyOutcome.APPROVE, PolicyOutcome.DECLINE, PolicyOutcome.REFER, PolicyOutcome.VERIFY


@pytest.mark.parametrize(
    ("changes", "outcome", "limit", "codes"),
    [
        ({}, A, 2_000_000, []),
        ({"age": 17}, D, None, ["KO_AGE"]),
        ({"age": 61, "id__valid": False}, D, None, ["KO_AGE", "KO_ID_INVALID"]),
        ({"consent__credit_bureau": None}, D, None, ["KO_CONSENT_MISSING"]),
        ({"amount": 99_999}, D, None, ["KO_AMOUNT_OUTSIDE_PRODUCT"]),
        ({"term_months": 18}, D, None, ["KO_TERM_OUTSIDE_PRODUCT"]),
        ({"lists__black_hit": True}, D, None, ["FR_BLACKLIST"]),
        ({"links__component_size": 25}, D, None, ["FR_RING_LARGE"]),
        ({"links__component_size": 9}, R, 2_000_000, ["FR_RING_MEDIUM"]),
        ({"velocity__device__1h__count": 12}, R, 2_000_000, ["FR_DEVICE_VELOCITY_1H"]),
        ({"velocity__id__24h__count": 5}, V, None, ["FR_ID_VELOCITY_24H"]),
        (
            {"lists__grey_hit": True, "links__shared_phone_count": 3},
            V,
            None,
            ["FR_GREY_LIST", "FR_GREY_SHARED_PHONE"],
        ),
        ({"score": 518}, D, None, ["POL_SCORE_BELOW_CUTOFF"]),
        (
            {"score": 516, "customer__returning": True},
            R,
            1_000_000,
            ["POL_SCORE_IN_REVIEW_BAND", "POL_LIMIT_REDUCED"],
        ),
        ({"score": 523}, R, 1_000_000, ["POL_SCORE_IN_REVIEW_BAND", "POL_LIMIT_REDUCED"]),
        ({"score": 580}, A, 2_000_000, []),
        ({"score": 580, "amount": 4_000_000}, A, 1_500_000, ["POL_LIMIT_REDUCED"]),
        ({"existing_exposure": 7_000_000}, A, 1_000_000, ["POL_EXPOSURE_CAP"]),
        (
            {"existing_exposure": 7_950_000},
            D,
            None,
            ["POL_EXPOSURE_CAP", "POL_LIMIT_BELOW_PRODUCT_MIN"],
        ),
        ({"existing_monthly_debt": 800_000}, D, None, ["POL_DTI_TOO_HIGH"]),
        ({"existing_monthly_debt": 600_000}, A, 1_000_000, ["POL_LIMIT_REDUCED"]),
        (
            {"score": 540, "existing_monthly_debt": 600_000},
            D,
            None,
            ["POL_LIMIT_REDUCED", "POL_LIMIT_BELOW_PRODUCT_MIN"],
        ),
        ({"score": 1000}, R, None, ["POL_SCORE_OUT_OF_RANGE"]),
    ],
)
def test_stage_outcomes(
    changes: dict[str, object], outcome: PolicyOutcome, limit: int | None, codes: list[str]
) -> None:
    decision = evaluate(POLICY, good_facts(**changes), as_of=AS_OF)
    assert decision.outcome is outcome
    assert decision.limit == limit
    assert [r.code for r in decision.reasons] == codes
    assert all(r.text_en and r.text_zh for r in decision.reasons)
    assert decision.policy == "retail-v3"


@pytest.mark.parametrize("name", ["score", "age", "monthly_income", "links.component_size"])
def test_a_missing_fact_refers_naming_it_and_never_approves(name: str) -> None:
    facts = good_facts()
    del facts[name]
    decision = evaluate(POLICY, facts, as_of=AS_OF)
    assert decision.outcome is PolicyOutcome.REFER
    missing = [r for r in decision.reasons if r.code == "POL_MISSING_FACT"]
    assert len(missing) == 1 and name in missing[0].text_en and name in missing[0].text_zh


def test_a_missing_fact_does_not_hide_a_decline() -> None:
    decision = evaluate(POLICY, good_facts(age=None, id__valid=False), as_of=AS_OF)
    assert decision.outcome is PolicyOutcome.DECLINE
    assert [r.code for r in decision.reasons] == ["KO_ID_INVALID"]


def test_verify_resumes_when_the_check_result_is_recorded() -> None:
    facts = good_facts(velocity__id__24h__count=6)
    first = evaluate(POLICY, facts, as_of=AS_OF)
    assert (first.outcome, first.step_up) == (PolicyOutcome.VERIFY, "liveness")
    passed = evaluate(POLICY, {**facts, "step_up.liveness": True}, as_of=AS_OF)
    assert passed.outcome is PolicyOutcome.APPROVE
    assert ("step_up_passed", "liveness") in passed.trace[1].detail
    failed = evaluate(POLICY, {**facts, "step_up.liveness": False}, as_of=AS_OF)
    assert failed.outcome is PolicyOutcome.DECLINE
    assert [r.code for r in failed.reasons] == ["FR_ID_VELOCITY_24H", "FR_STEP_UP_FAILED"]


def test_an_approval_discloses_apr_costs_and_schedule() -> None:
    decision = evaluate(POLICY, good_facts(), as_of=AS_OF)
    offer = decision.offer
    assert offer is not None and decision.annual_rate == Decimal("0.108") and decision.term == 12
    assert len(offer.schedule) == 12
    assert sum(i.principal for i in offer.schedule) == offer.principal == 2_000_000
    assert offer.total_interest == sum(i.interest for i in offer.schedule)
    assert offer.total_fees == offer.origination_fee == 20_000
    assert offer.disbursed == 2_000_000  # the fee is spread over the instalments, never netted
    assert offer.annual_rate < offer.apr <= offer.cap
    assert "APR" in offer.disclosure_en() and "综合年化" in offer.disclosure_zh()


def test_the_trace_records_each_stage_in_order() -> None:
    decision = evaluate(POLICY, good_facts(), as_of=AS_OF)
    assert [t.stage for t in decision.trace] == [
        "knock_outs", "fraud", "score", "limit", "pricing", "caps",
    ]  # fmt: skip
    assert dict(decision.trace[2].saw)["score"] == 710
    assert dict(decision.trace[3].detail)["affordability"] == "comfortable"


def test_evaluation_is_deterministic_for_replay() -> None:
    facts = good_facts(score=650, amount=4_000_000)  # a reduced limit, every stage run
    assert evaluate(POLICY, facts, as_of=AS_OF) == evaluate(POLICY, dict(facts), as_of=AS_OF)
