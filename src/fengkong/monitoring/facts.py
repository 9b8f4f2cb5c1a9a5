"""One loan (or credit-line draw) as a portfolio snapshot sees it (`LoanFacts`), and the
segments it falls in: product, sales channel, region, industry, vintage and score band.

Score bands are fixed, on the decision's score (the scorecard's points, PDO scaling around 600):
`<500`, `500-549`, `550-599`, `600-649`, `650+`, and `none` for a loan whose decision has no
score (a rule-only policy, an officer's decision without a model). A draw takes its line's
application: its borrower's channel, region, industry and decision. Vintage is the booking
month. Industry is the GB/T 4754 section the application names (`onboarding.industry`), or
`unknown` when it names none.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from fengkong.core.errors import FieldError
from fengkong.core.money import Fen
from fengkong.onboarding.channel import SALES_CHANNELS
from fengkong.onboarding.industry import INDUSTRY_CODES, industry_name
from fengkong.onboarding.region import REGIONS, region_name

# A channel, region or industry the application does not carry (stored before it was, or, for
# an industry, not given).
UNKNOWN = "unknown"
NO_SCORE = "none"

# (label, lowest score in the band), increasing; a score below the first band's floor is `<500`.
SCORE_BANDS: tuple[tuple[str, int], ...] = (
    ("500-549", 500),
    ("550-599", 550),
    ("600-649", 600),
    ("650+", 650),
)
BELOW_BANDS = "<500"
SCORE_BAND_LABELS: tuple[str, ...] = (BELOW_BANDS, *(label for label, _ in SCORE_BANDS), NO_SCORE)


# The segments of the dimensions whose values are a fixed set (a product code is the
# deployment's, so any is taken; a vintage is any booking month, `VINTAGE`).
SEGMENTS: Mapping[str, tuple[str, ...]] = {
    "channel": (*SALES_CHANNELS, UNKNOWN),
    "region": (*REGIONS, UNKNOWN),
    "industry": (*INDUSTRY_CODES, UNKNOWN),
    "score_band": SCORE_BAND_LABELS,
}
VINTAGE = re.compile(r"\d{4}-(0[1-9]|1[0-2])")


def check_segment(dimension: str, segment: str, loc: tuple[str | int, ...]) -> FieldError | None:
    """The error for a segment `dimension` cannot have (naming the ones it can), or None."""
    allowed = SEGMENTS.get(dimension)
    if allowed is not None and segment not in allowed:
        return FieldError(
            loc,
            f"{segment!r} is not a segment of {dimension}: one of {', '.join(allowed)}",
            "enum",
            allowed,
        )
    if dimension == "vintage" and VINTAGE.fullmatch(segment) is None:
        return FieldError(loc, f"{segment!r} is not a vintage: a booking month, YYYY-MM")
    return None


def score_band(score: int | None) -> str:
    """The band `score` falls in; `none` without a score."""
    if score is None:
        return NO_SCORE
    band = BELOW_BANDS
    for label, floor in SCORE_BANDS:
        if score >= floor:
            band = label
    return band


def vintage_of(booked_on: date) -> str:
    """The booking month, `YYYY-MM`."""
    return f"{booked_on.year:04d}-{booked_on.month:02d}"


def segment_name(dimension: str, segment: str, language: str = "en") -> str:
    """A segment in words: a region's or an industry's name; any other segment is its key."""
    if dimension == "region":
        return region_name(segment, language)
    if dimension == "industry":
        return industry_name(segment, language)
    return segment


@dataclass(frozen=True, slots=True)
class LoanFacts:
    """A loan as the snapshot of a business date sees it, after that date's end of day.

    `stage` is the loan's stage (`active`, `settled`, `written_off`); only active loans carry a
    balance into the figures, written-off ones count as written off, with `written_off` the
    principal that was written off, and every one counts as originated (`amount`)."""

    loan_id: str
    product: str
    channel: str  # the sales channel of its application, or `unknown`
    region: str  # the province code of its applicant's resident ID, or `unknown`
    vintage: str  # booking month, YYYY-MM
    score_band: str  # `score_band` of its decision's score
    stage: str
    principal_outstanding: Fen
    days_past_due: int
    bucket: str
    loan_class: str  # five-tier class (`lending.delinquency.LoanClass` value)
    pd: Decimal | None  # probability of default of its decision; None when it has none
    allowance: Fen
    reserve: Fen
    amount: Fen
    written_off: Fen  # principal written off, for a written-off loan; else 0
    # The borrower's customer id (`onboarding.party.customer_id`); None for a draw on a line
    # opened without an application.
    customer: str | None = None
    industry: str = UNKNOWN  # the GB/T 4754 section of its application's industry, or `unknown`

    def segment(self, dimension: str) -> str:
        """The loan's segment along `dimension` (one of `figures.DIMENSIONS`)."""
        if dimension == "all":
            return "all"
        value: str = getattr(self, dimension)
        return value
