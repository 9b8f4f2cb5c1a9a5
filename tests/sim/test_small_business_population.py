"""The simulated small businesses: the same for the same seed, each with a valid unified social
credit code, owners of the simulated population, and documents that the platform's readers
accept and that agree with the business's hidden risk."""

from __future__ import annotations

from collections import Counter
from datetime import date
from statistics import mean

import pytest

from fengkong.core.errors import NotFound
from fengkong.features.documents import FeatureValue
from fengkong.onboarding.industry import check_industry
from fengkong.onboarding.validators import validate_uscc
from fengkong.sim.business import (
    INDUSTRY_MIX,
    BusinessForm,
    BusinessPopulation,
    SmallBusiness,
    small_businesses,
)
from fengkong.sim.business_documents import (
    BUSINESS_ANSWERS,
    answer_for_business,
    business_documents,
    business_features,
    read_documents,
)
from fengkong.sim.scenarios import BASELINE, DOWNTURN
from fengkong.sources.kinds import SourceKind

START = date(2025, 1, 1)
SEED = 7


@pytest.fixture(scope="module")
def firms() -> tuple[SmallBusiness, ...]:
    return small_businesses(SEED, 600, START)


@pytest.fixture(scope="module")
def features(firms: tuple[SmallBusiness, ...]) -> list[dict[str, FeatureValue]]:
    out: list[dict[str, FeatureValue]] = []
    for firm in firms:
        docs = read_documents(
            firm, business_documents(firm, firm.applied_on, SEED), firm.applied_on
        )
        out.append(business_features(docs, firm.applied_on, firm.instalment))
    return out


def test_the_same_seed_draws_the_same_businesses(firms: tuple[SmallBusiness, ...]) -> None:
    again = small_businesses(SEED, 40, START)
    assert again == firms[:40]
    assert small_businesses(SEED + 1, 40, START) != again
    # a business is the same whether or not the ones before it were drawn
    assert BusinessPopulation(SEED, START).business(37) == firms[37]


def test_each_business_has_a_valid_code_of_its_form_and_region(
    firms: tuple[SmallBusiness, ...],
) -> None:
    for firm in firms:
        assert validate_uscc(firm.uscc) == firm.uscc
        assert firm.uscc[:2] == ("91" if firm.form is BusinessForm.COMPANY else "92")
        assert firm.uscc[2:8] == firm.region.code
    assert len({f.uscc for f in firms}) == len(firms)


def test_owners_are_people_of_the_population_holding_the_whole_business(
    firms: tuple[SmallBusiness, ...],
) -> None:
    for firm in firms:
        assert sum(o.share_bp for o in firm.owners) == 10_000
        assert all(o.person.identity.employer_uscc == firm.uscc for o in firm.owners)
        assert firm.form is BusinessForm.COMPANY or len(firm.owners) == 1
        assert firm.guarantor is None or firm.guarantor not in [o.person for o in firm.owners]
        assert 0 < firm.pd < 1 and firm.established <= firm.applied_on
    assert any(len(f.owners) == 2 for f in firms) and any(f.guarantor for f in firms)


def test_the_industry_mix_is_mostly_trade(firms: tuple[SmallBusiness, ...]) -> None:
    counts = Counter(f.section for f in firms)
    assert set(counts) <= set(INDUSTRY_MIX)
    assert all(check_industry(section, ("industry",)) is None for section in counts)
    assert counts.most_common(1)[0][0] == "F"
    assert 0.02 < mean(f.pd for f in firms) < 0.12


def _by_risk(
    firms: tuple[SmallBusiness, ...], features: list[dict[str, FeatureValue]]
) -> tuple[list[dict[str, FeatureValue]], list[dict[str, FeatureValue]]]:
    ranked = sorted(zip(firms, features, strict=True), key=lambda pair: pair[0].pd)
    quarter = len(ranked) // 4
    return [f for _, f in ranked[:quarter]], [f for _, f in ranked[-quarter:]]


def _mean(rows: list[dict[str, FeatureValue]], name: str) -> float:
    values = [float(v) for r in rows if isinstance((v := r[name]), int | float)]
    return mean(values)


def test_riskier_businesses_show_it_in_their_documents(
    firms: tuple[SmallBusiness, ...], features: list[dict[str, FeatureValue]]
) -> None:
    safe, risky = _by_risk(firms, features)
    assert _mean(risky, "financials.debt_ratio") > _mean(safe, "financials.debt_ratio") + 0.05
    assert _mean(risky, "business.tax_on_time_share") < _mean(safe, "business.tax_on_time_share")
    assert _mean(risky, "business.utility_late_12m") > _mean(safe, "business.utility_late_12m")
    assert _mean(risky, "bureau.worst_dpd_24m") > _mean(safe, "bureau.worst_dpd_24m")
    assert _mean(risky, "financials.net_margin") < _mean(safe, "financials.net_margin")
    grades = Counter(str(r["business.tax_credit_grade"]) for r in risky)
    safe_grades = Counter(str(r["business.tax_credit_grade"]) for r in safe)
    assert grades["C"] + grades["D"] > safe_grades["C"] + safe_grades["D"]


def test_documents_are_about_the_business_and_its_owner(firms: tuple[SmallBusiness, ...]) -> None:
    firm = firms[3]
    payloads = business_documents(firm, firm.applied_on, SEED)
    assert payloads == business_documents(firm, firm.applied_on, SEED)
    registry = payloads[SourceKind.BUSINESS_REGISTRY]
    assert (registry["uscc"], registry["name"], registry["industry"]) == (
        firm.uscc,
        firm.name,
        firm.section,
    )
    assert registry["legal_representative"] == firm.owner.identity.name
    assert payloads[SourceKind.CREDIT_BUREAU]["person"]["id_number"] == (
        firm.owner.identity.id_number
    )
    assert payloads[SourceKind.FINANCIAL_STATEMENTS]["uscc"] == firm.uscc
    # no tax declared before the business was established
    opened = firm.established.isoformat()[:7]
    assert all(r["period"] >= opened for r in payloads[SourceKind.TAX_PAYMENTS]["records"])


def test_a_downturn_raises_the_default_risk_once_it_starts() -> None:
    calm = BusinessPopulation(SEED, START, BASELINE, per_day=1)
    hard = BusinessPopulation(SEED, START, DOWNTURN, per_day=1)
    before, after = range(0, 40), range(120, 160)  # the downturn starts in month 3
    for i in before:  # applied before it: the same business, its coming year riskier
        assert hard.business(i).annual_revenue == calm.business(i).annual_revenue
        assert hard.business(i).pd > calm.business(i).pd
    for i in after:  # applied during it: earning less, riskier still
        assert hard.business(i).annual_revenue < calm.business(i).annual_revenue
        assert hard.business(i).pd > calm.business(i).pd


def test_each_provider_answers_alone_what_it_answers_with_the_others(
    firms: tuple[SmallBusiness, ...],
) -> None:
    firm = firms[11]
    together = business_documents(firm, firm.applied_on, SEED)
    for kind in BUSINESS_ANSWERS:
        assert answer_for_business(firm, kind, firm.applied_on, SEED) == together[kind]
    assert all(cost > 0 for _, cost in BUSINESS_ANSWERS.values())
    with pytest.raises(NotFound):
        answer_for_business(firm, SourceKind.LIVENESS, firm.applied_on, SEED)
