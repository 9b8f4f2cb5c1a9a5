"""A back-test's report: each side's outcomes and the risk of what it approves, where they
agree, the swap-in and swap-out sets, price changes and the candidate's decline reasons; and the
running tallies the back-test fills while it streams the stored decisions.

Rounding: expected loss is summed exactly in `Decimal` and rounded once to whole fen with
banker's rounding (`BANKERS`, an aggregate); rates and means are quantized to 1e-6, also banker's.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from fengkong.core.money import BANKERS, Fen, to_fen
from fengkong.decision.policy import PolicyOutcome
from fengkong.decision.routing import ArmSummary, Comparison

RATIO_QUANTUM = Decimal("0.000001")
APPROVE = PolicyOutcome.APPROVE.value
DECLINE = PolicyOutcome.DECLINE.value
REFER = PolicyOutcome.REFER.value
VERIFY = PolicyOutcome.VERIFY.value
# approve if secured: counted on its own, not among the approved (it lends only once secured)
SECURED = PolicyOutcome.APPROVE_IF_SECURED.value


def ratio(part: int | Decimal, whole: int) -> Decimal | None:
    """`part / whole` to 1e-6, banker's rounding; None for an empty whole."""
    if whole == 0:
        return None
    return (Decimal(part) / whole).quantize(RATIO_QUANTUM, BANKERS)


def _text(value: Decimal | None) -> str | None:
    return None if value is None else str(value)


@dataclass(frozen=True, slots=True)
class RiskSummary:
    """Size and risk of a set of approved applications."""

    count: int
    amount: Fen  # approved amounts summed
    pd_known: int  # how many carry a model PD
    expected_bad_rate: Decimal | None  # mean PD of those
    expected_loss: Fen  # Σ PD × LGD × amount, rounded once (BANKERS)
    observed_known: int  # how many have a known outcome
    observed_bad: int

    @property
    def observed_bad_rate(self) -> Decimal | None:
        return ratio(self.observed_bad, self.observed_known)

    def as_dict(self) -> dict[str, Any]:
        return {
            "count": self.count,
            "amount_fen": int(self.amount),
            "pd_known": self.pd_known,
            "expected_bad_rate": _text(self.expected_bad_rate),
            "expected_loss_fen": int(self.expected_loss),
            "observed_known": self.observed_known,
            "observed_bad": self.observed_bad,
            "observed_bad_rate": _text(self.observed_bad_rate),
        }


@dataclass(frozen=True, slots=True)
class SideSummary:
    """One policy's outcomes over the back-test's applications, and the risk of its approvals."""

    decisions: int
    outcomes: Mapping[str, int]  # outcome → count
    approved: RiskSummary

    def count(self, outcome: str) -> int:
        return self.outcomes.get(outcome, 0)

    def rate(self, outcome: str) -> Decimal | None:
        return ratio(self.count(outcome), self.decisions)

    @property
    def approval_rate(self) -> Decimal | None:
        return self.rate(APPROVE)

    def as_dict(self) -> dict[str, Any]:
        outcomes = (APPROVE, SECURED, DECLINE, REFER, VERIFY)
        return {
            "decisions": self.decisions,
            **{o: self.count(o) for o in outcomes},
            **{f"{o}_rate": _text(self.rate(o)) for o in outcomes},
            "approved_amount_fen": int(self.approved.amount),
            "expected_bad_rate": _text(self.approved.expected_bad_rate),
            "observed_bad_rate": _text(self.approved.observed_bad_rate),
            "observed_known": self.approved.observed_known,
            "observed_bad": self.approved.observed_bad,
            "expected_loss_fen": int(self.approved.expected_loss),
        }


@dataclass(frozen=True, slots=True)
class PriceChanges:
    """Among applications both sides approve: how the annual rate and the amount moved."""

    both_approved: int
    priced: int  # both rates known
    up: int
    down: int
    same: int
    mean_rate_change: Decimal | None  # candidate − current, mean over `priced`
    amount_up: int
    amount_down: int
    amount_same: int

    def as_dict(self) -> dict[str, Any]:
        return {
            "both_approved": self.both_approved,
            "priced": self.priced,
            "rate_up": self.up,
            "rate_down": self.down,
            "rate_same": self.same,
            "mean_rate_change": _text(self.mean_rate_change),
            "amount_up": self.amount_up,
            "amount_down": self.amount_down,
            "amount_same": self.amount_same,
        }


