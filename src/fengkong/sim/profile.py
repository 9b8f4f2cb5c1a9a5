"""The German-credit-shaped profile of a simulated applicant (`features.application.PROFILE_FIELDS`,
values from `features.codebook`), drawn from their latent creditworthiness `z` and their
circumstances (age, sex, income, debts, what they ask for).

Each ordered field is a noisy reading of `z`: a score `loading·z + √(1−loading²)·noise` (plus,
for some fields, age or income) cut into the field's values at the quantiles that give the
field its share of each value. The loadings set how much a model can learn: with those below a
scorecard trained on the simulated history reaches a test AUC of about 0.75, as on the German
data."""

from __future__ import annotations

import math
import random
from bisect import bisect
from dataclasses import dataclass
from itertools import accumulate
from statistics import NormalDist

from fengkong.sim.model import Segment


@dataclass(frozen=True, slots=True)
class Ordered:
    """A field whose values run from worst to best, with the share of each among applicants."""

    values: tuple[str, ...]
    shares: tuple[float, ...]
    loading: float  # how closely the field follows creditworthiness, 0..1

    def cuts(self) -> tuple[float, ...]:
        total = sum(self.shares)
        inner = list(accumulate(s / total for s in self.shares))[:-1]
        return tuple(NormalDist().inv_cdf(p) for p in inner)

    def draw(self, rng: random.Random, z: float, shift: float = 0.0) -> str:
        score = self.loading * z + math.sqrt(1 - self.loading**2) * rng.gauss(0, 1) + shift
        return self.values[bisect(_CUTS[self.values], score)]


CHECKING = Ordered(
    (
        "... < 0 DM",
        "no checking account",
        "0 <= ... < 200 DM",
        "... >= 200 DM / salary assignments for at least 1 year",
    ),
    (0.22, 0.30, 0.33, 0.15),
    0.75,
)
CREDIT_HISTORY = Ordered(
    (
        "delay in paying off in the past",
        "critical account/ other credits existing (not at this bank)",
        "no credits taken/ all credits paid back duly",
        "existing credits paid back duly till now",
        "all credits at this bank paid back duly",
    ),
    (0.08, 0.15, 0.12, 0.50, 0.15),
    0.65,
)
SAVINGS = Ordered(
    (
        "... < 100 DM",
        "unknown/ no savings account",
        "100 <= ... < 500 DM",
        "500 <= ... < 1000 DM",
        "... >= 1000 DM",
    ),
    (0.45, 0.18, 0.17, 0.10, 0.10),
    0.50,
)
EMPLOYMENT_SINCE = Ordered(
    (
        "unemployed",
        "... < 1 year",
        "1 <= ... < 4 years",
        "4 <= ... < 7 years",
        "... >= 7 years",
    ),
    (0.03, 0.15, 0.34, 0.20, 0.28),
    0.25,
)
PROPERTY = Ordered(
    (
        "unknown / no property",
        "car or other, not in attribute Savings account/bonds",
        "building society savings agreement/ life insurance",
        "real estate",
    ),
    (0.15, 0.33, 0.23, 0.29),
    0.30,
)
ORDERED = (CHECKING, CREDIT_HISTORY, SAVINGS, EMPLOYMENT_SINCE, PROPERTY)
_CUTS = {field.values: field.cuts() for field in ORDERED}

_TENURE_YEARS = {  # the fewest years of work each tenure needs
    "... >= 7 years": 7,
    "4 <= ... < 7 years": 4,
    "1 <= ... < 4 years": 1,
}
JOB_UNSKILLED = "unskilled - resident"
JOB_SKILLED = "skilled employee / official"
JOB_MANAGEMENT = "management/ self-employed/ highly qualified employee/ officer"
JOB_NON_RESIDENT = "unemployed/ unskilled - non-resident"
TELEPHONE_YES = "yes, registered under the customers name"


@dataclass(frozen=True, slots=True)
class Circumstances:
    """What the profile depends on besides creditworthiness. Amounts in yuan: they only shape
    categories here, never a balance."""

    z: float
    age: int
    male: bool
    segment: Segment
    employment: str
    income: int  # monthly, yuan
    debt: int  # existing monthly repayments, yuan
    amount: int  # asked for, yuan
    term: int  # months

    @property
    def burden(self) -> float:
        """Monthly repayments, old and new, as a share of income."""
        return (self.debt + self.amount / self.term) / self.income


