"""The shipped small-business policy (business-v1) compiles against the feature catalogue, offers
the catalogue's business loan, knocks out what it must (a business not active, under a year old,
tax grade D, an owner 90+ days past due, no consent), limits by cash-flow cover, and on simulated
businesses approves the safer and declines the riskier."""

from __future__ import annotations

from datetime import date
from statistics import mean

import pytest

from fengkong.decision.bundle import read_shipped_bundle
from fengkong.decision.catalogue import DEFAULT_CATALOGUE, resolve
from fengkong.decision.compiler import load_shipped_policy
from fengkong.decision.evaluate import evaluate
from fengkong.decision.policy import PolicyOutcome
from fengkong.decision.product_agreement import check_policy_product
from fengkong.decision.source_facts import SourceStatus, status_fact
from fengkong.lending.catalogue import DEFAULT_PRODUCTS
from fengkong.sim.business import small_businesses
from fengkong.sim.business_documents import business_documents, business_features, read_documents
from fengkong.sim.business_facts import oracle_score, policy_facts
from fengkong.sim.setup import shipped_business_policy_files, shipped_policy_files

NAME = "business-v1.yaml"
POLICY = load_shipped_policy(NAME)
AS_OF = date(2026, 3, 31)
A, D, R = PolicyOutcome.APPROVE, PolicyOutcome.DECLINE, PolicyOutcome.REFER


def business_facts(**changes: object) -> dict[str, object]:
    """A sound business: five years old, active, grade B, taxes on time, an owner with a clean
    record, ¥50,000 of operating cash a month, asking ¥200,000 over a year."""
    facts: dict[str, object] = {
        "business.active": True,
        "business.years_in_operation": 5.0,
        "business.tax_credit_grade": "B",
        "business.tax_on_time_share": 1.0,
        "bureau.worst_dpd_24m": 0.0,
        "bureau.public_records": 0.0,
        "statement.gambling_share": 0.0,
        # every source the policy asks for gave its document
        **{status_fact(ask.kind): SourceStatus.OK.value for ask in POLICY.sources},
        "consent.credit_bureau": True,
        "consent.data_sources": True,
        "lists.black_hit": False,
        "customer.returning": False,
        "score": 620,
        "amount": 20_000_000,
        "term_months": 12,
        "monthly_income": 5_000_000,
        "existing_monthly_debt": 200_000,
        "existing_exposure": 0,
        "concentration.industry_over_limit": False,
        "concentration.region_over_limit": False,
    }
    for key, value in changes.items():
        name = key.replace("__", ".")
        if value is None:
            facts.pop(name, None)
        else:
            facts[name] = value
    return facts


def test_it_compiles_and_offers_the_catalogues_business_loan() -> None:
    bundle = read_shipped_bundle(NAME)
    check_policy_product(bundle.compile(), bundle.document, DEFAULT_PRODUCTS, NAME)
    assert POLICY.label == "business-v1"
    assert POLICY.product.code == "business_loan"
    # every fact it reads is one the catalogue declares, by the feature families' names
    read = {name for names in POLICY.reads.values() for name in names}
    assert all(resolve(DEFAULT_CATALOGUE, name) is not None for name in read)
    assert {"business.active", "business.tax_credit_grade", "bureau.worst_dpd_24m"} <= read


def test_it_is_shipped_as_a_business_policy_not_a_consumer_one() -> None:
    assert NAME in shipped_business_policy_files()
    assert NAME not in shipped_policy_files()


