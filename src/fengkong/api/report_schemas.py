"""Response body of `GET /v1/reports/portfolio`, also what `fengkong report portfolio` prints
(`--json`, and one CSV row per segment with `--csv`). Money in integer fen (`*_fen`), rates as
decimal strings (six places; null when their denominator is 0)."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from pydantic import BaseModel, Field

from fengkong.monitoring.facts import segment_name
from fengkong.monitoring.figures import SegmentFigures
from fengkong.monitoring.snapshots import PortfolioReport


class ClassMixOut(BaseModel):
    loans: int
    fen: int = Field(description="Principal outstanding of the class's active loans, fen")


class SegmentOut(BaseModel):
    dimension: str = Field(
        description="all, product, channel, region, industry, vintage or score_band"
    )
    segment: str = Field(description="The segment's key: a product code, a province code…")
    name: str = Field(description="The segment in words (a region's or an industry's name)")
    active_loans: int
    outstanding_fen: int = Field(description="Principal outstanding of the active loans")
    overdue_loans: int = Field(description="Active loans 1 or more days past due")
    overdue_fen: int
    overdue_rate_count: Decimal | None
    overdue_rate_balance: Decimal | None
    m1_plus_fen: int = Field(description="Principal of loans more than 30 days past due")
    m1_plus_rate: Decimal | None
    m3_plus_fen: int = Field(description="Principal of loans more than 90 days past due")
    m3_plus_rate: Decimal | None
    written_off_loans: int = Field(description="Loans written off by the date (cumulative)")
    written_off_fen: int = Field(description="Principal written off by the date")
    write_off_rate: Decimal | None = Field(description="written off / (outstanding + written off)")
    classes: dict[str, ClassMixOut] = Field(description="Five-tier classes of the active loans")
    expected_loss_fen: int = Field(description="PD × LGD × principal outstanding, loans with a PD")
    no_pd_loans: int = Field(description="Active loans whose decision has no PD")
    no_pd_fen: int
    allowance_fen: int
    reserve_fen: int
    coverage: Decimal | None = Field(description="(allowance + reserve) / expected loss")
    allowance_coverage: Decimal | None = Field(description="allowance / expected loss")
    originated_loans: int | None = Field(
        default=None, description="Loans paid out by the date (null: snapshot predates it)"
    )
    originated_fen: int | None = Field(default=None, description="Principal lent by the date")
    bucket_fen: dict[str, int] | None = Field(
        default=None, description="Principal outstanding of the active loans by DPD bucket"
    )
    borrowers: int | None = Field(default=None, description="Customers with an active loan")

    @classmethod
    def of(cls, dimension: str, segment: str, f: SegmentFigures) -> SegmentOut:
        doc = f.as_dict()
        return cls(
            dimension=dimension,
            segment=segment,
            name=segment_name(dimension, segment),
            **{k: v for k, v in doc.items() if k != "classes"},
            classes={name: ClassMixOut(loans=m.loans, fen=m.fen) for name, m in f.classes.items()},
            **f.rates(),
        )


class PortfolioOut(BaseModel):
    business_date: date
    taken_at: datetime = Field(description="When the snapshot was taken (or last rebuilt)")
    loans: int = Field(description="Loans read: active, settled or written off, booked by the date")
    lgd: Decimal = Field(description="The loss given default its expected loss used")
    segments: list[SegmentOut]

    @classmethod
    def of(cls, report: PortfolioReport) -> PortfolioOut:
        book = report.book
        return cls(
            business_date=book.business_date,
            taken_at=book.taken_at,
            loans=book.loans,
            lgd=book.lgd,
            segments=[SegmentOut.of(d, s, f) for d, s, f in report.rows],
        )