def installment_rate(burden: float) -> int:
    """German code 1-4: the higher, the heavier the monthly repayments on income."""
    return 1 + bisect((0.10, 0.20, 0.30), burden)


def personal_status(rng: random.Random, age: int, male: bool) -> str:
    married = rng.random() < min(0.85, max(0.1, (age - 22) / 15))
    if not male:
        return "female : divorced/separated/married" if married else "female : single"
    if married:
        return "male : married/widowed" if rng.random() < 0.85 else "male : divorced/separated"
    return "male : single"


def job(rng: random.Random, c: Circumstances) -> str:
    u, v = rng.random(), rng.random()  # drawn whatever the income: a downturn's cut changes
    # the answer, never the draws that follow
    if c.segment is Segment.SMALL_BUSINESS or c.employment == "self_employed":
        return JOB_MANAGEMENT
    if c.employment == "freelance":
        return JOB_UNSKILLED if u < 0.8 else JOB_NON_RESIDENT
    if c.income >= 15_000 and u < 0.4:
        return JOB_MANAGEMENT
    return JOB_SKILLED if v < 0.8 else JOB_UNSKILLED


def employment_since(rng: random.Random, c: Circumstances) -> str:
    value = EMPLOYMENT_SINCE.draw(rng, c.z, shift=(c.age - 38) / 14)
    years_possible = c.age - 18
    if value in _TENURE_YEARS and years_possible < _TENURE_YEARS[value]:
        return "... < 1 year"
    return value


def housing(rng: random.Random, c: Circumstances) -> str:
    if c.age < 28 and rng.random() < 0.35:
        return "for free"  # living with family
    score = 0.35 * c.z + (c.age - 35) / 15 + math.log(c.income / 8_000) + rng.gauss(0, 1)
    return "own" if score > -0.6 else "rent"


def other_installment_plans(rng: random.Random, c: Circumstances) -> str:
    shares = (0.45, 0.20) if c.debt > 0 else (0.02, 0.03)
    u = rng.random()
    return "bank" if u < shares[0] else "stores" if u < sum(shares) else "none"


def profile(rng: random.Random, c: Circumstances) -> dict[str, str | int]:
    """The profile fields, keyed as in `PROFILE_FIELDS`, for someone in circumstances `c`."""
    wealth = math.log(c.income / 8_000) / 2  # earners above the median save and own more
    guarantor = 0.10 if c.segment is Segment.SMALL_BUSINESS else 0.04
    u = rng.random()
    return {
        "status_of_existing_checking_account": CHECKING.draw(rng, c.z),
        "credit_history": CREDIT_HISTORY.draw(rng, c.z),
        "savings_account_and_bonds": SAVINGS.draw(rng, c.z, shift=wealth),
        "present_employment_since": employment_since(rng, c),
        "installment_rate_in_percentage_of_disposable_income": installment_rate(c.burden),
        "personal_status_and_sex": personal_status(rng, c.age, c.male),
        "other_debtors_or_guarantors": (
            "guarantor" if u < guarantor else "co-applicant" if u < guarantor + 0.04 else "none"
        ),
        "present_residence_since": min(4, max(1, round((c.age - 18) / 8 + rng.gauss(0, 1)))),
        "property": PROPERTY.draw(rng, c.z, shift=wealth + (c.age - 38) / 25),
        "other_installment_plans": other_installment_plans(rng, c),
        "housing": housing(rng, c),
        "number_of_existing_credits_at_this_bank": (
            1 if rng.random() < (0.45 if c.debt > 0 else 0.75) else rng.choice((2, 2, 2, 3, 4))
        ),
        "job": job(rng, c),
        "number_of_people_being_liable_to_provide_maintenance_for": (
            2 if 30 <= c.age <= 55 and rng.random() < 0.25 else 1
        ),
        "telephone": TELEPHONE_YES if rng.random() < 0.3 + 0.1 * c.z + wealth / 2 else "none",
        "foreign_worker": "yes" if rng.random() < 0.01 else "no",
    }


__all__ = ["Circumstances", "Ordered", "installment_rate", "profile"]
