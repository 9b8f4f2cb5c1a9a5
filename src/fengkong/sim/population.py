"""The synthetic population that applies, day by day: who they are, what they ask for, how
creditworthy they are underneath, and whether they are honest.

Each applicant is drawn from a generator seeded by `(seed, day, slot)` alone, so the applicants
of day 42 are the same whether or not days 0 to 41 were drawn first, and the first ten of a day
are the same whatever the day's count (resuming an interrupted run depends on it).

- About three in four are individuals and one in four small-business owners (older, earning
  more, often pledging collateral, with their business's unified social credit code).
- A latent creditworthiness `z ~ N(0, 1)` drives the German-credit-shaped profile the models see
  (`sim.profile`, with noise) and the behaviour (`sim.behaviour.base_pd`): honest applicants
  roll to default with their PD, otherwise pay steadily, sometimes late, settle early or cure.
- About 2 % of a day's applicants belong to fraud rings (团伙): 4 to 12 people with real-looking
  identities applying over a window of days, all sharing one device, phone, bank card or address
  (the ring's hub) and often more; their profiles look fine. Rings are scheduled from the seed
  for a day's `daily_arrivals` applicants: a day with fewer applicants sees fewer of them.
- About 1 % are identity thieves (冒用身份): an earlier day's honest applicant's name and resident
  ID with the thief's own phone, device and card. Fraudsters roll to default and never repay.
- In a month where the scenario is active, newcomers' incomes and collateral are cut.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass, replace
from datetime import date
from decimal import Decimal
from functools import cached_property

from fengkong.core.money import HALF_UP, Fen, to_fen
from fengkong.onboarding.validators import age_on
from fengkong.sim import contact
from fengkong.sim.behaviour import base_pd, debt_to_income
from fengkong.sim.identity import mobile_number, synthetic_name
from fengkong.sim.model import Applicant, Behaviour, FraudKind, Identity, Scenario, Segment
from fengkong.sim.profile import Circumstances, profile

SMALL_BUSINESS_SHARE = 0.25
RING_SHARE = 0.02  # of a day's applicants, at `daily_arrivals` of them
THIEF_SHARE = 0.01
LINE_SHARE = 0.30  # ask for a revolving line rather than a one-off loan
VICTIM_SLOTS = 8  # a thief's victim is among the first applicants of an earlier day
VICTIM_DAYS_BACK = 90
RING_SIZE = (4, 12)  # people, fewest and most
RING_WINDOW = (4, 14)  # days a ring is active, shortest and longest
RING_START_JITTER = 3  # days a ring's start may slip past its place in the schedule
MIN_AGE, MAX_AGE = 20, 65

INDIVIDUAL_EMPLOYMENT = ("salaried", "civil_servant", "self_employed", "freelance")
INDIVIDUAL_EMPLOYMENT_WEIGHTS = (60, 8, 14, 18)
BUSINESS_OWNER = "business_owner"
INCOME_FACTOR = {"civil_servant": 1.1, "freelance": 0.8, "self_employed": 1.05}
INDUSTRIES = (
    "retail",
    "manufacturing",
    "catering",
    "logistics",
    "information_technology",
    "construction",
    "agriculture",
    "education",
    "healthcare",
)
INDUSTRY_WEIGHTS = (20, 18, 14, 12, 10, 10, 6, 5, 5)
PUBLIC_ADMINISTRATION = "public_administration"
# Each industry's GB/T 4754-2017 section (`onboarding.industry`), as the application names it.
INDUSTRY_SECTIONS: dict[str, str] = {
    "agriculture": "A",
    "manufacturing": "C",
    "construction": "E",
    "retail": "F",
    "logistics": "G",
    "catering": "H",
    "information_technology": "I",
    "education": "P",
    "healthcare": "Q",
    PUBLIC_ADMINISTRATION: "S",
}
PURPOSES_INDIVIDUAL = {
    "radio/television": 20,
    "car (new)": 10,
    "car (used)": 9,
    "furniture/equipment": 18,
    "domestic appliances": 5,
    "repairs": 6,
    "education": 8,
    "retraining": 3,
    "business": 6,
    "others": 15,
}
PURPOSES_BUSINESS = {"business": 70, "furniture/equipment": 14, "car (used)": 6, "repairs": 10}
TERMS = (3, 6, 9, 12, 18, 24, 36)
TERM_WEIGHTS = (6, 22, 4, 36, 4, 20, 8)
MIN_AMOUNT, MAX_AMOUNT = 1_000, 50_000  # yuan
MIN_INCOME, MAX_INCOME = 3_000, 60_000  # yuan a month, before any downturn cut


def month_of(start: date, day: date) -> int:
    """Calendar months from `start`'s month to `day`'s: 0 in the run's first month."""
    return (day.year - start.year) * 12 + day.month - start.month


