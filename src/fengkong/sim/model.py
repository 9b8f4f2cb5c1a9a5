"""The simulated world's vocabulary: who applies (`Applicant`), how they will repay
(`Behaviour`, `Repayment`), whether they are honest (`FraudKind`), and what the economy does
(`Scenario`). Plain data: the population draws it, the lifecycle engine acts on it through the
platform's own use cases."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum

from fengkong.core.money import Fen

NO_COLLATERAL = Fen(0)


class Segment(StrEnum):
    INDIVIDUAL = "individual"
    SMALL_BUSINESS = "small_business"  # a sole trader or small company owner borrowing for it


class Behaviour(StrEnum):
    """How a borrower repays, decided when they are drawn (a downturn may still tip a payer into
    default later: `Scenario.hazard_multiplier`)."""

    STEADY = "steady"  # pays every instalment on its due date
    OCCASIONALLY_LATE = "occasionally_late"  # now and then pays days or weeks late, or in part
    ROLLS_TO_DEFAULT = "rolls_to_default"  # pays a few instalments, then never again
    EARLY_SETTLER = "early_settler"  # pays off the whole loan before its term ends
    CURED = "cured"  # misses long enough to reach collections, then catches up


class FraudKind(StrEnum):
    NONE = "none"
    RING = "ring"  # members share devices, phones, cards or addresses; never repay
    IDENTITY_THIEF = "identity_thief"  # someone else's identity, own phone and device; never repays


@dataclass(frozen=True, slots=True)
class Identity:
    """Who the application says the applicant is: valid (check digits hold) but synthetic."""

    name: str
    id_number: str
    phone: str
    bank_card: str
    device_id: str
    ip: str
    address: str
    employer_uscc: str | None = None  # the business's, or the employer's, unified credit code


@dataclass(frozen=True, slots=True)
class Applicant:
    """One person (or small-business owner) who applies on simulated day `day`."""

    key: str  # unique in a seeded population, stable across runs: "d0042-007"
    day: int  # the simulated day they apply on, 0 = the run's first
    segment: Segment
    age: int
    region: str
    industry: str
    employment: str
    monthly_income: Fen
    existing_monthly_debt: Fen
    amount: Fen  # asked for
    term_months: int  # asked for
    purpose: str  # one of the codebook's purposes
    # The German-credit-shaped attributes the models see (`features.application.PROFILE_FIELDS`).
    profile: Mapping[str, str | int]
    creditworthiness: float  # latent, higher is better: drives the profile and the behaviour
    behaviour: Behaviour
    identity: Identity
    fraud: FraudKind = FraudKind.NONE
    ring: int | None = None  # the ring's number, for ring members
    wants_line: bool = False  # asks for a revolving credit line rather than a one-off loan
    # Collateral offered (small businesses): its value today, in fen; 0 for none.
    collateral_value: Fen = NO_COLLATERAL

    @property
    def is_fraud(self) -> bool:
        return self.fraud is not FraudKind.NONE


@dataclass(frozen=True, slots=True)
class Repayment:
    """What a borrower does about one instalment when it falls due."""

    days_late: int | None  # pays this many days after the due date (0: on it); None: never
    share: Decimal = Decimal(1)  # of what is due then, arrears included (below 1: in part)
    settle: bool = False  # pays the whole loan off that day instead

    @property
    def misses(self) -> bool:
        return self.days_late is None


@dataclass(frozen=True, slots=True)
class Scenario:
    """The economy a run plays out in. From `starts_month` (0 = the run's first month) default
    hazard is multiplied by segment (`hazard_multiplier`), newcomers' incomes are cut by
    `income_cut` and collateral values by `collateral_cut`."""

    name: str
    starts_month: int | None = None
    hazard_multiplier: Mapping[Segment, float] = field(default_factory=dict)
    income_cut: Decimal = Decimal(0)
    collateral_cut: Decimal = Decimal(0)
    description: str = ""

    def active(self, month: int) -> bool:
        return self.starts_month is not None and month >= self.starts_month

    def hazard(self, month: int, segment: Segment) -> float:
        """The factor on a borrower's default hazard in `month`."""
        return self.hazard_multiplier.get(segment, 1.0) if self.active(month) else 1.0


__all__ = [
    "Applicant",
    "Behaviour",
    "FraudKind",
    "Identity",
    "Repayment",
    "Scenario",
    "Segment",
]
