"""A compiled policy and what it decides: the outcome, the stages' trace, the offer.

The policy document is compiled once (`decision.compiler`) into a `CompiledPolicy`, which
`decision.evaluate` runs on an application's facts to a `PolicyDecision`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import ROUND_CEILING, Decimal
from enum import StrEnum

from fengkong.core.money import Fen
from fengkong.core.reason import Reason
from fengkong.decision.conditions import Condition
from fengkong.decision.jdm import JdmTable
from fengkong.decision.pricing import Offer, PriceCap
from fengkong.lending.product import Product

Facts = Mapping[str, object]


class PolicyOutcome(StrEnum):
    """What a policy decides; precedence decline > verify > refer > approve_secured > approve."""

    APPROVE = "approve"
    DECLINE = "decline"
    REFER = "refer"
    VERIFY = "verify"  # step-up: an extra identity check before the decision completes
    APPROVE_IF_SECURED = "approve_secured"  # an offer conditional on collateral or a guarantor


@dataclass(frozen=True, slots=True)
class StageTrace:
    """What one stage read and what it did."""

    stage: str
    saw: tuple[tuple[str, object], ...]  # the facts the stage may read, as it found them
    did: str  # pass, decline, refer, verify, assign, adjust
    fired: tuple[str, ...] = ()  # reason codes raised by the stage
    detail: tuple[tuple[str, str], ...] = ()


class SecurityKind(StrEnum):
    GUARANTOR = "guarantor"  # 保证人
    COLLATERAL = "collateral"  # 抵质押物


@dataclass(frozen=True, slots=True)
class SecurityRequirement:
    """What an approve-if-secured offer asks for: any one of `accepts` completes it.

    Collateral: its lending value (latest valuation × (1 − haircut)) must reach
    `collateral_min_value` and keep the offer's LTV (amount / lending value) at or under
    `collateral_max_ltv`. A guarantor: of an allowed kind, not the applicant, stating at least
    `guarantor_min_income` a month, and guaranteeing no more than `guarantor_max_exposure` with
    this loan. Unregistered after `within_days`, the offer lapses."""

    name: str
    reason: Reason
    accepts: tuple[SecurityKind, ...]
    collateral_max_ltv: Decimal | None = None
    collateral_min_value: Fen | None = None
    guarantor_kinds: tuple[str, ...] = ("individual", "company")
    guarantor_min_income: Fen | None = None
    guarantor_max_exposure: Fen | None = None
    within_days: int = 14


@dataclass(frozen=True, slots=True)
class UnsecuredMax:
    """The most lent without security; a larger limit needs `requires`."""

    amount: Fen
    requires: str


@dataclass(frozen=True, slots=True)
class SecurityCondition:
    """The condition on one offer: the requirement, the amount it secures, and why it applies
    ("score_band": the applicant's score is in a secured band; "unsecured_max": the limit is
    above what is lent unsecured)."""

    requirement: SecurityRequirement
    amount: Fen
    why: str

    @property
    def min_lending_value(self) -> Fen | None:
        """The least collateral lending value that meets both the minimum and the LTV."""
        req = self.requirement
        if SecurityKind.COLLATERAL not in req.accepts:
            return None
        floor = int(req.collateral_min_value or 0)
        if req.collateral_max_ltv is not None:
            by_ltv = Decimal(self.amount) / req.collateral_max_ltv
            floor = max(floor, int(by_ltv.to_integral_value(rounding=ROUND_CEILING)))
        return Fen(floor)

    def as_dict(self) -> dict[str, object]:
        """The condition as recorded on the decision and offered to the applicant."""
        req = self.requirement
        collateral = None
        if SecurityKind.COLLATERAL in req.accepts:
            collateral = {
                "max_ltv": None if req.collateral_max_ltv is None else str(req.collateral_max_ltv),
                "min_value_fen": None
                if req.collateral_min_value is None
                else int(req.collateral_min_value),
                "min_lending_value_fen": self.min_lending_value,
            }
        guarantor = None
        if SecurityKind.GUARANTOR in req.accepts:
            guarantor = {
                "kinds": list(req.guarantor_kinds),
                "min_monthly_income_fen": None
                if req.guarantor_min_income is None
                else int(req.guarantor_min_income),
                "max_exposure_fen": None
                if req.guarantor_max_exposure is None
                else int(req.guarantor_max_exposure),
            }
        return {
            "requirement": req.name,
            "accepts": [k.value for k in req.accepts],
            "amount_fen": int(self.amount),
            "why": self.why,
            "code": req.reason.code,
            "text_en": req.reason.text_en,
            "text_zh": req.reason.text_zh,
            "collateral": collateral,
            "guarantor": guarantor,
            "within_days": req.within_days,
        }


@dataclass(frozen=True, slots=True)
class PolicyDecision:
    """A policy's decision on one application: outcome, limit, price, reasons, the trace."""

    outcome: PolicyOutcome
    limit: Fen | None
    annual_rate: Decimal | None
    term: int | None
    reasons: tuple[Reason, ...]
    trace: tuple[StageTrace, ...]
    policy: str  # "<id>-v<version>"
    policy_sha256: str
    offer: Offer | None = None  # set on approve, and on refer when a limit and price were found
    step_up: str | None = None  # the check a verify outcome asks for, e.g. "liveness"
    review_due_hours: int | None = None  # on refer: how long the review queue has
    security: SecurityCondition | None = None  # on approve_secured: what must be registered


