"""The synthetic fraud traffic: the same seed gives the same stream, every record is valid input
(IDs, phones, cards pass the validators) and labelled, and each kind of fraud has the shape it
claims: rings share devices, thieves reuse one ID with fresh phones, bursts come within minutes."""

from collections import Counter, defaultdict
from datetime import timedelta

from fengkong.onboarding.validators import validate_bank_card, validate_mobile, validate_resident_id
from fengkong.sim.fraud_traffic import FraudKind, TrafficMix, generate_traffic


def test_seeded_sorted_and_sized() -> None:
    a, b = generate_traffic(1500, seed=3), generate_traffic(1500, seed=3)
    assert a == b
    assert len(a) == 1500
    assert len({x.application_id for x in a}) == 1500
    assert [x.at for x in a] == sorted(x.at for x in a)
    assert generate_traffic(1500, seed=4) != a


def test_every_record_is_valid_input() -> None:
    for x in generate_traffic(800, seed=1):
        assert validate_resident_id(x.id_number, x.at.date()).number == x.id_number
        assert validate_mobile(x.phone) == x.phone
        assert validate_bank_card(x.bank_card) == x.bank_card
        assert x.amount > 0 and x.monthly_income > 0 and 18 <= x.age <= 70
        assert (x.fraud_kind is None) == (x.group is None)


def test_mix_and_shapes() -> None:
    stream = generate_traffic(4000, seed=0, mix=TrafficMix())
    kinds = Counter(x.fraud_kind for x in stream)
    assert kinds[FraudKind.RING] == 120 and kinds[FraudKind.IDENTITY_THEFT] == 60
    assert kinds[FraudKind.BURST] == 60 and kinds[None] == 3760

    groups: dict[str, list] = defaultdict(list)  # type: ignore[type-arg]
    for x in stream:
        if x.group:
            groups[x.group].append(x)
    for name, members in groups.items():
        if name.startswith("ring-") and len(members) > 1:
            assert len({m.device for m in members}) <= 2
            assert len({m.id_number for m in members}) == len(members)
        if name.startswith("thief-"):
            assert len({m.id_number for m in members}) == 1
            assert len({m.phone for m in members}) == len(members)
        if name.startswith("burst-"):
            assert len({(m.device, m.ip) for m in members}) == 1
            assert members[-1].at - members[0].at <= timedelta(minutes=4 * len(members))