def slot_key(day: int, slot: int) -> str:
    return f"d{day:04d}-{slot:03d}"


@dataclass(frozen=True, slots=True)
class RingMember:
    name: str
    id_number: str
    birth_date: date
    phone: str
    bank_card: str
    device_id: str
    ip: str
    address: str
    day: int  # the day they apply


@dataclass(frozen=True, slots=True)
class Ring:
    number: int
    start: int  # first day
    window: int  # days it is active
    hub: str  # the attribute every member shares: device_id, phone, bank_card or address
    region: contact.Region
    members: tuple[RingMember, ...]


def _cut(amount: Fen, cut: Decimal) -> Fen:
    return to_fen(Decimal(amount) * (1 - cut), HALF_UP) if cut else amount


def _round_yuan(value: float, step: int) -> int:
    return max(step, round(value / step) * step)


class Population:
    """The applicants of a seeded simulated world whose first day is `start`."""

    def __init__(
        self, seed: int, scenario: Scenario, start: date, *, daily_arrivals: int = 100
    ) -> None:
        if daily_arrivals < 1:
            raise ValueError("a population expects at least one applicant a day")
        self.seed = seed
        self.scenario = scenario
        self.start = start
        self.daily_arrivals = daily_arrivals
        self._rings: dict[int, Ring] = {}

    # --- the calendar ---

    def date_of(self, day: int) -> date:
        return date.fromordinal(self.start.toordinal() + day)

    def month(self, day: int) -> int:
        return month_of(self.start, self.date_of(day))

    # --- arrivals ---

    def arrivals(self, day: int, count: int) -> tuple[Applicant, ...]:
        """The `count` applicants arriving on simulated day `day` (0 = the run's first)."""
        if day < 0 or count < 0:
            raise ValueError("days count from 0 and a day has no fewer than 0 applicants")
        ringers = self._ring_slots(day)
        out: list[Applicant] = []
        for slot in range(count):
            found = ringers.get(slot)
            out.append(self._ring_member(day, slot, *found) if found else self._slot(day, slot))
        return tuple(out)

    def _slot_draw(self, day: int, slot: int) -> tuple[random.Random, bool]:
        """The generator of `slot` on `day`, and whether a thief applies in it."""
        rng = random.Random(f"{self.seed}/{day}/{slot}")
        return rng, rng.random() < THIEF_SHARE and day > 0

    def _slot(self, day: int, slot: int) -> Applicant:
        """Who applies in `slot` of `day` unless a ring member takes it: honest or a thief."""
        rng, thief = self._slot_draw(day, slot)
        applicant = self._honest(rng, day, slot)
        return self._thief(rng, applicant) if thief else applicant

    def _honest(self, rng: random.Random, day: int, slot: int) -> Applicant:
        when = self.date_of(day)
        month = month_of(self.start, when)
        business = rng.random() < SMALL_BUSINESS_SHARE
        segment = Segment.SMALL_BUSINESS if business else Segment.INDIVIDUAL
        region = contact.region(rng)
        age = round(
            rng.triangular(25, MAX_AGE, 42) if business else rng.triangular(MIN_AGE, MAX_AGE, 30)
        )
        z = rng.gauss(0, 1)
        if business:
            employment = BUSINESS_OWNER
        else:
            employment = rng.choices(INDIVIDUAL_EMPLOYMENT, INDIVIDUAL_EMPLOYMENT_WEIGHTS)[0]
        industry = (
            PUBLIC_ADMINISTRATION
            if employment == "civil_servant"
            else rng.choices(INDUSTRIES, INDUSTRY_WEIGHTS)[0]
        )
        median = (15_000 if business else 8_000) * region.income_factor
        median *= INCOME_FACTOR.get(employment, 1.0)
        drawn = median * math.exp(rng.gauss(0, 0.5) + 0.15 * z)
        income_yuan = _round_yuan(min(MAX_INCOME, max(MIN_INCOME, drawn)), 100)
        income_cut, collateral_cut = self._cuts(month)
        income = _cut(Fen(income_yuan * 100), income_cut)
        income_yuan = income // 100
        has_debt = rng.random() < min(0.8, max(0.2, 0.45 - 0.12 * z))
        debt_yuan = (
            _round_yuan(income_yuan * min(0.6, rng.uniform(0.05, 0.35) * math.exp(-0.25 * z)), 100)
            if has_debt
            else 0
        )
        asked = income_yuan * math.exp(rng.gauss(math.log(1.1), 0.55)) * (1.5 if business else 1)
        amount_yuan = min(MAX_AMOUNT, max(MIN_AMOUNT, asked))
        amount_yuan = _round_yuan(amount_yuan, 500 if amount_yuan < 10_000 else 1_000)
        term_index = TERMS.index(rng.choices(TERMS, TERM_WEIGHTS)[0])
        while term_index < len(TERMS) - 1 and amount_yuan / TERMS[term_index] > 0.5 * income_yuan:
            term_index += 1  # a monthly payment above half the income: ask for longer
        term = TERMS[term_index]
        purposes = PURPOSES_BUSINESS if business else PURPOSES_INDIVIDUAL
        purpose = rng.choices(tuple(purposes), tuple(purposes.values()))[0]
        identity = self._identity(rng, age, when, region, business or employment in _EMPLOYED)
        male = int(identity.id_number[16]) % 2 == 1
        circumstances = Circumstances(
            z, age, male, segment, employment, income_yuan, debt_yuan, amount_yuan, term
        )
        burden = debt_to_income(income_yuan, debt_yuan, amount_yuan, term)
        behaviour = draw_behaviour(rng, z, base_pd(z, burden, segment))
        wants_line = rng.random() < LINE_SHARE
        collateral = 0
        if rng.random() < (0.6 if business else 0.04):
            collateral = _round_yuan(amount_yuan * rng.uniform(1.2, 4.0), 1_000)
        collateral_value = _cut(Fen(collateral * 100), collateral_cut)
        return Applicant(
            key=slot_key(day, slot),
            day=day,
            segment=segment,
            age=age,
            region=region.name,
            industry=industry,
            employment=employment,
            monthly_income=income,
            existing_monthly_debt=Fen(debt_yuan * 100),
            amount=Fen(amount_yuan * 100),
            term_months=term,
            purpose=purpose,
            profile=profile(rng, circumstances),
            creditworthiness=z,
            behaviour=behaviour,
            identity=identity,
            wants_line=wants_line,
            collateral_value=collateral_value,
        )

    def _cuts(self, month: int) -> tuple[Decimal, Decimal]:
        """The cuts to newcomers' incomes and collateral in `month`: the scenario's, when on."""
        if self.scenario.active(month):
            return self.scenario.income_cut, self.scenario.collateral_cut
        return Decimal(0), Decimal(0)

    @staticmethod
    def _identity(
        rng: random.Random, age: int, when: date, region: contact.Region, employer: bool
    ) -> Identity:
        born_in = region if rng.random() < 0.8 else contact.region(rng)
        return Identity(
            name=synthetic_name(rng),
            id_number=contact.resident_id(rng, age, when, born_in.code),
            phone=mobile_number(rng),
            bank_card=contact.bank_card(rng),
            device_id=contact.device_id(rng),
            ip=contact.public_ip(rng),
            address=contact.address(rng, region),
            employer_uscc=contact.uscc(rng, region.code) if employer else None,
        )

    # --- identity thieves ---

    def _victim(self, rng: random.Random, day: int) -> Applicant | None:
        """An honest applicant of an earlier day, drawn again from their own slot."""
        earlier = day - rng.randint(1, min(day, VICTIM_DAYS_BACK))
        taken = self._ring_slots(earlier)
        for slot in rng.sample(range(VICTIM_SLOTS), VICTIM_SLOTS):
            victim_rng, thief = self._slot_draw(earlier, slot)
            if slot in taken or thief:
                continue
            victim = self._honest(victim_rng, earlier, slot)
            if victim.age < MAX_AGE:  # the thief's application must not make them older
                return victim
        return None

    def _thief(self, rng: random.Random, cover: Applicant) -> Applicant:
        """`cover`'s application made by a thief in an earlier honest applicant's name: the
        victim's name and ID, the thief's own phone, device, card and address; a profile that
        looks fine; a larger amount; never repaid."""
        victim = self._victim(rng, cover.day)
        if victim is None:
            return cover
        born = _birth_date(victim.identity.id_number)
        identity = replace(
            cover.identity,
            name=victim.identity.name,
            id_number=victim.identity.id_number,
            employer_uscc=None,
        )
        return _fraudster(
            rng,
            replace(
                cover,
                segment=Segment.INDIVIDUAL,
                employment="salaried",
                age=age_on(born, self.date_of(cover.day)),
                region=victim.region,
                identity=identity,
                fraud=FraudKind.IDENTITY_THIEF,
            ),
        )

    # --- rings ---

    @cached_property
    def _ring_gap(self) -> float:
        """Days between the starts of successive rings, for `RING_SHARE` of the applicants."""
        return sum(RING_SIZE) / 2 / (RING_SHARE * self.daily_arrivals)

    def ring(self, number: int) -> Ring:
        """Ring `number` (from 0), drawn from the seed alone."""
        if number not in self._rings:
            self._rings[number] = self._draw_ring(number)
        return self._rings[number]

    def _draw_ring(self, number: int) -> Ring:
        rng = random.Random(f"{self.seed}/ring/{number}")
        start = math.floor(number * self._ring_gap) + rng.randrange(RING_START_JITTER)
        window = rng.randint(*RING_WINDOW)
        size = rng.randint(*RING_SIZE)
        region = contact.region(rng)
        hub = rng.choice(("device_id", "phone", "bank_card", "address"))
        pools = {
            "device_id": [contact.device_id(rng) for _ in range(rng.randint(1, 2))],
            "phone": [mobile_number(rng) for _ in range(rng.randint(1, 3))],
            "bank_card": [contact.bank_card(rng) for _ in range(rng.randint(1, 2))],
            "address": [contact.address(rng, region) for _ in range(rng.randint(1, 2))],
            "ip": [contact.public_ip(rng) for _ in range(rng.randint(1, 3))],
        }
        own = {
            "device_id": contact.device_id,
            "phone": mobile_number,
            "bank_card": contact.bank_card,
            "ip": contact.public_ip,
        }
        members = []
        for _ in range(size):
            day = start + rng.randrange(window)
            age = rng.randint(21, 45)
            values: dict[str, str] = {}
            for attribute, pool in pools.items():
                shared = attribute == hub or rng.random() < 0.5
                if shared:
                    values[attribute] = pool[0] if attribute == hub else rng.choice(pool)
                elif attribute == "address":
                    values[attribute] = contact.address(rng, region)
                else:
                    values[attribute] = own[attribute](rng)
            id_number = contact.resident_id(rng, age, self.date_of(day), region.code)
            members.append(
                RingMember(
                    name=synthetic_name(rng),
                    id_number=id_number,
                    birth_date=_birth_date(id_number),
                    day=day,
                    **values,
                )
            )
        return Ring(number, start, window, hub, region, tuple(members))

    def _ring_slots(self, day: int) -> dict[int, tuple[Ring, int]]:
        """The slots of `day` that ring members take: slot → (ring, member index)."""
        gap = self._ring_gap
        # Rings that may be active: started no later than `day`, and not long before it.
        first = max(0, math.floor((day - RING_START_JITTER - RING_WINDOW[1]) / gap))
        due: list[tuple[Ring, int]] = []
        for number in range(first, math.ceil((day + 1) / gap) + 1):
            ring = self.ring(number)
            due.extend((ring, i) for i, member in enumerate(ring.members) if member.day == day)
        if not due:
            return {}
        rng = random.Random(f"{self.seed}/{day}/rings")
        slots = rng.sample(range(self.daily_arrivals), min(len(due), self.daily_arrivals))
        return dict(zip(slots, due, strict=False))

    def _ring_member(self, day: int, slot: int, ring: Ring, index: int) -> Applicant:
        member = ring.members[index]
        rng = random.Random(f"{self.seed}/ring/{ring.number}/{index}")
        cover = self._honest(rng, day, slot)
        identity = Identity(
            name=member.name,
            id_number=member.id_number,
            phone=member.phone,
            bank_card=member.bank_card,
            device_id=member.device_id,
            ip=member.ip,
            address=member.address,
            employer_uscc=cover.identity.employer_uscc,
        )
        return _fraudster(
            rng,
            replace(
                cover,
                age=age_on(member.birth_date, self.date_of(day)),
                region=ring.region.name,
                identity=identity,
                fraud=FraudKind.RING,
                ring=ring.number,
            ),
        )


