"""What the model monitoring reports read and share: a decision of a model as it was made (its
score, features and outcome, an officer's word on a referral, the loan it led to), the reads
the adapters implement (`db/model_monitoring.py`), the report window, the limits findings are
measured against, and the realised performance of matured loans.

A loan is *bad* when it has ever been 90 or more days past due or was written off; it is
*mature* once it has been on book for `mature_months` whole months.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any, Literal, Protocol

import numpy as np

from fengkong.core.errors import FieldError, Invalid
from fengkong.core.filters import DateRange
from fengkong.scoring.metrics import auc, ks
from fengkong.scoring.registry import ModelVersion

BAD_DAYS_PAST_DUE = 90
BY_CHOICES = ("day", "month")
By = Literal["day", "month"]
MAX_DAYS = {"day": 366, "month": 3660}  # a window longer than this is refused
DEFAULT_DAYS = {"day": 30, "month": 365}  # the window when `from` is not given

APPROVE, DECLINE, REFER = "approve", "decline", "refer"
Severity = Literal["info", "warning", "breach"]


@dataclass(frozen=True, slots=True)
class LoanOutcome:
    """How the loan a decision led to has done: booked on, worst DPD it has had, written off."""

    booked_on: date
    worst_days_past_due: int
    written_off: bool

    @property
    def bad(self) -> bool:
        return self.written_off or self.worst_days_past_due >= BAD_DAYS_PAST_DUE

    def months_on_book(self, as_of: date) -> int:
        """Whole months from booking to `as_of`."""
        months = (as_of.year - self.booked_on.year) * 12 + as_of.month - self.booked_on.month
        return months - (1 if as_of.day < self.booked_on.day else 0)


@dataclass(frozen=True, slots=True)
class MonitoredDecision:
    """A scored decision as a report reads it. `outcome` is the policy's (approve, decline,
    refer, verify); `officer_outcome` the officer's approve or decline of a referral, None
    while it waits (or when it was not referred). `id_number_enc` is the applicant's resident ID
    number, encrypted: the fairness report reads sex and region from it."""

    decision_id: str
    decided_on: date  # business date
    policy_version: str
    outcome: str
    officer_outcome: str | None
    score: int | None
    pd: float | None
    features: Mapping[str, Any]
    loan: LoanOutcome | None = None
    id_number_enc: str | None = None

    @property
    def settled(self) -> bool:
        """Approved or declined, by the policy or by an officer (not pending)."""
        return self.final_outcome in (APPROVE, DECLINE)

    @property
    def final_outcome(self) -> str:
        """The officer's word on a referral, else the policy's."""
        if self.outcome == REFER and self.officer_outcome is not None:
            return self.officer_outcome
        return self.outcome

    @property
    def approved(self) -> bool:
        return self.final_outcome == APPROVE


class MonitoringReads(Protocol):
    """The reads of the model reports, outside any transaction."""

    def model(self, version: str) -> ModelVersion | None: ...

    def decisions(self, model_version: str, days: DateRange) -> list[MonitoredDecision]:
        """The model's decisions made on business dates in `days`, oldest first."""
        ...


class Decrypter(Protocol):
    """Opens a sealed personal-data field (`onboarding.vault.Vault` is one)."""

    def decrypt(self, field: str, token: str) -> str: ...


@dataclass(frozen=True, slots=True)
class MonitoringLimits:
    """What a finding is measured against; every one can be set per report."""

    psi_warning: float = 0.10
    psi_breach: float = 0.25
    air_floor: float = 0.80  # a group's approval rate over the most favoured group's
    approval_drift: float = 0.10  # absolute change of the approval rate from the reference
    auc_drop: float = 0.05  # realised AUC below the training (test) AUC by more than this
    mature_months: int = 6
    min_group: int = 20  # decisions a group needs before its adverse-impact ratio is judged

    def __post_init__(self) -> None:
        errors = [
            FieldError((name,), "must be between 0 and 1")
            for name in ("air_floor", "approval_drift", "auc_drop")
            if not 0.0 <= getattr(self, name) <= 1.0
        ]
        if not 0.0 < self.psi_warning <= self.psi_breach:
            errors.append(FieldError(("psi_breach",), "must be above 0 and at least the warning"))
        if self.mature_months < 1:
            errors.append(FieldError(("mature_months",), "must be at least 1"))
        if self.min_group < 1:
            errors.append(FieldError(("min_group",), "must be at least 1"))
        if errors:
            raise Invalid(tuple(errors))


