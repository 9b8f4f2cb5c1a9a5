"""The simulated bureau, registry, tax bureau and utilities answer documents the readers accept,
about the applicant asked about, the same for the same seed, and riskier for riskier applicants."""

from __future__ import annotations

import random
from datetime import date
from statistics import mean

import pytest

from fengkong.core.errors import NotFound
from fengkong.features.bureau import BUREAU_FEATURES
from fengkong.features.business import BUSINESS_FEATURES, TAX_FEATURES, UTILITY_FEATURES
from fengkong.sim.model import Applicant, Behaviour, Segment
from fengkong.sim.population import Population
from fengkong.sim.scenarios import BASELINE
from fengkong.sim.sources_bureau import BUREAU_COST, answer_bureau, risk_of
from fengkong.sim.sources_business import (
    ANSWERS,
    REGISTRY_COST,
    TAX_COST,
    UTILITY_COST,
    answer_business_registry,
    answer_tax,
    answer_utility,
)
from fengkong.sources.bureau import BUREAU, read
from fengkong.sources.business import BUSINESS_REGISTRY
from fengkong.sources.business import read as read_registry
from fengkong.sources.connector import Subject
from fengkong.sources.kinds import SourceKind
from fengkong.sources.payments import TAX_PAYMENTS, UTILITY_PAYMENTS, read_tax, read_utility

START = date(2026, 1, 1)
AS_OF = date(2026, 2, 20)


@pytest.fixture(scope="module")
def people() -> tuple[Applicant, ...]:
    return Population(11, BASELINE, START).arrivals(3, 500)


def _person(a: Applicant) -> Subject:
    return Subject(key=a.key, name=a.identity.name, id_number=a.identity.id_number)


def _business(a: Applicant) -> Subject:
    return Subject(key=a.key, uscc=a.identity.employer_uscc)


def test_costs_are_whole_fen() -> None:
    assert (BUREAU_COST, REGISTRY_COST, TAX_COST, UTILITY_COST) == (200, 50, 150, 50)
    assert {kind: cost for kind, (_, cost) in ANSWERS.items()} == {
        SourceKind.CREDIT_BUREAU: 200,
        SourceKind.BUSINESS_REGISTRY: 50,
        SourceKind.TAX_PAYMENTS: 150,
        SourceKind.UTILITY_PAYMENTS: 50,
    }


def test_each_kinds_answer_reads_with_its_handler(people: tuple[Applicant, ...]) -> None:
    handlers = {h.kind: h for h in (BUREAU, BUSINESS_REGISTRY, TAX_PAYMENTS, UTILITY_PAYMENTS)}
    owner = next(a for a in people if a.segment is Segment.SMALL_BUSINESS)
    subject = Subject(
        key=owner.key,
        name=owner.identity.name,
        id_number=owner.identity.id_number,
        uscc=owner.identity.employer_uscc,
    )
    for kind, (answer, _) in ANSWERS.items():
        handlers[kind].read(answer(owner, AS_OF, random.Random(1)), subject, AS_OF)


def test_every_report_reads_and_is_seeded(people: tuple[Applicant, ...]) -> None:
    for a in people:
        doc = answer_bureau(a, AS_OF, random.Random(a.key))
        assert doc == answer_bureau(a, AS_OF, random.Random(a.key))
        report = read(doc, _person(a), AS_OF)
        assert report.report_date == AS_OF


def test_bad_payers_have_more_delinquency_and_enquiries(people: tuple[Applicant, ...]) -> None:
    def features(a: Applicant) -> dict[str, float]:
        report = read(answer_bureau(a, AS_OF, random.Random(a.key)), _person(a), AS_OF)
        values = BUREAU_FEATURES.compute_online(report, AS_OF)
        names = ("bureau.worst_dpd_24m", "bureau.enquiries_12m", "bureau.months_since_delinquency")
        return {n: float(values[n] or 0) for n in names}

    good = [features(a) for a in people if a.behaviour is Behaviour.STEADY and not a.is_fraud]
    bad = [features(a) for a in people if a.behaviour is Behaviour.ROLLS_TO_DEFAULT]
    assert len(good) > 100 and len(bad) > 20
    for name in ("bureau.worst_dpd_24m", "bureau.enquiries_12m"):
        assert mean(v[name] for v in bad) > mean(v[name] for v in good)
    since = "bureau.months_since_delinquency"
    assert mean(v[since] for v in bad) < mean(v[since] for v in good)


def test_business_records_read_and_follow_risk(people: tuple[Applicant, ...]) -> None:
    owners = [a for a in people if a.segment is Segment.SMALL_BUSINESS]
    assert len(owners) > 60
    on_time: list[tuple[float, float]] = []
    for a in owners:
        rng = random.Random(a.key)
        registry = read_registry(answer_business_registry(a, AS_OF, rng), _business(a), AS_OF)
        tax = read_tax(answer_tax(a, AS_OF, rng), _business(a), AS_OF)
        utility = read_utility(answer_utility(a, AS_OF, rng), _business(a), AS_OF)
        assert registry.uscc == a.identity.employer_uscc
        assert (
            BUSINESS_FEATURES.compute_online(registry, AS_OF)["business.years_in_operation"]
            is not None
        )
        share = TAX_FEATURES.compute_online(tax, AS_OF)["business.tax_on_time_share"]
        late = UTILITY_FEATURES.compute_online(utility, AS_OF)["business.utility_late_12m"]
        assert isinstance(share, float) and isinstance(late, float)
        on_time.append((risk_of(a), share - late / 24))
    ordered = sorted(on_time)
    third = len(ordered) // 3
    assert mean(s for _, s in ordered[:third]) > mean(s for _, s in ordered[-third:])


def test_no_business_no_record(people: tuple[Applicant, ...]) -> None:
    nobody = next(a for a in people if a.identity.employer_uscc is None)
    with pytest.raises(NotFound):
        answer_tax(nobody, AS_OF, random.Random(0))
