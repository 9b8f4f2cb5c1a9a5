"""How simulated borrowers repay: their probability of default, and what each one does about each
instalment as it falls due.

A borrower's `Behaviour` is drawn once, when they are drawn (`sim.population`): they roll to
default with their 12-month PD, otherwise they pay steadily, now and then late, settle early, or
miss a spell and cure. A scenario's shock comes on top: in each month it is active a borrower who
still pays turns defaulter with an extra hazard `h(z) · (multiplier − 1)`, `h` being their base
monthly hazard; once turned they never pay that loan again.

Every answer is a pure function of its arguments: the draws behind a loan come from a generator
seeded by `(seed, applicant.key, loan)`, so asking about instalment 7 twice, or without having
asked about 1 to 6, gives the same answer, and a resumed run repeats an interrupted one.

Instalments are taken to fall due monthly: instalment `j` of a loan whose instalment `n` falls
due in run month `m` fell due in month `m − (n − j)`. The behaviour's own timing (when a
defaulter stops, when a settler settles, when a cured borrower's spell comes) is laid out over
the term the applicant asked for."""

from __future__ import annotations

import math
import random
from decimal import Decimal

from fengkong.sim.model import Applicant, Behaviour, Repayment, Scenario, Segment
from fengkong.sim.scenarios import BASELINE

# PD = logistic(ALPHA − BETA·z + GAMMA·(burden − BURDEN_MEDIAN) + small business premium): an
# honest bad rate of about 12 % with a separation a scorecard can partly recover from the profile.
ALPHA = -2.5
BETA = 1.3
GAMMA = 1.5
BURDEN_MEDIAN = 0.30
SMALL_BUSINESS_PREMIUM = 0.25
PD_HORIZON_MONTHS = 12

ON_TIME = Repayment(days_late=0)
MISSED = Repayment(days_late=None)


def debt_to_income(income: int, debt: int, amount: int, term: int) -> float:
    """Monthly repayments, existing and asked for (straight-line), as a share of monthly income;
    any one unit of money, the same for all four."""
    return (debt + amount / term) / max(income, 1)


def base_pd(z: float, burden: float, segment: Segment) -> float:
    """The 12-month probability of default of an honest borrower with creditworthiness `z` and
    debt-to-income `burden`, in a calm economy."""
    logit = ALPHA - BETA * z + GAMMA * (min(burden, 1.5) - BURDEN_MEDIAN)
    if segment is Segment.SMALL_BUSINESS:
        logit += SMALL_BUSINESS_PREMIUM
    return 1 / (1 + math.exp(-logit))


def monthly_hazard(pd_12: float) -> float:
    """The constant monthly hazard that compounds to `pd_12` over twelve months."""
    return 1 - math.pow(1 - pd_12, 1 / PD_HORIZON_MONTHS)


def _applicant_pd(applicant: Applicant) -> float:
    burden = debt_to_income(
        applicant.monthly_income,
        applicant.existing_monthly_debt,
        applicant.amount,
        applicant.term_months,
    )
    return base_pd(applicant.creditworthiness, burden, applicant.segment)


def approximate_month(day: int) -> int:
    """The run month a simulated day falls in, when the run's first date is not at hand."""
    return int(day / 30.4375)


def probability_of_default(
    applicant: Applicant, scenario: Scenario = BASELINE, *, month: int | None = None
) -> float:
    """The probability that `applicant` defaults within twelve months of borrowing in run month
    `month` (by default the month of their application day, counted in average months), under
    `scenario`: their base PD with the scenario's extra hazard in each active month. A fraudster
    never pays: 1."""
    if applicant.is_fraud:
        return 1.0
    pd_12 = _applicant_pd(applicant)
    first = approximate_month(applicant.day) if month is None else month
    h = monthly_hazard(pd_12)
    survive = 1 - pd_12
    for m in range(first, first + PD_HORIZON_MONTHS):
        survive *= 1 - min(1.0, h * (scenario.hazard(m, applicant.segment) - 1))
    return 1 - survive


def _loan_rng(seed: int, applicant: Applicant, loan: int, what: str) -> random.Random:
    return random.Random(f"{seed}/{applicant.key}/{loan}/{what}")


