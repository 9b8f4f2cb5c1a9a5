"""Synthetic but valid details of simulated applicants: regions with their address codes,
resident IDs, Luhn-valid bank cards, device ids, public IPs, postal addresses and unified social
credit codes (names and mobiles: `sim.identity`). Each is drawn from the generator it is given, so a
seeded simulation repeats them."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date

from fengkong.onboarding.validators import (
    USCC_ALPHABET,
    luhn_check_digit,
    resident_id_check_digit,
    uscc_check_character,
)
from fengkong.sim.identity import birth_date_for_age


@dataclass(frozen=True, slots=True)
class Region:
    name: str
    code: str  # GB/T 2260 address code of a district, as resident IDs and USCCs carry it
    city: str  # as an address begins
    roads: tuple[str, ...]
    income_factor: float  # local incomes against the national median
    weight: int  # share of applicants, in parts


REGIONS: tuple[Region, ...] = (
    Region("Beijing", "110105", "北京市朝阳区", ("建国路", "朝阳北路", "望京街"), 1.35, 14),
    Region("Shanghai", "310115", "上海市浦东新区", ("世纪大道", "张杨路", "陆家嘴环路"), 1.4, 14),
    Region("Guangdong", "440305", "广东省深圳市南山区", ("深南大道", "科技园路"), 1.3, 18),
    Region("Zhejiang", "330106", "浙江省杭州市西湖区", ("文三路", "天目山路"), 1.15, 12),
    Region("Jiangsu", "320102", "江苏省南京市玄武区", ("中山路", "北京东路"), 1.1, 12),
    Region("Sichuan", "510107", "四川省成都市武侯区", ("人民南路", "武侯祠大街"), 0.85, 12),
    Region("Hubei", "420106", "湖北省武汉市武昌区", ("中南路", "武珞路"), 0.9, 10),
    Region("Shaanxi", "610113", "陕西省西安市雁塔区", ("长安南路", "小寨东路"), 0.8, 8),
)
REGION_WEIGHTS = tuple(r.weight for r in REGIONS)


def region(rng: random.Random) -> Region:
    return rng.choices(REGIONS, REGION_WEIGHTS)[0]


def resident_id(rng: random.Random, age: int, as_of: date, region_code: str) -> str:
    """An 18-character ID of someone born in `region_code` who is `age` on `as_of`."""
    born = birth_date_for_age(age, as_of, rng)
    first17 = f"{region_code}{born:%Y%m%d}{rng.randrange(1000):03d}"
    return first17 + resident_id_check_digit(first17)


def bank_card(rng: random.Random) -> str:
    """An 18-digit UnionPay-style debit card number (62…) with its Luhn digit."""
    body = "62" + "".join(str(rng.randrange(10)) for _ in range(15))
    return body + luhn_check_digit(body)


def device_id(rng: random.Random) -> str:
    return f"dev-{rng.getrandbits(64):016x}"


def public_ip(rng: random.Random) -> str:
    first = rng.choice((27, 36, 58, 101, 112, 113, 116, 117, 120, 183, 223))
    return f"{first}.{rng.randrange(256)}.{rng.randrange(256)}.{rng.randrange(1, 255)}"


def address(rng: random.Random, where: Region) -> str:
    road = rng.choice(where.roads)
    return (
        f"{where.city}{road}{rng.randint(1, 999)}号{rng.randint(1, 30)}栋{rng.randint(101, 2808)}室"
    )


def uscc(rng: random.Random, region_code: str) -> str:
    """A unified social credit code of a company (`91`) registered in `region_code`."""
    organisation = "".join(rng.choice(USCC_ALPHABET) for _ in range(9))
    first17 = f"91{region_code}{organisation}"
    return first17 + uscc_check_character(first17)


__all__ = [
    "REGIONS",
    "Region",
    "address",
    "bank_card",
    "device_id",
    "public_ip",
    "region",
    "resident_id",
    "uscc",
]