@dataclass(frozen=True, slots=True)
class Finding:
    """Something a report found outside its limits (or could not judge)."""

    kind: str  # psi, csi, approval_drift, override_drift, realised_auc, adverse_impact, baseline
    severity: Severity
    subject: str  # the period, feature, vintage or group it is about
    value: float | None
    limit: float | None
    message: str


@dataclass(frozen=True, slots=True)
class ReportWindow:
    start: date
    end: date
    by: By


def report_window(
    start: str | date | None, end: str | date | None, by: str | None, today: date
) -> ReportWindow:
    """The report's business dates, `start` to `end` inclusive: `end` defaults to today and may
    not be after it; `start` defaults to 30 days (by day) or a year (by month) before `end`."""
    errors: list[FieldError] = []
    grain = by or "month"
    if grain not in BY_CHOICES:
        errors.append(
            FieldError(("by",), f"unknown by {grain!r}: one of day, month", "enum", BY_CHOICES)
        )
        grain = "month"
    first, last = _day(start, "from", errors), _day(end, "to", errors)
    if errors:
        raise Invalid(tuple(errors))
    high = last or today
    if high > today:
        raise Invalid((FieldError(("to",), f"{high.isoformat()} is after today {today}"),))
    # The earliest day whose default window still lies in the calendar: before it, the window's
    # first day would not exist (an overflow, not an empty report).
    earliest = date.min + timedelta(days=MAX_DAYS["month"])
    for loc, day in (("from", first), ("to", high)):
        if day is not None and day < earliest:
            raise Invalid(
                (
                    FieldError(
                        (loc,),
                        f"{day.isoformat()} is too early: dates run from {earliest.isoformat()} "
                        f"to today {today}",
                    ),
                )
            )
    low = first or high - timedelta(days=DEFAULT_DAYS[grain] - 1)
    if low > high:
        raise Invalid((FieldError(("from",), f"{low.isoformat()} is after to {high}"),))
    if (high - low).days + 1 > MAX_DAYS[grain]:
        raise Invalid(
            (
                FieldError(
                    ("from",), f"at most {MAX_DAYS[grain]} days by {grain}: narrow the window"
                ),
            )
        )
    return ReportWindow(low, high, grain)  # type: ignore[arg-type]


def _day(value: str | date | None, loc: str, errors: list[FieldError]) -> date | None:
    if value is None or isinstance(value, date):
        return value
    try:
        return date.fromisoformat(value.strip())
    except ValueError:
        errors.append(FieldError((loc,), f"not a date (YYYY-MM-DD): {value.strip()!r}"))
        return None


def period_of(day: date, by: By) -> str:
    return day.isoformat() if by == "day" else day.strftime("%Y-%m")


def rate(part: int, whole: int) -> float | None:
    return part / whole if whole else None


@dataclass(frozen=True, slots=True)
class Realised:
    """Matured loans of some decisions: how many, how many bad, and how well the score at
    decision ranked them (None when both goods and bads are not present)."""

    loans: int
    bads: int
    bad_rate: float | None
    auc: float | None
    ks: float | None


def realised(decisions: Sequence[MonitoredDecision], as_of: date, mature_months: int) -> Realised:
    """AUC and KS of the score at decision over the loans on book at least `mature_months`
    (score in points: higher is safer)."""
    pairs = [
        (1 if d.loan.bad else 0, float(d.score))
        for d in decisions
        if d.loan is not None
        and d.score is not None
        and d.loan.months_on_book(as_of) >= mature_months
    ]
    y = np.asarray([p[0] for p in pairs], dtype=np.int64)
    bads = int(y.sum())
    if not pairs or bads in (0, len(pairs)):
        return Realised(len(pairs), bads, rate(bads, len(pairs)), None, None)
    scores = [p[1] for p in pairs]
    return Realised(
        len(pairs),
        bads,
        bads / len(pairs),
        auc(y, scores, higher_is_riskier=False),
        ks(y, scores, higher_is_riskier=False).statistic,
    )


def plain(value: Any) -> Any:
    """A report (frozen dataclasses, tuples, mappings) as JSON-able data."""
    if hasattr(value, "__dataclass_fields__"):
        return {name: plain(getattr(value, name)) for name in value.__dataclass_fields__}
    if isinstance(value, Mapping):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [plain(v) for v in value]
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float) and value != value:
        return None
    return value