@dataclass(frozen=True, slots=True)
class PolicyRule:
    """A knock-out or fraud rule: when `condition` holds, `outcome` with `reason`."""

    code: str
    condition: Condition
    reason: Reason
    outcome: PolicyOutcome = PolicyOutcome.DECLINE
    check: str | None = None


@dataclass(frozen=True, slots=True)
class Band:
    """A half-open range [low, high) of a score or a debt-to-income, and what it decides."""

    low: Decimal | int
    high: Decimal | int
    name: str = ""
    outcome: PolicyOutcome = PolicyOutcome.APPROVE
    reason: Reason | None = None
    requires: str | None = None  # on approve_secured: the security requirement's name


@dataclass(frozen=True, slots=True)
class Segment:
    """Applicants the `condition` picks (all, when None) and their score cut-off bands."""

    name: str
    condition: Condition | None
    bands: tuple[Band, ...]


@dataclass(frozen=True, slots=True)
class LimitAdjustment:
    """`limits.adjust`: when `condition` holds, the limit matrix's cell is multiplied by
    `factor` (below 1 cuts, above 1 raises), with `reason`. A condition that cannot be decided
    (a fact missing) applies a cut and withholds a raise."""

    code: str
    condition: Condition
    factor: Decimal
    reason: Reason


@dataclass(frozen=True, slots=True)
class SourceAsk:
    """External data the policy asks for (`sources:`): a kind (`sources.kinds.SourceKind`'s
    value), whether the decision may go on without it (a required one missing refers), and the
    condition over the application's facts under which it is fetched (always, when None)."""

    kind: str
    required: bool = False
    condition: Condition | None = None


# The registry name of the model that scores a policy that names none (`model:`): the consumer
# application model, as before policies named theirs.
CONSUMER_MODEL = "application"


@dataclass(frozen=True, slots=True)
class CompiledPolicy:
    """A policy document, checked and compiled: every stage ready to evaluate."""

    id: str
    version: int
    author: str
    description: str
    sha256: str  # of the document text: what a stored decision pins
    product: Product
    cap: PriceCap
    on_breach: tuple[str, ...]
    knock_outs: tuple[PolicyRule, ...]
    fraud_rules: tuple[PolicyRule, ...]
    fraud_tables: tuple[tuple[str, JdmTable], ...]
    segments: tuple[Segment, ...]
    score_range: tuple[int | Decimal, int | Decimal]
    score_bands: tuple[Band, ...]
    affordability: tuple[Band, ...]
    matrix: Mapping[tuple[str, str], Fen]
    max_exposure: Fen | None
    pricing: Mapping[str, Decimal]
    review_due_hours: int
    reads: Mapping[str, tuple[str, ...]] = field(default_factory=dict)  # stage → facts
    security: Mapping[str, SecurityRequirement] = field(default_factory=dict)  # by name
    unsecured_max: UnsecuredMax | None = None
    # External data to fetch before evaluating, in the document's order; none: the decision
    # reads the application alone, as before the section existed.
    sources: tuple[SourceAsk, ...] = ()
    limit_adjustments: tuple[LimitAdjustment, ...] = ()
    # The registry name whose champion scores the applications this policy decides (`model:`).
    model: str = CONSUMER_MODEL

    @property
    def label(self) -> str:
        return f"{self.id}-v{self.version}"

    @property
    def facts_needed(self) -> tuple[str, ...]:
        seen: dict[str, None] = {}
        for names in self.reads.values():
            seen.update(dict.fromkeys(names))
        return tuple(seen)