@pytest.mark.parametrize(
    ("changes", "outcome", "codes"),
    [
        ({}, A, []),
        ({"business__active": False}, D, ["KO_BUSINESS_NOT_ACTIVE"]),
        ({"business__years_in_operation": 0.0}, D, ["KO_BUSINESS_TOO_YOUNG"]),
        ({"business__tax_credit_grade": "D"}, D, ["KO_TAX_GRADE_D"]),
        ({"bureau__worst_dpd_24m": 91.0}, D, ["KO_OWNER_SERIOUS_DELINQUENCY"]),
        ({"bureau__worst_dpd_24m": 61.0}, A, []),
        ({"consent__data_sources": None}, D, ["KO_CONSENT_MISSING"]),
        ({"consent__credit_bureau": False}, D, ["KO_CONSENT_MISSING"]),
        (
            {"business__active": False, "business__tax_credit_grade": "D"},
            D,
            ["KO_BUSINESS_NOT_ACTIVE", "KO_TAX_GRADE_D"],
        ),
        ({"business__tax_on_time_share": 0.4}, R, ["FR_BUSINESS_TAX_LATE"]),
        ({"statement__gambling_share": 0.2}, R, ["FR_BUSINESS_GAMBLING"]),
        ({"score": 540}, D, ["POL_SCORE_BELOW_CUTOFF"]),
        ({"score": 550}, R, ["POL_SCORE_IN_REVIEW_BAND"]),
        ({"monthly_income": 2_000_000}, D, ["POL_DTI_TOO_HIGH"]),
        ({"monthly_income": -100_000}, D, ["POL_NO_INCOME"]),
        (
            {"score": 560, "monthly_income": 2_600_000},
            D,
            ["POL_LIMIT_REDUCED", "POL_LIMIT_BELOW_PRODUCT_MIN"],
        ),
        ({"score": 580, "monthly_income": 3_500_000}, A, []),
    ],
)
def test_stage_outcomes(
    changes: dict[str, object], outcome: PolicyOutcome, codes: list[str]
) -> None:
    decision = evaluate(POLICY, business_facts(**changes), as_of=AS_OF)
    assert decision.outcome is outcome
    # a rule on an external document's feature also gives that feature's own reason (FEAT_…)
    assert [r.code for r in decision.reasons if not r.code.startswith("FEAT_")] == codes
    told = {r.code for r in decision.reasons if r.code.startswith("FEAT_")}
    changed_documents = {
        k.replace("__", ".")
        for k in changes
        if k.split("__")[0] in ("business", "bureau", "statement")
    }
    if outcome is not A and changed_documents:
        assert told == {f"FEAT_{name.replace('.', '_').upper()}" for name in changed_documents}
    assert all(r.text_en and r.text_zh for r in decision.reasons)
    if outcome is A:
        assert decision.limit == 20_000_000 and decision.annual_rate is not None
        assert decision.annual_rate <= POLICY.product.max_annual_rate


def test_a_large_request_is_limited_by_score_band_and_cover() -> None:
    # ¥900,000 over three years, band B (580): ¥500,000 with strong cover, ¥250,000 adequate
    strong = evaluate(
        POLICY, business_facts(score=580, amount=90_000_000, term_months=36,
                               monthly_income=10_000_000), as_of=AS_OF
    )  # fmt: skip
    adequate = evaluate(
        POLICY, business_facts(score=580, amount=90_000_000, term_months=36,
                               monthly_income=5_500_000), as_of=AS_OF
    )  # fmt: skip
    assert (strong.outcome, strong.limit) == (A, 50_000_000)
    assert (adequate.outcome, adequate.limit) == (A, 25_000_000)


@pytest.mark.parametrize("name", ["business.years_in_operation", "bureau.worst_dpd_24m", "score"])
def test_a_missing_fact_refers_and_never_approves(name: str) -> None:
    facts = business_facts()
    del facts[name]
    decision = evaluate(POLICY, facts, as_of=AS_OF)
    assert decision.outcome is R
    assert any(r.code == "POL_MISSING_FACT" and name in r.text_en for r in decision.reasons)


def test_it_approves_safer_simulated_businesses_and_declines_riskier_ones() -> None:
    seed = 4
    decided: dict[PolicyOutcome, list[float]] = {}
    for firm in small_businesses(seed, 200, date(2025, 1, 1)):
        on = firm.applied_on
        documents = read_documents(firm, business_documents(firm, on, seed), on)
        features = business_features(documents, on, firm.instalment)
        facts = policy_facts(firm, documents, features, score=oracle_score(firm))
        decision = evaluate(POLICY, facts, as_of=on)
        decided.setdefault(decision.outcome, []).append(firm.pd)
        codes = {r.code for r in decision.reasons}
        if not firm.active:
            assert decision.outcome is D and "KO_BUSINESS_NOT_ACTIVE" in codes
        if features["business.tax_credit_grade"] == "D":
            assert decision.outcome is D and "KO_TAX_GRADE_D" in codes
        if not firm.owner.identity.name:
            raise AssertionError("every business has a named legal representative")
    total = sum(len(v) for v in decided.values())
    assert 0.2 <= len(decided[A]) / total <= 0.8
    assert mean(decided[A]) < mean(decided[D]) / 2
