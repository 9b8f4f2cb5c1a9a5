"""Every simulated applicant is valid input for onboarding and the models: identities pass the
validators, every coded field holds a value of the codebook, amounts, terms and ages lie in their
ranges; the mix (segments, fraud, lines, honest bad rate) is as described."""

from collections import Counter
from collections.abc import Iterable
from datetime import date
from functools import cache

from fengkong.features.application import NUMERIC_PROFILE_FIELDS, PROFILE_FIELDS
from fengkong.features.codebook import PROFILE_CODED_FIELDS, check_value
from fengkong.onboarding.name_address import validate_address, validate_name
from fengkong.onboarding.validators import (
    validate_bank_card,
    validate_mobile,
    validate_resident_id,
    validate_uscc,
)
from fengkong.sim.model import Applicant, Behaviour, FraudKind, Segment
from fengkong.sim.population import TERMS, Population
from fengkong.sim.scenarios import BASELINE

START = date(2027, 1, 1)


@cache
def applicants() -> tuple[Applicant, ...]:
    population = Population(11, BASELINE, START)
    return tuple(a for day in range(40) for a in population.arrivals(day, 100))


def test_every_identity_validates() -> None:
    population = Population(11, BASELINE, START)
    for a in applicants():
        who = a.identity
        resident = validate_resident_id(who.id_number, population.date_of(a.day))
        assert resident.number == who.id_number
        assert resident.age_on(population.date_of(a.day)) == a.age
        assert validate_mobile(who.phone) == who.phone
        assert validate_bank_card(who.bank_card) == who.bank_card
        assert validate_name(who.name) == who.name
        assert validate_address(who.address) == who.address
        if who.employer_uscc is not None:
            assert validate_uscc(who.employer_uscc) == who.employer_uscc
        assert who.device_id and who.ip.count(".") == 3


def test_every_coded_value_is_in_the_codebook() -> None:
    for a in applicants():
        assert set(a.profile) == set(PROFILE_FIELDS)
        for field in PROFILE_CODED_FIELDS:
            assert check_value(field, a.profile[field], (field,)) is None, (field, a.profile[field])
        assert check_value("purpose", a.purpose, ("purpose",)) is None
        for field in NUMERIC_PROFILE_FIELDS:
            assert isinstance(a.profile[field], int) and 1 <= int(a.profile[field]) <= 4


def test_amounts_terms_and_ages_in_range() -> None:
    for a in applicants():
        assert 100_000 <= a.amount <= 5_000_000 and a.amount % 100 == 0
        assert a.term_months in TERMS and 3 <= a.term_months <= 36
        assert 20 <= a.age <= 65
        assert 300_000 <= a.monthly_income <= 6_000_000
        assert 0 <= a.existing_monthly_debt < a.monthly_income
        assert a.collateral_value >= 0
        if a.segment is Segment.SMALL_BUSINESS:
            assert a.identity.employer_uscc is not None and a.purpose in {
                "business",
                "furniture/equipment",
                "car (used)",
                "repairs",
            }


def test_the_mix() -> None:
    everyone = applicants()
    n = len(everyone)
    segments = Counter(a.segment for a in everyone)
    assert 0.20 < segments[Segment.SMALL_BUSINESS] / n < 0.30
    fraud = Counter(a.fraud for a in everyone)
    assert 0.02 < (n - fraud[FraudKind.NONE]) / n < 0.045
    assert fraud[FraudKind.RING] > 0 and fraud[FraudKind.IDENTITY_THIEF] > 0
    assert 0.25 < sum(a.wants_line for a in everyone) / n < 0.35
    honest = [a for a in everyone if not a.is_fraud]
    behaviours = Counter(a.behaviour for a in honest)
    assert 0.08 < behaviours[Behaviour.ROLLS_TO_DEFAULT] / len(honest) < 0.18
    assert behaviours.most_common(1)[0][0] is Behaviour.STEADY
    assert all(behaviours[b] > 0 for b in Behaviour)
    assert all(a.behaviour is Behaviour.ROLLS_TO_DEFAULT for a in everyone if a.is_fraud)
    businesses = [a for a in everyone if a.segment is Segment.SMALL_BUSINESS]
    individuals = [a for a in everyone if a.segment is Segment.INDIVIDUAL]
    assert sum(a.collateral_value > 0 for a in businesses) / len(businesses) > 0.4
    assert _median(a.monthly_income for a in businesses) > _median(
        a.monthly_income for a in individuals
    )
    assert _median(a.age for a in businesses) > _median(a.age for a in individuals)


def test_creditworthiness_shows_in_the_profile() -> None:
    """The weakest fifth overdraw their checking account far more often than the strongest."""
    ranked = sorted(applicants(), key=lambda a: a.creditworthiness)
    fifth = len(ranked) // 5

    def overdrawn(group: list[Applicant]) -> float:
        return sum(
            a.profile["status_of_existing_checking_account"] == "... < 0 DM" for a in group
        ) / len(group)

    assert overdrawn(ranked[:fifth]) > 3 * overdrawn(ranked[-fifth:])


def _median(values: Iterable[int]) -> float:
    ordered = sorted(values)
    return float(ordered[len(ordered) // 2])
