"""Delinquency: days past due, buckets, the five-tier classification and write-off.

- An instalment is past due from the day after its due date while any of its principal,
  scheduled interest or fees is unpaid (penalty interest alone does not count); an amount at or
  below `tolerance` fen is ignored, so a stray fen does not keep a loan delinquent.
- A loan's days past due (DPD, 逾期天数) are those of its oldest unpaid instalment; a loan no longer
  active (settled, written off) and its instalments are 0 days past due.
- A loan is aged as of the date its state is accrued through (`LoanState.accrued_through`: the
  last end of day, repayment or booking), never as of whatever day a reader looks:
  `delinquency` gives that one answer (per instalment, the loan's DPD, bucket and class), and
  the stored columns, the loan views, end of day and the line triggers all take it from there.
- Buckets and classes are data: a tuple of (name, lowest DPD), increasing, starting at 0.
- Classification (五级分类) follows the DPD tiers, then any event floors: a loan restructured
  within the observation period (a year, per the 2023 rules on financial asset risk
  classification) is at least substandard; a written-off loan is loss.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, timedelta
from enum import StrEnum
from itertools import pairwise

from fengkong.core.errors import Conflict, FieldError, Invalid
from fengkong.core.money import Fen
from fengkong.lending.accrual import accrue
from fengkong.lending.loan import (
    InstalmentPosition,
    LoanState,
    LoanStatus,
    Transition,
    WrittenOff,
    require_active,
    require_not_backdated,
)

NO_TOLERANCE = Fen(0)


def instalment_days_past_due(
    position: InstalmentPosition, on: date, tolerance: Fen = NO_TOLERANCE
) -> int:
    if position.due >= on or position.scheduled_unpaid <= tolerance:
        return 0
    return (on - position.due).days


def worst_days_past_due(state: LoanState, tolerance: Fen = NO_TOLERANCE) -> int:
    """The most days past due the loan has been, as far as its state remembers. Between two
    repayments a loan's DPD only grows, so its worst is reached on the day of a repayment (before
    it was applied: the state keeps the positions it replaced) or now. What a restructuring
    replaced is not kept: days past due before one are not seen; a written-off loan was at least
    the write-off threshold, which its status says."""
    worst = days_past_due(state, state.accrued_through, tolerance)
    for repayment in state.repayments:
        before = replace(state, positions=repayment.prior_positions, status=LoanStatus.ACTIVE)
        worst = max(worst, days_past_due(before, repayment.on, tolerance))
    return worst


def oldest_unpaid_due(state: LoanState, on: date, tolerance: Fen = NO_TOLERANCE) -> date | None:
    past_due = [p.due for p in state.positions if instalment_days_past_due(p, on, tolerance) > 0]
    return min(past_due, default=None)


def days_past_due(state: LoanState, on: date, tolerance: Fen = NO_TOLERANCE) -> int:
    """The loan's DPD on `on`: days since its oldest unpaid due date, 0 when none is unpaid."""
    if state.status is not LoanStatus.ACTIVE:
        return 0
    oldest = oldest_unpaid_due(state, on, tolerance)
    return 0 if oldest is None else (on - oldest).days


# ---- buckets --------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Tier:
    """A named DPD range starting at `min_dpd`; it ends where the next tier starts."""

    name: str
    min_dpd: int


def check_tiers(tiers: tuple[Tier, ...], loc: str) -> None:
    if not tiers or tiers[0].min_dpd != 0:
        raise Invalid((FieldError((loc,), "tiers must start at 0 days past due"),))
    if any(a.min_dpd >= b.min_dpd for a, b in pairwise(tiers)):
        raise Invalid((FieldError((loc,), "tier thresholds must increase"),))
    if len({t.name for t in tiers}) != len(tiers):
        raise Invalid((FieldError((loc,), "tier names must be unique"),))


def tier_for(dpd: int, tiers: tuple[Tier, ...]) -> Tier:
    if dpd < 0:
        raise Invalid((FieldError(("days_past_due",), f"must be ≥ 0: {dpd}"),))
    found = tiers[0]
    for tier in tiers:
        if dpd >= tier.min_dpd:
            found = tier
    return found


DEFAULT_BUCKETS = (
    Tier("M0", 0),  # current
    Tier("M1", 1),  # 1-30
    Tier("M2", 31),  # 31-60
    Tier("M3", 61),  # 61-90
    Tier("M3+", 91),  # 91 and over
)


def dpd_bucket(dpd: int, buckets: tuple[Tier, ...] = DEFAULT_BUCKETS) -> str:
    check_tiers(buckets, "buckets")
    return tier_for(dpd, buckets).name


# ---- five-tier classification ---------------------------------------------------------------


class LoanClass(StrEnum):
    NORMAL = "normal"  # 正常
    SPECIAL_MENTION = "special_mention"  # 关注
    SUBSTANDARD = "substandard"  # 次级
    DOUBTFUL = "doubtful"  # 可疑
    LOSS = "loss"  # 损失

    @property
    def rank(self) -> int:
        return list(LoanClass).index(self)


