"""Response bodies of `GET /v1/reports/vintage`, `/rolls` and `/concentration`, also what
`fengkong report vintage|rolls|concentration --json` prints (and, flattened, `--csv`). Money in
integer fen, rates as decimal strings (six places); null where a figure is not available (a
snapshot stored before it was kept) or its denominator is 0."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from pydantic import BaseModel, Field

from fengkong.monitoring.concentration import ConcentrationReport, DimensionConcentration
from fengkong.monitoring.curves import CurveReport
from fengkong.monitoring.facts import segment_name


class VintagePointOut(BaseModel):
    vintage: str = Field(description="Booking month, YYYY-MM")
    months_on_book: int = Field(description="Whole months since the booking month (0: its end)")
    month_end: date
    originated_fen: int | None = Field(description="Principal lent in the vintage")
    m1_plus_fen: int = Field(description="Past M1 (DPD > 30) at the month end + written off")
    m3_plus_fen: int = Field(description="Past M3 (DPD > 90) at the month end + written off")
    written_off_fen: int = Field(description="Principal written off from the vintage so far")
    m1_plus_rate: Decimal | None
    m3_plus_rate: Decimal | None


class VintageOut(BaseModel):
    until: date = Field(description="The last date read (month ends on or before it)")
    month_ends: list[date]
    points: list[VintagePointOut]

    @classmethod
    def of(cls, report: CurveReport) -> VintageOut:
        return cls(
            until=report.until,
            month_ends=list(report.month_ends),
            points=[
                VintagePointOut(
                    vintage=p.vintage,
                    months_on_book=p.months_on_book,
                    month_end=p.month_end,
                    originated_fen=p.originated_fen,
                    m1_plus_fen=p.m1_plus_fen,
                    m3_plus_fen=p.m3_plus_fen,
                    written_off_fen=p.written_off_fen,
                    m1_plus_rate=p.m1_plus_rate,
                    m3_plus_rate=p.m3_plus_rate,
                )
                for p in report.vintages
            ],
        )


class RollPointOut(BaseModel):
    segment: str
    month_end: date
    roll: str = Field(description="from→to bucket, e.g. M0→M1")
    from_fen: int | None = Field(description="Balance in the from bucket at the month end before")
    to_fen: int | None = Field(description="Balance in the to bucket at the month end")
    rate: Decimal | None


class RollsOut(BaseModel):
    until: date
    month_ends: list[date]
    points: list[RollPointOut]

    @classmethod
    def of(cls, report: CurveReport) -> RollsOut:
        return cls(
            until=report.until,
            month_ends=list(report.month_ends),
            points=[
                RollPointOut(
                    segment=p.segment,
                    month_end=p.month_end,
                    roll=f"{p.from_bucket}→{p.to_bucket}",
                    from_fen=p.from_fen,
                    to_fen=p.to_fen,
                    rate=p.rate,
                )
                for p in report.rolls
            ],
        )


class MaskedOut(BaseModel):
    name: str
    id_number: str
    phone: str


class TopBorrowerOut(BaseModel):
    rank: int
    customer_id: str
    masked: MaskedOut | None = Field(description="Masks of the borrower's latest application")
    loans: int
    outstanding_fen: int
    share: Decimal | None


class SegmentShareOut(BaseModel):
    segment: str
    name: str = Field(description="The segment in words (a region's or an industry's name)")
    outstanding_fen: int
    share: Decimal | None
    breached: bool = Field(description="Holds more than the dimension's limit")


class DimensionOut(BaseModel):
    dimension: str
    hhi: Decimal | None = Field(description="Σ share², Herfindahl–Hirschman index")
    limit: Decimal | None = Field(description="Largest share one segment may hold, if set")
    segments: list[SegmentShareOut]

    @classmethod
    def of(cls, d: DimensionConcentration) -> DimensionOut:
        return cls(
            dimension=d.dimension,
            hhi=d.hhi,
            limit=d.limit,
            segments=[
                SegmentShareOut(
                    segment=s.segment,
                    name=segment_name(d.dimension, s.segment),
                    outstanding_fen=s.outstanding_fen,
                    share=s.share,
                    breached=s.breached,
                )
                for s in d.segments
            ],
        )


class ConcentrationOut(BaseModel):
    business_date: date
    outstanding_fen: int = Field(description="Principal outstanding of the active loans")
    borrowers: int | None = Field(description="Customers with an active loan")
    top_n: int
    top_fen: int
    top_share: Decimal | None = Field(description="Share of the top N borrowers")
    top: list[TopBorrowerOut]
    dimensions: list[DimensionOut]
    breaches: int = Field(description="Segments above their dimension's limit")

    @classmethod
    def of(cls, r: ConcentrationReport) -> ConcentrationOut:
        return cls(
            business_date=r.business_date,
            outstanding_fen=r.outstanding_fen,
            borrowers=r.borrowers,
            top_n=r.top_n,
            top_fen=r.top_fen,
            top_share=r.top_share,
            top=[
                TopBorrowerOut(
                    rank=b.rank,
                    customer_id=b.customer,
                    masked=None
                    if b.masked is None
                    else MaskedOut(
                        name=b.masked.name, id_number=b.masked.id_number, phone=b.masked.phone
                    ),
                    loans=b.loans,
                    outstanding_fen=b.outstanding_fen,
                    share=b.share,
                )
                for b in r.top
            ],
            dimensions=[DimensionOut.of(d) for d in r.dimensions],
            breaches=len(r.breaches),
        )