def shock_instalment(
    applicant: Applicant, *, loan: int, instalment: int, month: int, scenario: Scenario, seed: int
) -> int | None:
    """The first instalment, up to `instalment` (due in run month `month`), at which the
    scenario's shock turned the borrower defaulter; None when it has not (yet)."""
    first_month = month - (instalment - 1)
    if not any(scenario.hazard(first_month + j, applicant.segment) > 1 for j in range(instalment)):
        return None
    h = monthly_hazard(_applicant_pd(applicant))
    rng = _loan_rng(seed, applicant, loan, "shock")
    for j in range(1, instalment + 1):
        u = rng.random()  # one draw per instalment, whatever the month: the sequence is fixed
        extra = h * (scenario.hazard(first_month + j - 1, applicant.segment) - 1)
        if u < extra:
            return j
    return None


def default_instalment(applicant: Applicant, loan: int, seed: int) -> int:
    """A defaulter's first missed instalment: after paying k of them, k often 0 to 3, always
    within the term and the first twelve months."""
    horizon = max(1, min(applicant.term_months, PD_HORIZON_MONTHS))
    rng = _loan_rng(seed, applicant, loan, "default")
    paid = rng.choices((0, 1, 2, 3, rng.randint(4, 11)), (30, 25, 20, 12, 13))[0]
    return min(paid, horizon - 1) + 1


def _occasionally_late(rng: random.Random) -> Repayment:
    u = rng.random()
    if u < 0.14:
        return Repayment(days_late=rng.randint(3, 25))
    if u < 0.22:
        share = Decimal(rng.randint(30, 70)) / 100
        return Repayment(days_late=rng.choice((0, 0, rng.randint(1, 20))), share=share)
    return ON_TIME


def _settles_at(applicant: Applicant, loan: int, seed: int) -> int:
    term = max(1, applicant.term_months)
    rng = _loan_rng(seed, applicant, loan, "settle")
    return rng.randint(max(1, term // 4), max(1, term - 1))


def _cure_spell(applicant: Applicant, loan: int, seed: int) -> tuple[int, int]:
    """The first missed instalment and how many in a row are missed before the catch-up."""
    term = max(2, applicant.term_months)
    rng = _loan_rng(seed, applicant, loan, "spell")
    length = min(rng.randint(1, 3), term - 1)
    return rng.randint(1, term - length), length


def repayment(
    applicant: Applicant,
    *,
    loan: int,
    instalment: int,
    month: int,
    scenario: Scenario,
    seed: int,
    shocks: bool = True,
) -> Repayment:
    """What `applicant` does about instalment `instalment` (1 = the first) of their `loan`-th
    loan (0 = the first; each draw on a line is a loan), falling due in run month `month`.
    `shocks=False` for a borrower whose behaviour was drawn from a PD that has the economy in it
    already (a small business's, `sim.business.SmallBusiness.pd`): no shock on top of it."""
    if instalment < 1 or loan < 0:
        raise ValueError("instalments count from 1 and loans from 0")
    if applicant.is_fraud:
        return MISSED
    shocked = (
        shock_instalment(
            applicant, loan=loan, instalment=instalment, month=month, scenario=scenario, seed=seed
        )
        if shocks
        else None
    )
    behaviour = applicant.behaviour
    if behaviour is Behaviour.ROLLS_TO_DEFAULT:
        first_miss = default_instalment(applicant, loan, seed)
        if shocked is not None:
            first_miss = min(first_miss, shocked)
        return MISSED if instalment >= first_miss else ON_TIME
    if shocked is not None:
        return MISSED
    if behaviour is Behaviour.OCCASIONALLY_LATE:
        return _occasionally_late(_loan_rng(seed, applicant, loan, f"late/{instalment}"))
    if behaviour is Behaviour.EARLY_SETTLER:
        return Repayment(days_late=0, settle=instalment == _settles_at(applicant, loan, seed))
    if behaviour is Behaviour.CURED:
        start, length = _cure_spell(applicant, loan, seed)
        if start <= instalment < start + length:
            return MISSED
        return ON_TIME  # share 1 of what is due, arrears included: the catch-up
    return ON_TIME


__all__ = [
    "base_pd",
    "debt_to_income",
    "default_instalment",
    "monthly_hazard",
    "probability_of_default",
    "repayment",
    "shock_instalment",
]