_EMPLOYED = frozenset({"salaried", "civil_servant"})


def _birth_date(id_number: str) -> date:
    return date(int(id_number[6:10]), int(id_number[10:12]), int(id_number[12:14]))


def draw_behaviour(rng: random.Random, z: float, pd: float) -> Behaviour:
    """Roll to default with probability `pd`; otherwise mostly steady, the weaker (lower `z`)
    more often late or cured. A small business's is drawn the same way from its hidden PD and
    strength (`sim.business_desk`)."""
    # Both draws are made whatever the PD, so a downturn's income cut (a higher PD) changes
    # the behaviour, never the draws that follow.
    defaults, u = rng.random() < pd, rng.random()
    if defaults:
        return Behaviour.ROLLS_TO_DEFAULT
    weak = max(0.0, -z)
    late, cured, early = 0.13 + 0.05 * weak, 0.04 + 0.03 * weak, 0.10
    if u < late:
        return Behaviour.OCCASIONALLY_LATE
    if u < late + cured:
        return Behaviour.CURED
    if u < late + cured + early:
        return Behaviour.EARLY_SETTLER
    return Behaviour.STEADY


def _fraudster(rng: random.Random, cover: Applicant) -> Applicant:
    """A fraudster behind an honest-looking `cover`: a fine-looking profile (drawn again from a
    flattering creditworthiness), a larger amount, and no intention to repay."""
    shown = 0.4 + 0.7 * rng.gauss(0, 1)
    circumstances = Circumstances(
        shown,
        cover.age,
        int(cover.identity.id_number[16]) % 2 == 1,
        cover.segment,
        cover.employment,
        max(1, cover.monthly_income // 100),
        cover.existing_monthly_debt // 100,
        cover.amount // 100,
        cover.term_months,
    )
    amount = min(MAX_AMOUNT, _round_yuan(cover.amount // 100 * rng.uniform(1.2, 2.5), 1_000))
    return replace(
        cover,
        profile=profile(rng, circumstances),
        creditworthiness=shown,
        amount=Fen(amount * 100),
        behaviour=Behaviour.ROLLS_TO_DEFAULT,
        collateral_value=Fen(0),
    )


__all__ = ["Population", "Ring", "RingMember", "draw_behaviour", "month_of", "slot_key"]
