"""One evaluation of a policy as it runs: the reasons in order, each stage's trace, whether it
refers so far, and the `PolicyDecision` assembled from them when a stage or the end says so.

Also the rules every stage shares: a fact the application lacks, or one of the wrong kind, refers
with a reason naming it (a missing fact never approves).
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from enum import Enum
from typing import Any

from fengkong.core.money import Fen
from fengkong.core.reason import Reason
from fengkong.decision.conditions import MissingFact
from fengkong.decision.policy import (
    Band,
    CompiledPolicy,
    Facts,
    PolicyDecision,
    PolicyOutcome,
    PolicyRule,
    SecurityCondition,
    StageTrace,
)
from fengkong.decision.pricing import Offer


class Stop(Enum):
    DECLINE = "decline"  # a stage declined: evaluation ends


def missing_reason(name: str) -> Reason:
    return Reason(
        "POL_MISSING_FACT",
        f"The policy needs '{name}', which the application lacks; an officer must review it",
        f"策略所需信息“{name}”缺失，需人工审核",
    )


def wrong_kind_reason(names: Sequence[str]) -> Reason:
    listed = ", ".join(names)
    return Reason(
        "POL_FACT_WRONG_KIND",
        f"A fact has a value of the wrong kind (one of: {listed}); an officer must review it",
        f"信息类型不符（{listed}），需人工审核",
    )


def facts_seen(facts: Facts, names: tuple[str, ...]) -> tuple[tuple[str, object], ...]:
    """The facts a stage may read, as it found them (None for a missing one)."""
    return tuple((name, facts.get(name)) for name in names)


class PolicyRun:
    """One evaluation's running state: reasons in order, the trace, referrals so far."""

    __slots__ = ("explained", "policy", "reasons", "refer", "secured", "trace")

    def __init__(self, policy: CompiledPolicy) -> None:
        self.policy = policy
        self.reasons: list[Reason] = []
        self.trace: list[StageTrace] = []
        self.refer = False
        # Facts whose absence a reason already explains (a source that gave nothing): a rule
        # that needs one still refers, without a second "missing" reason.
        self.explained: tuple[str, ...] = ()
        # (requirement name, why) once a stage makes the offer conditional on security
        self.secured: tuple[str, str] | None = None

    def outcome(self) -> PolicyOutcome:
        """What the stages so far decide, absent a decline: refer > approve_secured > approve."""
        if self.refer:
            return PolicyOutcome.REFER
        return PolicyOutcome.APPROVE_IF_SECURED if self.secured else PolicyOutcome.APPROVE

    def decision(
        self,
        outcome: PolicyOutcome,
        *,
        term: int | None = None,
        offer: Offer | None = None,
        limit: Fen | None = None,
        rate: Decimal | None = None,
        step_up: str | None = None,
    ) -> PolicyDecision:
        amount = offer.amount if offer else limit
        security = None
        if outcome is PolicyOutcome.APPROVE_IF_SECURED and self.secured and amount is not None:
            name, why = self.secured
            security = SecurityCondition(self.policy.security[name], amount, why)
        return PolicyDecision(
            outcome=outcome,
            limit=offer.amount if offer else limit,
            annual_rate=offer.annual_rate if offer else rate,
            term=term,
            reasons=tuple(self.reasons),
            trace=tuple(self.trace),
            policy=self.policy.label,
            policy_sha256=self.policy.sha256,
            offer=offer,
            step_up=step_up,
            review_due_hours=self.policy.review_due_hours
            if outcome is PolicyOutcome.REFER
            else None,
            security=security,
        )


def fire(
    rules: tuple[PolicyRule, ...], facts: Facts
) -> tuple[list[PolicyRule], list[str], list[str]]:
    """Rules whose condition holds, names of missing facts, names of facts of the wrong kind."""
    fired: list[PolicyRule] = []
    missing: list[str] = []
    wrong: list[str] = []
    for rule in rules:
        try:
            if rule.condition.test(facts):
                fired.append(rule)
        except MissingFact as exc:
            if exc.name not in missing:
                missing.append(exc.name)
        except TypeError:
            wrong.extend(n for n in rule.condition.reads if n not in wrong)
    return fired, missing, wrong


def note_unknowns(run: PolicyRun, missing: list[str], wrong: list[str]) -> list[str]:
    codes: list[str] = []
    for name in missing:
        if name in run.explained:
            codes.append("POL_SOURCE_ABSENT")
            continue
        run.reasons.append(missing_reason(name))
        codes.append("POL_MISSING_FACT")
    if wrong:
        run.reasons.append(wrong_kind_reason(wrong))
        codes.append("POL_FACT_WRONG_KIND")
    if codes:
        run.refer = True
    return codes


def int_or_none(value: object) -> int | None:
    """`value` when it is a whole number (a bool is not), else None."""
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def in_band(bands: tuple[Band, ...], value: Any) -> Band | None:
    """The half-open band [low, high) holding `value`, if any."""
    for band in bands:
        if band.low <= value < band.high:
            return band
    return None