@dataclass(frozen=True, slots=True)
class BacktestReport:
    policy: str  # the candidate's label, "<id>-v<version>"
    policy_sha256: str
    lgd: Decimal
    decisions: int  # stored decisions run
    skipped: int  # stored without facts (older than fact snapshots): cannot be re-run
    first_decided_on: date | None
    last_decided_on: date | None
    current: SideSummary
    candidate: SideSummary
    agreement: Mapping[tuple[str, str], int]  # (current outcome, candidate outcome) → count
    swap_in: RiskSummary  # candidate approves, current did not (candidate's amounts)
    swap_out: RiskSummary  # current approved, candidate does not (current amounts)
    price_changes: PriceChanges
    decline_reasons: tuple[tuple[str, int], ...]  # candidate's declines: top codes, most first
    current_policies: tuple[tuple[str, int], ...] = ()  # stored decisions by policy version

    def comparison(self) -> Comparison:
        """The champion/challenger comparison (`routing.compare`'s form) of current and candidate:
        every application is paired, as in shadow mode."""
        return Comparison(
            champion=ArmSummary(self.current.decisions, self.current.count(APPROVE)),
            challenger=ArmSummary(self.candidate.decisions, self.candidate.count(APPROVE)),
            paired=self.decisions,
            agreement=dict(self.agreement),
            swap_in=self.swap_in.count,
            swap_out=self.swap_out.count,
        )

    def as_dict(self) -> dict[str, Any]:
        return {
            "policy": self.policy,
            "policy_sha256": self.policy_sha256,
            "lgd": str(self.lgd),
            "decisions": self.decisions,
            "skipped": self.skipped,
            "first_decided_on": None
            if self.first_decided_on is None
            else self.first_decided_on.isoformat(),
            "last_decided_on": None
            if self.last_decided_on is None
            else self.last_decided_on.isoformat(),
            "current": self.current.as_dict(),
            "candidate": self.candidate.as_dict(),
            "agreement": [
                {"current": a, "candidate": b, "n": n}
                for (a, b), n in sorted(self.agreement.items())
            ],
            "swap_in": self.swap_in.as_dict(),
            "swap_out": self.swap_out.as_dict(),
            "price_changes": self.price_changes.as_dict(),
            "decline_reasons": [{"code": c, "n": n} for c, n in self.decline_reasons],
            "current_policies": [{"version": v, "n": n} for v, n in self.current_policies],
            "rounding": {
                "expected_loss": "summed exactly, rounded once to fen, half-even",
                "rates": "quantized to 0.000001, half-even",
            },
        }


class RiskTally:
    """Running sums for a `RiskSummary`; exact until `summary` rounds."""

    __slots__ = ("amount", "bad", "count", "known", "loss", "pd_count", "pd_sum")

    def __init__(self) -> None:
        self.count = 0
        self.amount = 0
        self.pd_count = 0
        self.pd_sum = Decimal(0)
        self.loss = Decimal(0)
        self.known = 0
        self.bad = 0

    def add(self, amount: int | None, pd: Decimal | None, bad: bool | None, lgd: Decimal) -> None:
        self.count += 1
        self.amount += amount or 0
        if pd is not None:
            self.pd_count += 1
            self.pd_sum += pd
            self.loss += pd * lgd * (amount or 0)
        if bad is not None:
            self.known += 1
            self.bad += bad

    def summary(self) -> RiskSummary:
        return RiskSummary(
            count=self.count,
            amount=Fen(self.amount),
            pd_known=self.pd_count,
            expected_bad_rate=ratio(self.pd_sum, self.pd_count),
            expected_loss=to_fen(self.loss, BANKERS),
            observed_known=self.known,
            observed_bad=self.bad,
        )


class SideTally:
    """Running counts of one side's outcomes, and the sums of its approvals."""

    __slots__ = ("approved", "outcomes")

    def __init__(self) -> None:
        self.outcomes: Counter[str] = Counter()
        self.approved = RiskTally()

    def summary(self, decisions: int) -> SideSummary:
        return SideSummary(decisions, dict(sorted(self.outcomes.items())), self.approved.summary())
