"""A compiled policy and what it decides: the outcome, the stages' trace, the offer.

The policy document is compiled once (`decision.compiler`) into a `CompiledPolicy`, which
`decision.evaluate` runs on an application's facts to a `PolicyDecision`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum

from fengkong.core.money import Fen
from fengkong.core.reason import Reason
from fengkong.decision.conditions import Condition
from fengkong.decision.jdm import JdmTable
from fengkong.decision.pricing import Offer, PriceCap
from fengkong.lending.product import Product

Facts = Mapping[str, object]


class PolicyOutcome(StrEnum):
    """What a policy decides; precedence decline > verify > refer > approve."""

    APPROVE = "approve"
    DECLINE = "decline"
    REFER = "refer"
    VERIFY = "verify"  # step-up: an extra identity check before the decision completes


@dataclass(frozen=True, slots=True)
class StageTrace:
    """What one stage read and what it did."""

    stage: str
    saw: tuple[tuple[str, object], ...]  # the facts the stage may read, as it found them
    did: str  # pass, decline, refer, verify, assign, adjust
    fired: tuple[str, ...] = ()  # reason codes raised by the stage
    detail: tuple[tuple[str, str], ...] = ()


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
    # External data to fetch before evaluating, in the document's order; none: the decision
    # reads the application alone, as before the section existed.
    sources: tuple[SourceAsk, ...] = ()
    limit_adjustments: tuple[LimitAdjustment, ...] = ()

    @property
    def label(self) -> str:
        return f"{self.id}-v{self.version}"

    @property
    def facts_needed(self) -> tuple[str, ...]:
        seen: dict[str, None] = {}
        for names in self.reads.values():
            seen.update(dict.fromkeys(names))
        return tuple(seen)
