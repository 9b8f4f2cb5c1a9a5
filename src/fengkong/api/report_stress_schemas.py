"""Response body of `GET /v1/reports/stress`, also what `fengkong report stress` prints (`--json`;
one CSV row per month with `--csv`). Money in integer fen (`*_fen`), rates and PDs as decimal
strings to six places (null when their denominator is 0). See docs/stress-testing.md."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from pydantic import BaseModel, Field

from fengkong.monitoring.stress import BookMonth, CellProjection, pd_places
from fengkong.monitoring.stress_report import StressReport


class ScenarioOut(BaseModel):
    name: str
    description: str
    source: str = Field(description="`shipped`, or the path of the scenario file")
    by: str | None = Field(description="The dimension the PD multipliers are given along")
    default_multiplier: Decimal
    multipliers: dict[str, Decimal]
    income_shock: Decimal
    income_elasticity: Decimal
    collateral_haircut: Decimal
    lgd: Decimal = Field(
        description="Loss given default before collateral (the scenario's, or the snapshot's)"
    )
    capital_ratio: Decimal
    risk_weight: Decimal


class MonthOut(BaseModel):
    month: int
    first_day: date
    last_day: date
    defaults_fen: int = Field(description="Performing balance projected to default in the month")
    loss_fen: int = Field(
        description="Its loss at LGD after collateral (month 1: with today's "
        "non-performing balance's)"
    )
    cumulative_loss_fen: int
    performing_fen: int = Field(description="Performing balance left at the month's end")
    defaulted_fen: int = Field(description="Today's non-performing balance + defaults so far")
    required_provisions_fen: int = Field(description="By the five-tier rates, at the month's end")
    held_fen: int = Field(description="Today's allowance + general reserve")
    shortfall_fen: int = Field(description="Required provisions beyond those held")
    coverage: Decimal | None = Field(description="held / cumulative loss")
    capital_need_fen: int = Field(
        description="Cumulative loss beyond held + capital ratio × risk weight × (performing + "
        "defaulted)"
    )
    scheduled_fen: int = Field(description="Instalments due in the month from the book's loans")
    expected_collections_fen: int = Field(
        description="scheduled × survival × (1 − M0→M1 roll rate)"
    )
    collected_fen: int | None = Field(
        description="Repayments applied in the month (null: not begun by the last end of day)"
    )
    collected_complete: bool = Field(description="The whole month is past the last end of day")

    @classmethod
    def of(cls, m: BookMonth, report: StressReport) -> MonthOut:
        c = report.collections[m.month - 1]
        f = m.figures
        return cls(
            month=m.month,
            first_day=c.first_day,
            last_day=c.last_day,
            defaults_fen=f.defaults_fen,
            loss_fen=f.loss_fen,
            cumulative_loss_fen=f.cumulative_loss_fen,
            performing_fen=f.performing_fen,
            defaulted_fen=f.defaulted_fen,
            required_provisions_fen=f.required_provisions_fen,
            held_fen=m.held_fen,
            shortfall_fen=m.shortfall_fen,
            coverage=m.coverage,
            capital_need_fen=m.capital_need_fen,
            scheduled_fen=c.scheduled_fen,
            expected_collections_fen=c.expected_fen,
            collected_fen=c.collected_fen,
            collected_complete=c.complete,
        )


class CellOut(BaseModel):
    segment: str
    ead_fen: int = Field(description="Principal outstanding on the date")
    performing_fen: int
    defaulted_fen: int = Field(description="Substandard, doubtful and loss on the date")
    held_fen: int
    collateral_fen: int = Field(description="Lending value of the collateral, before the haircut")
    pd: Decimal = Field(description="12-month PD, balance-weighted, from the snapshot")
    multiplier: Decimal
    stressed_pd: Decimal
    monthly_hazard: Decimal
    lgd: Decimal = Field(description="After collateral")
    projected_loss_fen: int
    required_provisions_fen: int = Field(description="At the horizon's end")

    @classmethod
    def of(cls, p: CellProjection) -> CellOut:
        c = p.cell
        last = p.months[-1]
        return cls(
            segment=c.segment,
            ead_fen=c.ead,
            performing_fen=sum(c.performing.values()),
            defaulted_fen=sum(c.defaulted.values()),
            held_fen=c.held,
            collateral_fen=c.collateral,
            pd=pd_places(c.pd),
            multiplier=p.multiplier,
            stressed_pd=pd_places(p.stressed_pd),
            monthly_hazard=pd_places(p.hazard),
            lgd=pd_places(p.lgd),
            projected_loss_fen=last.cumulative_loss_fen,
            required_provisions_fen=last.required_provisions_fen,
        )


class StressOut(BaseModel):
    business_date: date
    last_end_of_day: date | None
    horizon_months: int
    loans: int = Field(description="Loans active at the date's end")
    scenario: ScenarioOut
    roll_rate_m0_m1: Decimal | None = Field(
        description="M0→M1 over the last three month ends up to the date (null: none)"
    )
    ead_fen: int
    held_fen: int = Field(description="Allowance + general reserve on the date")
    projected_loss_fen: int = Field(description="Cumulative loss over the horizon")
    required_provisions_fen: int = Field(description="At the horizon's end")
    shortfall_fen: int
    coverage: Decimal | None
    capital_need_fen: int = Field(description="At the horizon's end")
    peak_capital_need_fen: int = Field(description="The largest month's capital need")
    months: list[MonthOut]
    segments: list[CellOut]

    @classmethod
    def of(cls, report: StressReport) -> StressOut:
        p = report.projection
        s = report.scenario
        months = [MonthOut.of(m, report) for m in p.months]
        last = months[-1]
        return cls(
            business_date=report.on,
            last_end_of_day=report.last_eod,
            horizon_months=p.horizon,
            loans=report.loans,
            scenario=ScenarioOut(
                name=s.name,
                description=s.description,
                source=report.source,
                by=s.by,
                default_multiplier=s.default_multiplier,
                multipliers=dict(s.multipliers),
                income_shock=s.income_shock,
                income_elasticity=s.income_elasticity,
                collateral_haircut=s.collateral_haircut,
                lgd=p.lgd,
                capital_ratio=s.capital_ratio,
                risk_weight=s.risk_weight,
            ),
            roll_rate_m0_m1=report.roll_rate,
            ead_fen=p.ead_fen,
            held_fen=p.held_fen,
            projected_loss_fen=p.projected_loss_fen,
            required_provisions_fen=last.required_provisions_fen,
            shortfall_fen=last.shortfall_fen,
            coverage=last.coverage,
            capital_need_fen=last.capital_need_fen,
            peak_capital_need_fen=max(m.capital_need_fen for m in months),
            months=months,
            segments=[CellOut.of(c) for c in p.cells],
        )
