"""What a run is asked to do (`RunPlan`) and the calendar it keeps: simulated days, calendar
months, and the hours of the business day at which each part of a day runs."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from fengkong.core.clock import BUSINESS_TZ
from fengkong.lending.schedule import add_months
from fengkong.sim.model import Scenario

# Hours of the simulated business day (Asia/Shanghai) at which each part runs.
APPLICATIONS_AT = time(9, 0)
REVIEW_AT = time(15, 0)
PAYMENTS_AT = time(17, 0)
END_OF_DAY_AT = time(22, 0)
RISK_TEAM_AT = time(23, 0)  # a month's end: the risk team's model work, after the end of day
WEEKEND_SHARE = Decimal("0.7")  # fewer applications on Saturdays and Sundays
DEFAULT_BUSINESS_POLICY = "business-v1"


@dataclass(frozen=True, slots=True)
class RunPlan:
    """What a run was asked to do; a resumed run must be asked the same."""

    seed: int
    months: int
    applicants_per_day: int
    scenario: Scenario
    start: date
    policy: str
    model: str
    # Small businesses applying on a weekday (fewer at weekends), decided under
    # `business_policy` (`sim.business_desk`); 0: a consumer run only.
    businesses_per_day: int = 0
    business_policy: str = DEFAULT_BUSINESS_POLICY

    @property
    def end(self) -> date:
        """The first date after the run."""
        return add_months(self.start, self.months)

    @property
    def days(self) -> int:
        return (self.end - self.start).days

    def start_day(self, day: int) -> date:
        """The calendar date of simulated day `day` (0: the first)."""
        return self.start + timedelta(days=day)

    def params(self) -> dict[str, object]:
        return {
            "seed": self.seed,
            "months": self.months,
            "applicants_per_day": self.applicants_per_day,
            "scenario": self.scenario.name,
            "start": self.start.isoformat(),
            "policy": self.policy,
            "model": self.model,
            # Named only when businesses apply: a consumer run resumes as it was asked.
            **(
                {
                    "businesses_per_day": self.businesses_per_day,
                    "business_policy": self.business_policy,
                }
                if self.businesses_per_day
                else {}
            ),
        }

    def arrivals_on(self, on: date) -> int:
        """How many apply on `on`: the daily figure, fewer at weekends."""
        if on.weekday() >= 5:
            return int((self.applicants_per_day * WEEKEND_SHARE).to_integral_value())
        return self.applicants_per_day

    def businesses_on(self, on: date) -> int:
        """How many small businesses apply on `on`: the daily figure, fewer at weekends."""
        if on.weekday() >= 5:
            return int((self.businesses_per_day * WEEKEND_SHARE).to_integral_value())
        return self.businesses_per_day


def month_label(on: date) -> str:
    return f"{on.year:04d}-{on.month:02d}"


def month_index(start: date, on: date) -> int:
    return (on.year - start.year) * 12 + on.month - start.month


def at(on: date, hour: time) -> datetime:
    return datetime.combine(on, hour, tzinfo=BUSINESS_TZ)


__all__ = [
    "APPLICATIONS_AT",
    "DEFAULT_BUSINESS_POLICY",
    "END_OF_DAY_AT",
    "PAYMENTS_AT",
    "REVIEW_AT",
    "RunPlan",
    "at",
    "month_index",
    "month_label",
]
