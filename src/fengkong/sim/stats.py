"""What a simulated run counted, month by month, and the portfolio as it stood at each month's
end: the input of the run's report (`sim.report`) and the part of its state kept for resuming.

Counts are of simulated events as the platform answered them (a decision's outcome, a posted
repayment, an end of day's totals); money is integer fen; the ground truth only the simulation
knows (who was a fraudster) sits beside what the platform saw, so "fraud caught" can be counted.
Everything here is JSON-serialisable through `as_dict`/`from_dict`."""

from __future__ import annotations

from collections import Counter
from dataclasses import asdict, dataclass, field, fields
from typing import Any

OUTCOMES = ("approve", "approve_secured", "decline", "refer", "verify")


@dataclass
class MonthStats:
    """One calendar month of a run. Flow counts add up over the month; the `end_*` fields and
    the income lines are as at the month's last end of day (cumulative since the run began)."""

    month: str  # "2027-01"
    days: int = 0  # simulated days run in this month
    # Onboarding and decision
    applications: int = 0
    outcomes: Counter[str] = field(default_factory=Counter)  # the automatic decision's
    officer_approved: int = 0  # referrals an officer approved
    officer_declined: int = 0
    approved: int = 0  # approved in the end (automatically or by an officer)
    offers_declined: int = 0  # approved applicants who did not take the offer
    # Approve if secured: who brought collateral or a guarantor, and who walked away
    secured_by_collateral: int = 0
    secured_by_guarantor: int = 0
    secured_walked_away: int = 0
    # Ground truth beside what the platform did with it
    honest_applications: int = 0
    honest_declined: int = 0  # declined in the end (automatically or by an officer)
    ring_applications: int = 0
    ring_declined: int = 0
    thief_applications: int = 0
    thief_declined: int = 0
    fraud_booked: int = 0  # fraudsters who got money: missed
    fraud_amount_booked: int = 0
    fraud_confirmed: int = 0  # fraudsters the risk team put on the black list after default
    # Booking
    loans_booked: int = 0  # instalment loans paid out
    amount_booked: int = 0
    lines_opened: int = 0
    line_limit_opened: int = 0
    draws: int = 0
    amount_drawn: int = 0
    expected_loss: int = 0  # PD × amount × LGD of what was booked this month, fen
    # Servicing
    instalments_due: int = 0
    paid_on_time: int = 0
    paid_late: int = 0
    partial_payments: int = 0
    missed: int = 0  # instalments left unpaid when they fell due
    early_settlements: int = 0
    amount_collected: int = 0
    draws_refused: int = 0  # a draw the line no longer allows (frozen, closed, over limit)
    # End of day, summed over the month's dates (`EodReport` totals)
    lines_frozen: int = 0
    lines_closed: int = 0
    lines_reduced: int = 0  # by the behaviour score
    lines_raised: int = 0
    borrowers_rescored: int = 0
    written_off: int = 0
    reminders_sent: int = 0
    collection_cases: int = 0
    # As at the month's end (cumulative where the name says income or loss)
    end_active_loans: int = 0
    end_principal_outstanding: int = 0
    end_principal_by_bucket: dict[str, int] = field(default_factory=dict)
    end_loans_by_bucket: dict[str, int] = field(default_factory=dict)
    # Lines not active at the month's end, by why: "frozen: DPD_OVER_THRESHOLD", "closed:
    # BLACKLIST_HIT", "frozen: MARGIN_CALL_UNMET", … (the reason code of the line's last freeze
    # or close), and the lines still active.
    end_lines_by_reason: dict[str, int] = field(default_factory=dict)
    end_lines_active: int = 0
    end_allowance: int = 0  # loan loss allowance held
    end_reserve: int = 0  # general risk reserve held
    interest_income: int = 0
    fee_income: int = 0
    penalty_income: int = 0
    provision_expense: int = 0
    write_off_loss: int = 0
    amount_written_off: int = 0  # principal written off, cumulative
    # The small-business segment (`sim.business_desk`), apart: the consumer funnel above counts
    # none of it; servicing, end of day and the month-end book count the whole book.
    business_applications: int = 0
    business_outcomes: Counter[str] = field(default_factory=Counter)  # automatic decision's
    business_reasons: Counter[str] = field(default_factory=Counter)  # of declines and refers
    business_officer_approved: int = 0
    business_officer_declined: int = 0
    business_approved: int = 0  # approved in the end (automatically or by an officer)
    business_declined: int = 0  # declined in the end
    business_offers_declined: int = 0
    business_loans_booked: int = 0
    business_amount_booked: int = 0
    business_instalments_due: int = 0
    business_missed: int = 0

    def as_dict(self) -> dict[str, Any]:
        doc = asdict(self)
        for name in _COUNTERS:
            doc[name] = dict(getattr(self, name))
        return doc

    @classmethod
    def from_dict(cls, doc: dict[str, Any]) -> MonthStats:
        known = {f.name for f in fields(cls)}
        values = {k: v for k, v in doc.items() if k in known}
        for name in _COUNTERS:
            values[name] = Counter(doc.get(name, {}))
        return cls(**values)


