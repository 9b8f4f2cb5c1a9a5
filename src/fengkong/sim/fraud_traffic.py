"""Seeded synthetic application traffic with known fraud, for evaluating fraud rules and for later
simulations.

Honest applicants mostly apply once from their own phone, device and card; some come back, some
share a family device, many sit behind a carrier's NAT (shared IP networks). Mixed in, each record
labelled with its `fraud_kind`:

- `ring` (团伙): a handful of people (real-looking IDs) applying within days through a small pool
  of shared devices, phones and bank cards;
- `identity_theft` (冒用身份): a stolen resident ID — often of someone who applied honestly before —
  used again and again with fresh phones, devices and cards;
- `burst` (集中申请): one device and IP firing many applications under different identities within
  minutes.

The same seed gives the same stream; records come sorted by time.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from enum import StrEnum

from fengkong.core.clock import BUSINESS_TZ
from fengkong.core.money import Fen
from fengkong.sim.contact import bank_card, device_id, public_ip
from fengkong.sim.identity import SyntheticIdentity, identity, mobile_number

__all__ = [
    "FraudKind",
    "TrafficApplication",
    "TrafficMix",
    "generate_traffic",
]


class FraudKind(StrEnum):
    RING = "ring"  # 团伙欺诈
    IDENTITY_THEFT = "identity_theft"  # 冒用身份
    BURST = "burst"  # 集中申请


@dataclass(frozen=True, slots=True)
class TrafficApplication:
    application_id: str
    at: datetime
    amount: Fen
    term_months: int
    monthly_income: Fen
    age: int
    name: str = field(repr=False)
    id_number: str = field(repr=False)
    phone: str = field(repr=False)
    device: str | None
    ip: str | None
    bank_card: str = field(repr=False)
    employer: str | None
    fraud_kind: FraudKind | None
    group: str | None = None  # the ring, thief or burst it belongs to

    @property
    def is_fraud(self) -> bool:
        return self.fraud_kind is not None


@dataclass(frozen=True, slots=True)
class TrafficMix:
    """Shares of the stream, and how the honest population behaves."""

    ring_share: float = 0.03
    theft_share: float = 0.015
    burst_share: float = 0.015
    honest_repeat: float = 0.08  # honest applicants applying again within the month
    family_device: float = 0.03  # honest applicants sharing a relative's device
    nat_share: float = 0.35  # honest applicants behind a carrier NAT pool
    nat_pool: int = 400  # shared carrier addresses
    missing_device: float = 0.05  # web applications without a device id
    days: int = 30

    def __post_init__(self) -> None:
        if self.ring_share + self.theft_share + self.burst_share >= 1:
            raise ValueError("fraud shares must leave room for honest applicants")
        if self.days < 1 or self.nat_pool < 1:
            raise ValueError("a stream spans at least a day and a NAT pool one address")


class _Factory:
    def __init__(self, rng: random.Random, start: datetime, mix: TrafficMix) -> None:
        self.rng = rng
        self.start = start
        self.mix = mix
        self.as_of = start.astimezone(BUSINESS_TZ).date()
        self.serial = 0
        self.nat = [self.public_ip() for _ in range(mix.nat_pool)]

    def next_id(self) -> str:
        self.serial += 1
        return f"sim_{self.serial:07d}"

    def person(self) -> tuple[SyntheticIdentity, int]:
        age = self.rng.randint(20, 62)
        return identity(age, self.as_of, self.rng), age

    def device(self) -> str:
        return device_id(self.rng)

    def phone(self) -> str:
        return mobile_number(self.rng)

    def card(self) -> str:
        return bank_card(self.rng)

    def public_ip(self) -> str:
        return public_ip(self.rng)

    def employer(self) -> str:
        return f"公司{self.rng.randrange(3000):04d}"

    def instant(self) -> datetime:
        return self.start + timedelta(seconds=self.rng.randrange(self.mix.days * 86_400))

    def amount(self, high: bool = False) -> Fen:
        yuan = self.rng.choice((3000, 5000, 8000, 10000, 20000, 30000, 50000))
        if high:
            yuan = self.rng.choice((30000, 50000, 80000))
        return Fen(yuan * 100)

    def income(self) -> Fen:
        return Fen(int(self.rng.lognormvariate(9.0, 0.45)) * 100)

    def app(
        self,
        at: datetime,
        who: SyntheticIdentity,
        age: int,
        *,
        phone: str,
        device: str | None,
        ip: str | None,
        card: str,
        kind: FraudKind | None,
        group: str | None = None,
        high: bool = False,
    ) -> TrafficApplication:
        return TrafficApplication(
            application_id=self.next_id(),
            at=at,
            amount=self.amount(high),
            term_months=self.rng.choice((3, 6, 12, 12, 24, 36)),
            monthly_income=self.income(),
            age=age,
            name=who.name,
            id_number=who.id_number,
            phone=phone,
            device=device,
            ip=ip,
            bank_card=card,
            employer=self.employer() if self.rng.random() < 0.8 else None,
            fraud_kind=kind,
            group=group,
        )


def _honest(f: _Factory, n: int) -> list[TrafficApplication]:
    out: list[TrafficApplication] = []
    rng, mix = f.rng, f.mix
    family: list[str] = []
    while len(out) < n:
        who, age = f.person()
        if family and rng.random() < mix.family_device:
            device: str | None = rng.choice(family)
        else:
            device = f.device()
            family.append(device)
            family = family[-200:]
        if rng.random() < mix.missing_device:
            device = None
        phone, card = f.phone(), f.card()
        ip = rng.choice(f.nat) if rng.random() < mix.nat_share else f.public_ip()
        at = f.instant()
        out.append(f.app(at, who, age, phone=phone, device=device, ip=ip, card=card, kind=None))
        if rng.random() < mix.honest_repeat and len(out) < n:
            again = at + timedelta(hours=rng.uniform(2, 24 * 20))
            out.append(
                f.app(again, who, age, phone=phone, device=device, ip=ip, card=card, kind=None)
            )
    return out


def _rings(f: _Factory, n: int) -> list[TrafficApplication]:
    out: list[TrafficApplication] = []
    rng = f.rng
    ring = 0
    while len(out) < n:
        ring += 1
        group = f"ring-{ring}"
        size = min(rng.randint(4, 12), n - len(out))
        devices = [f.device() for _ in range(rng.randint(1, 2))]
        phones = [f.phone() for _ in range(rng.randint(1, 3))]
        cards = [f.card() for _ in range(rng.randint(1, 2))]
        ips = [f.public_ip() for _ in range(rng.randint(1, 3))]
        first = f.instant()
        for _ in range(size):
            who, age = f.person()
            at = first + timedelta(hours=rng.uniform(0, 72))
            out.append(
                f.app(
                    at,
                    who,
                    age,
                    # Members use their own phone half the time, a ring phone otherwise.
                    phone=rng.choice(phones) if rng.random() < 0.5 else f.phone(),
                    device=rng.choice(devices),
                    ip=rng.choice(ips),
                    card=rng.choice(cards),
                    kind=FraudKind.RING,
                    group=group,
                    high=True,
                )
            )
    return out


def _thefts(f: _Factory, n: int, victims: list[TrafficApplication]) -> list[TrafficApplication]:
    out: list[TrafficApplication] = []
    rng = f.rng
    thief = 0
    while len(out) < n:
        thief += 1
        group = f"thief-{thief}"
        if victims and rng.random() < 0.5:
            v = rng.choice(victims)
            who = SyntheticIdentity(v.name, v.id_number, v.phone, date(2000, 1, 1))
            age, first = v.age, max(v.at, f.start) + timedelta(hours=rng.uniform(1, 240))
        else:
            who, age = f.person()
            first = f.instant()
        uses = min(rng.randint(2, 6), n - len(out))
        at = first
        for _ in range(uses):
            at = at + timedelta(hours=rng.uniform(0.2, 36))
            out.append(
                f.app(
                    at,
                    who,
                    age,
                    phone=f.phone(),
                    device=f.device(),
                    ip=f.public_ip(),
                    card=f.card(),
                    kind=FraudKind.IDENTITY_THEFT,
                    group=group,
                    high=True,
                )
            )
    return out


def _bursts(f: _Factory, n: int) -> list[TrafficApplication]:
    out: list[TrafficApplication] = []
    rng = f.rng
    burst = 0
    while len(out) < n:
        burst += 1
        group = f"burst-{burst}"
        device, ip = f.device(), f.public_ip()
        size = min(rng.randint(5, 20), n - len(out))
        at = f.instant()
        for _ in range(size):
            at = at + timedelta(seconds=rng.uniform(10, 240))
            who, age = f.person()
            out.append(
                f.app(
                    at,
                    who,
                    age,
                    phone=f.phone(),
                    device=device,
                    ip=ip,
                    card=f.card(),
                    kind=FraudKind.BURST,
                    group=group,
                )
            )
    return out


def generate_traffic(
    n: int = 20_000,
    seed: int = 0,
    start: datetime = datetime(2026, 1, 1, tzinfo=UTC),
    mix: TrafficMix | None = None,
) -> tuple[TrafficApplication, ...]:
    """`n` applications over `mix.days` days from `start`, sorted by time (ties by id), each
    labelled honest (`fraud_kind=None`) or with the kind of fraud it belongs to. Ids are
    `sim_0000001`… in generation order, so they are unique but do not follow time."""
    if n < 1:
        raise ValueError("a stream has at least one application")
    if start.tzinfo is None:
        raise ValueError("the stream starts at an aware instant")
    mix = mix or TrafficMix()
    f = _Factory(random.Random(seed), start.astimezone(UTC), mix)
    n_ring, n_theft, n_burst = (
        round(n * s) for s in (mix.ring_share, mix.theft_share, mix.burst_share)
    )
    honest = _honest(f, n - n_ring - n_theft - n_burst)
    stream = honest + _rings(f, n_ring) + _thefts(f, n_theft, honest) + _bursts(f, n_burst)
    return tuple(sorted(stream, key=lambda a: (a.at, a.application_id)))