@dataclass(frozen=True, slots=True)
class ClassificationRules:
    """DPD tiers (names are `LoanClass` values) and the event floors."""

    tiers: tuple[Tier, ...] = (
        Tier(LoanClass.NORMAL, 0),
        Tier(LoanClass.SPECIAL_MENTION, 1),
        Tier(LoanClass.SUBSTANDARD, 91),
        Tier(LoanClass.DOUBTFUL, 181),
        Tier(LoanClass.LOSS, 361),
    )
    restructured_floor: LoanClass = LoanClass.SUBSTANDARD
    restructured_observation_days: int = 365

    def __post_init__(self) -> None:
        check_tiers(self.tiers, "tiers")
        for index, tier in enumerate(self.tiers):
            if tier.name not in set(LoanClass):
                raise Invalid((FieldError(("tiers", index), f"not a loan class: {tier.name!r}"),))
        if self.restructured_observation_days < 0:
            raise Invalid((FieldError(("restructured_observation_days",), "must be ≥ 0"),))


DEFAULT_CLASSIFICATION = ClassificationRules()


def classify(
    dpd: int,
    *,
    restructured: bool = False,
    written_off: bool = False,
    rules: ClassificationRules = DEFAULT_CLASSIFICATION,
) -> LoanClass:
    """The class DPD gives, raised to any floor the events impose."""
    found = LoanClass(tier_for(dpd, rules.tiers).name)
    if restructured and found.rank < rules.restructured_floor.rank:
        found = rules.restructured_floor
    if written_off:
        found = LoanClass.LOSS
    return found


def classify_loan(
    state: LoanState,
    on: date,
    rules: ClassificationRules = DEFAULT_CLASSIFICATION,
    tolerance: Fen = NO_TOLERANCE,
) -> LoanClass:
    window = timedelta(days=rules.restructured_observation_days)
    restructured = any(on - r.on <= window for r in state.restructurings if r.on <= on)
    return classify(
        days_past_due(state, on, tolerance),
        restructured=restructured,
        written_off=state.status is LoanStatus.WRITTEN_OFF,
        rules=rules,
    )


# ---- one answer per loan ------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Delinquency:
    """Where a loan stands as of `as_of`: each instalment's DPD (in schedule order), the loan's
    DPD (the largest of them), its bucket and its five-tier class."""

    as_of: date
    instalments: tuple[int, ...]
    days_past_due: int
    bucket: str
    loan_class: LoanClass


def delinquency(
    state: LoanState,
    buckets: tuple[Tier, ...] = DEFAULT_BUCKETS,
    rules: ClassificationRules = DEFAULT_CLASSIFICATION,
    tolerance: Fen = NO_TOLERANCE,
) -> Delinquency:
    """The loan aged as of the date its state is accrued through: the one definition every view,
    end of day and the stored columns use."""
    on = state.accrued_through
    active = state.status is LoanStatus.ACTIVE
    each = tuple(
        instalment_days_past_due(p, on, tolerance) if active else 0 for p in state.positions
    )
    dpd = max(each, default=0)
    return Delinquency(
        as_of=on,
        instalments=each,
        days_past_due=dpd,
        bucket=dpd_bucket(dpd, buckets),
        loan_class=classify_loan(state, on, rules, tolerance),
    )


# ---- write-off ----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class WriteOffPolicy:
    min_days_past_due: int = 180

    def __post_init__(self) -> None:
        if self.min_days_past_due < 1:
            raise Invalid((FieldError(("min_days_past_due",), "must be ≥ 1"),))


DEFAULT_WRITE_OFF = WriteOffPolicy()


class NotEligibleForWriteOff(Conflict):
    pass


def write_off_eligible(
    state: LoanState, on: date, policy: WriteOffPolicy = DEFAULT_WRITE_OFF
) -> bool:
    return (
        state.status is LoanStatus.ACTIVE and days_past_due(state, on) >= policy.min_days_past_due
    )


def write_off(
    state: LoanState, on: date, reason: str, policy: WriteOffPolicy | None = DEFAULT_WRITE_OFF
) -> Transition:
    """核销 what is charged and unpaid, after accruing through `on`. With `policy` None an officer
    writes off regardless of DPD (fraud, death, bankruptcy); the reason says why."""
    require_active(state, "write off")
    require_not_backdated(state, on, "write off")
    if not isinstance(reason, str) or not reason.strip():
        raise Invalid((FieldError(("reason",), "a write-off needs a reason"),))
    accrued = accrue(state, on)
    before = accrued.state
    if policy is not None and not write_off_eligible(before, on, policy):
        raise NotEligibleForWriteOff(
            f"loan {state.loan_id} is {days_past_due(before, on)} days past due; write-off "
            f"needs {policy.min_days_past_due}"
        )
    if before.outstanding.total == 0:
        raise NotEligibleForWriteOff(f"loan {state.loan_id} has nothing charged to write off")
    after = replace(
        before, status=LoanStatus.WRITTEN_OFF, closed_on=on, revision=before.revision + 1
    )
    return Transition(after, (*accrued.events, WrittenOff(on, before.outstanding, reason.strip())))
