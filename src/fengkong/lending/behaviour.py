"""Behaviour scoring (贷后行为评分): what the books say about a borrower since booking, and the
contract between the model that scores it and the end-of-day step that acts on the score.

`BehaviourFacts` is the one definition of the behaviour features: the training table (built
from the books as of past dates) and the nightly re-score (as of today) both read
`BehaviourFacts.features()`, so a model never meets a feature computed two ways.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import asdict, dataclass, fields
from datetime import date
from decimal import Decimal
from typing import Protocol

# The model registry's name for the behaviour model (its champion scores the book nightly).
BEHAVIOUR_MODEL = "behaviour"


@dataclass(frozen=True, slots=True)
class BehaviourFacts:
    """One borrower's repayment behaviour as of a date, from the loans and lines alone.

    Counts are whole numbers; shares are in [0, 1]; nothing here is money in fen, so that a
    model sees the same magnitudes whatever the book's size.
    """

    months_on_book: int  # since the borrower's first disbursement
    active_loans: int  # loans and draws not settled or written off
    instalments_due: int  # instalments whose due date has passed
    instalments_late: int  # of those, paid after the grace days or not yet paid
    instalments_unpaid: int  # of those, still not paid in full
    days_past_due: int  # the worst over the borrower's loans today
    worst_days_past_due: int  # the worst ever reached
    worst_days_past_due_90d: int  # the worst reached in the last 90 days
    months_since_late: int  # since the last late instalment's due date; months on book if none
    repaid_share: float  # principal repaid / principal disbursed
    utilisation: float  # drawn / limit over the borrower's lines; 0 without a line
    draws_90d: int  # line draws in the last 90 days
    fraud_hits: int  # black-list hits on the borrower's keys since booking

    def features(self) -> dict[str, float]:
        """The model's inputs, by name."""
        return {k: float(v) for k, v in asdict(self).items()}


FEATURES: tuple[str, ...] = tuple(f.name for f in fields(BehaviourFacts))


@dataclass(frozen=True, slots=True)
class BehaviourScore:
    """One line's re-score: the score the line rules read, and what it was made of, so that
    the action it caused can be explained and replayed."""

    line_id: str
    business_date: date
    score: int  # points: higher is safer, as the application scorecard's
    pd: Decimal  # the calibrated probability of default
    model_version: str
    reasons: tuple[str, ...]  # reason codes, most adverse first
    facts: Mapping[str, float]  # `BehaviourFacts.features()` as scored


class BehaviourScoring(Protocol):
    """Scores every open line's borrower as of a business date."""

    def score_lines(self, on: date) -> Iterator[BehaviourScore]: ...


__all__ = [
    "BEHAVIOUR_MODEL",
    "FEATURES",
    "BehaviourFacts",
    "BehaviourScore",
    "BehaviourScoring",
]
