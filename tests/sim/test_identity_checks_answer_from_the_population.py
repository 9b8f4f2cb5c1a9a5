"""The run's identity-check provider answers from the synthetic population: an honest applicant
passes almost always, an identity thief fails the carrier and card checks on the mobile and the
card (the victim's are on record) and mostly fails the live face check, at the simulator's
step-up rates; answers are seeded, and a small share of calls goes unanswered."""

from __future__ import annotations

from collections import Counter
from datetime import date
from functools import cache

import pytest

from fengkong.sim.conduct import PASSES_STEP_UP, rng_for
from fengkong.sim.identity_checks import PopulationIdentityChecks
from fengkong.sim.model import Applicant, FraudKind
from fengkong.sim.population import Population
from fengkong.sim.scenarios import BASELINE
from fengkong.sources.connector import SourceRequest, SourceUnavailable, Subject
from fengkong.sources.identity import identity_request, read_result
from fengkong.sources.kinds import SourceKind

START = date(2027, 1, 1)
SEED = 5
CHECKS = (
    SourceKind.ID_NAME_MATCH,
    SourceKind.CARRIER_THREE_FACTOR,
    SourceKind.BANK_CARD_FOUR_FACTOR,
    SourceKind.LIVENESS,
)


@cache
def applicants() -> tuple[Applicant, ...]:
    population = Population(SEED, BASELINE, START, daily_arrivals=60)
    return tuple(a for day in range(60) for a in population.arrivals(day, 60))


def _subject(a: Applicant) -> Subject:
    i = a.identity
    return Subject(f"bidx-{a.key}", i.name, i.id_number, i.phone, i.bank_card)


def _request(kind: SourceKind, a: Applicant) -> SourceRequest:
    params = {"liveness_token": "sdk"} if kind is SourceKind.LIVENESS else {}
    return identity_request(kind, _subject(a), START, params)


def _results(provider: PopulationIdentityChecks, kind: SourceKind, a: Applicant) -> set[str]:
    provider.know(a)
    answer = provider.fetch(_request(kind, a))
    result = read_result(answer.payload, _subject(a), START)
    assert answer.cost_fen > 0 and answer.elapsed_ms > 0
    return {result.status.value, *(f.value for f in result.mismatched)}


@pytest.mark.parametrize("kind", CHECKS)
def test_honest_applicants_pass_almost_always(kind: SourceKind) -> None:
    provider = PopulationIdentityChecks(SEED, unavailable_share=0.0)
    honest = [a for a in applicants() if a.fraud is FraudKind.NONE][:400]
    passed = sum("passed" in _results(provider, kind, a) for a in honest)
    floor = 0.9 if kind is SourceKind.LIVENESS else 0.98
    assert passed / len(honest) >= floor


def test_identity_thieves_fail_on_the_factor_that_is_wrong() -> None:
    provider = PopulationIdentityChecks(SEED, unavailable_share=0.0, noise=0.0)
    thieves = [a for a in applicants() if a.fraud is FraudKind.IDENTITY_THIEF]
    assert thieves
    for a in thieves:
        # the victim's name and ID number match each other; the phone and card are not theirs
        assert _results(provider, SourceKind.ID_NAME_MATCH, a) == {"passed"}
        assert "mobile" in _results(provider, SourceKind.CARRIER_THREE_FACTOR, a)
        assert "bank_card" in _results(provider, SourceKind.BANK_CARD_FOUR_FACTOR, a)


def test_the_face_passes_as_the_simulator_drew_it() -> None:
    provider = PopulationIdentityChecks(SEED, unavailable_share=0.0, noise=0.0)
    for a in applicants()[:300]:
        drawn = rng_for(SEED, a.key, "step-up").random() < PASSES_STEP_UP[a.fraud]
        assert ("passed" in _results(provider, SourceKind.LIVENESS, a)) == drawn


def test_answers_are_seeded_and_some_calls_go_unanswered() -> None:
    def run() -> list[str]:
        provider = PopulationIdentityChecks(SEED, unavailable_share=0.2)
        seen = []
        for a in applicants()[:200]:
            provider.know(a)
            try:
                seen.append(
                    str(provider.fetch(_request(SourceKind.CARRIER_THREE_FACTOR, a)).payload)
                )
            except SourceUnavailable as exc:
                seen.append(f"unavailable: {exc.why}")
        return seen

    first = run()
    assert first == run()
    unanswered = Counter(s.startswith("unavailable") for s in first)[True]
    assert 0 < unanswered < len(first) / 2