_COUNTERS = ("outcomes", "business_outcomes", "business_reasons")


@dataclass(frozen=True, slots=True)
class LoanSnapshot:
    """One loan (or draw) at a month's end: enough for vintage curves and roll rates."""

    loan_id: str
    booked_month: str  # "2027-01"
    status: str  # LoanStage value: active, settled, written_off, …
    days_past_due: int
    bucket: str  # "M0", "M1", "M2", "M3", "M3+" (`lending.delinquency` buckets)
    principal_outstanding: int
    amount: int  # principal booked

    def as_row(self) -> list[Any]:
        return [
            self.loan_id,
            self.booked_month,
            self.status,
            self.days_past_due,
            self.bucket,
            self.principal_outstanding,
            self.amount,
        ]

    @classmethod
    def from_row(cls, row: list[Any]) -> LoanSnapshot:
        return cls(
            str(row[0]), str(row[1]), str(row[2]), int(row[3]), str(row[4]), *map(int, row[5:7])
        )


@dataclass
class RunStats:
    """A run's months in order and its month-end portfolio snapshots, by month."""

    seed: int
    scenario: str
    policy: str
    model: str | None
    start: str  # ISO date of the first simulated day
    behaviour_model: str | None = None  # the behaviour model the risk team promoted, once
    months: list[MonthStats] = field(default_factory=list)
    snapshots: dict[str, list[LoanSnapshot]] = field(default_factory=dict)
    # Small businesses, when the run had them: their policy and champion model, the ids of
    # their loans (found again in the month-end snapshots), each reason code's texts (en, zh).
    business_policy: str | None = None
    business_model: str | None = None
    business_loans: list[str] = field(default_factory=list)
    reason_texts: dict[str, list[str]] = field(default_factory=dict)

    def month(self, label: str) -> MonthStats:
        """The stats of month `label`, started when first asked for."""
        if not self.months or self.months[-1].month != label:
            self.months.append(MonthStats(label))
        return self.months[-1]

    def as_dict(self) -> dict[str, Any]:
        return {
            "seed": self.seed,
            "scenario": self.scenario,
            "policy": self.policy,
            "model": self.model,
            "start": self.start,
            "behaviour_model": self.behaviour_model,
            "months": [m.as_dict() for m in self.months],
            "snapshots": {k: [s.as_row() for s in v] for k, v in self.snapshots.items()},
            "business_policy": self.business_policy,
            "business_model": self.business_model,
            "business_loans": list(self.business_loans),
            "reason_texts": dict(self.reason_texts),
        }

    @classmethod
    def from_dict(cls, doc: dict[str, Any]) -> RunStats:
        return cls(
            seed=int(doc["seed"]),
            scenario=str(doc["scenario"]),
            policy=str(doc["policy"]),
            model=doc.get("model"),
            start=str(doc["start"]),
            behaviour_model=doc.get("behaviour_model"),
            months=[MonthStats.from_dict(m) for m in doc.get("months", [])],
            snapshots={
                k: [LoanSnapshot.from_row(r) for r in rows]
                for k, rows in doc.get("snapshots", {}).items()
            },
            business_policy=doc.get("business_policy"),
            business_model=doc.get("business_model"),
            business_loans=[str(i) for i in doc.get("business_loans", [])],
            reason_texts={str(k): list(v) for k, v in doc.get("reason_texts", {}).items()},
        )


__all__ = ["OUTCOMES", "LoanSnapshot", "MonthStats", "RunStats"]
