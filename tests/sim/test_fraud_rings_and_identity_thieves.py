"""Fraud in the simulated population has the shape it claims: a ring's 4 to 12 members apply
within its window and each shares a device, phone, bank card or address with another member;
an identity thief uses an earlier honest applicant's name and resident ID with a phone and
device of their own."""

from collections import defaultdict
from datetime import date
from functools import cache

from fengkong.sim.model import Applicant, FraudKind
from fengkong.sim.population import Population
from fengkong.sim.scenarios import BASELINE

START = date(2027, 1, 1)
DAYS = 90


@cache
def population() -> Population:
    return Population(5, BASELINE, START, daily_arrivals=60)


@cache
def applicants() -> tuple[Applicant, ...]:
    return tuple(a for day in range(DAYS) for a in population().arrivals(day, 60))


def _shared(a: Applicant, b: Applicant) -> set[str]:
    pairs = {
        "device": (a.identity.device_id, b.identity.device_id),
        "phone": (a.identity.phone, b.identity.phone),
        "card": (a.identity.bank_card, b.identity.bank_card),
        "address": (a.identity.address, b.identity.address),
    }
    return {name for name, (x, y) in pairs.items() if x == y}


def test_ring_members_share_with_another_member() -> None:
    rings: dict[int, list[Applicant]] = defaultdict(list)
    for a in applicants():
        assert (a.fraud is FraudKind.RING) == (a.ring is not None)
        if a.ring is not None:
            rings[a.ring].append(a)
    assert len(rings) >= 5
    for members in rings.values():
        people = {m.identity.id_number for m in members}
        if len(people) < 2:
            continue
        for m in members:
            others = [o for o in members if o.identity.id_number != m.identity.id_number]
            assert any(_shared(m, o) for o in others), m.key


def test_rings_have_4_to_12_people_within_their_window() -> None:
    seen: dict[int, list[Applicant]] = defaultdict(list)
    for a in applicants():
        if a.ring is not None:
            seen[a.ring].append(a)
    whole = 0
    for number, members in seen.items():
        ring = population().ring(number)
        assert all(ring.start <= m.day < ring.start + ring.window for m in members)
        if ring.start + ring.window <= DAYS:  # the whole window was drawn
            whole += 1
            assert 4 <= len({m.identity.id_number for m in members}) == len(ring.members) <= 12
    assert whole >= 5


def test_thieves_reuse_an_earlier_honest_identity_with_their_own_phone() -> None:
    honest_by_id: dict[str, Applicant] = {}
    thieves = 0
    for a in applicants():  # in day order: a victim is always seen before their thief
        if a.fraud is FraudKind.IDENTITY_THIEF:
            thieves += 1
            victim = honest_by_id[a.identity.id_number]
            assert victim.day < a.day
            assert victim.identity.name == a.identity.name
            assert victim.identity.phone != a.identity.phone
            assert victim.identity.device_id != a.identity.device_id
        elif not a.is_fraud:
            honest_by_id.setdefault(a.identity.id_number, a)
    assert thieves >= 20


def test_fraudsters_look_fine_and_ask_for_more() -> None:
    everyone = applicants()
    fraud = [a for a in everyone if a.is_fraud]
    honest = [a for a in everyone if not a.is_fraud]

    def mean(values: list[float]) -> float:
        return sum(values) / len(values)

    assert mean([a.creditworthiness for a in fraud]) > mean([a.creditworthiness for a in honest])
    assert mean([float(a.amount) for a in fraud]) > mean([float(a.amount) for a in honest])
