"""Synthetic but valid identities (resident ID with a true check digit, mobile, name) for demos and
simulations. Seeded, so a run can be repeated."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, timedelta

from fengkong.onboarding.validators import resident_id_check_digit

REGION_CODES = ("110105", "310115", "440305", "330106", "510107", "420106", "320102", "610113")
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰涛明超秀霞平刚桂英华玉兰"


@dataclass(frozen=True, slots=True)
class SyntheticIdentity:
    name: str
    id_number: str
    phone: str
    birth_date: date


def birth_date_for_age(age: int, as_of: date, rng: random.Random) -> date:
    """A birth date at which someone is exactly `age` years old on `as_of`."""
    latest = _years_before(as_of, age)  # turned `age` on this day at the latest
    earliest = _years_before(as_of, age + 1) + timedelta(days=1)
    return earliest + timedelta(days=rng.randrange((latest - earliest).days + 1))


def _years_before(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February
        return day.replace(year=day.year - years, day=28)


def identity(age: int, as_of: date, rng: random.Random) -> SyntheticIdentity:
    born = birth_date_for_age(age, as_of, rng)
    sex_digit = rng.randrange(10)
    first17 = f"{rng.choice(REGION_CODES)}{born:%Y%m%d}{rng.randrange(100):02d}{sex_digit}"
    name = synthetic_name(rng)
    phone = mobile_number(rng)
    return SyntheticIdentity(name, first17 + resident_id_check_digit(first17), phone, born)


def synthetic_name(rng: random.Random) -> str:
    """A Chinese name: a common surname and one or two given characters."""
    return rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2))))


def mobile_number(rng: random.Random) -> str:
    """A mainland mobile number, 13x to 19x."""
    return f"1{rng.choice('3456789')}{rng.randrange(10**9):09d}"
