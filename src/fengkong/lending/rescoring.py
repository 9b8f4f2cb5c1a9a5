"""Post-loan re-scoring (贷后重评): each end of day the champion behaviour model scores every
borrower with a loan open or a line not closed, the score is kept, and the line rules act on
it (reduce, freeze, close, raise), each action with its reasons and an audit record carrying
the score, the model version and the facts it read, so that it can be explained and replayed.

The training table is built from the same books by the same `behaviour.behaviour_facts`, as of
past month ends, each row labelled by whether the borrower went `bad_dpd` days past due within
the following months: one definition of every feature, online and in batch.
"""

from __future__ import annotations

import calendar
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import asdict, dataclass, replace
from datetime import date, datetime
from typing import Any, Protocol

from fengkong.audit.port import AuditAppender
from fengkong.core.clock import Clock
from fengkong.core.errors import FieldError, Invalid
from fengkong.core.filters import required_day
from fengkong.core.uow import UnitOfWork
from fengkong.lending.behaviour import (
    BehaviourFacts,
    BehaviourModel,
    BehaviourScore,
    BorrowerBook,
    active_customers,
    behaviour_facts,
    went_bad,
)
from fengkong.lending.eod_lines import COUNTED_AS, audit_line_action
from fengkong.lending.line import (
    Action,
    LineRules,
    LineSignals,
    LineStatus,
    apply_actions,
    line_actions,
)
from fengkong.lending.ports import LineBook
from fengkong.lending.services import load_line

SYSTEM = "system:rescore"
TARGET = "bad"
OBSERVED_ON = "observed_on"
CHUNK = 500  # borrowers scored and acted on per transaction


class BehaviourStore(Protocol):
    """The books as behaviour scoring reads them, and the scores it keeps."""

    def borrower_books(self, on: date, *, active_only: bool = False) -> Iterator[BorrowerBook]:
        """Every borrower with a loan booked by `on`, with all their loans, lines and
        black-list hits (as the books hold them now: the facts cut them at a date); with
        `active_only`, only those with a loan active or a line not closed now."""
        ...

    def save_scores(self, scores: Sequence[BehaviourScore], now: datetime) -> None:
        """Keep each score, replacing one of the same borrower and date."""
        ...

    def scores(self, customer: str, limit: int) -> list[BehaviourScore]:
        """The borrower's latest scores, newest first."""
        ...

    def latest_score(self, customer: str) -> BehaviourScore | None: ...

    def scores_of_line(self, line_id: str, limit: int) -> list[BehaviourScore]:
        """The latest scores of the line's borrower, newest first."""
        ...


class RescoringUnitOfWork(UnitOfWork, Protocol):
    @property
    def behaviour(self) -> BehaviourStore: ...
    @property
    def lending(self) -> LineBook: ...
    @property
    def audit(self) -> AuditAppender: ...


@dataclass(frozen=True, slots=True)
class RescoringServices:
    uow: Callable[[], RescoringUnitOfWork]
    clock: Clock
    rules: LineRules
    # The champion behaviour model, loaded; None while there is none (nothing is scored).
    model: Callable[[], BehaviourModel | None]
    every_days: int = 1  # 1: every night; 7: the Sundays

    def due(self, on: date) -> bool:
        """Whether end of day re-scores on `on`."""
        return on.toordinal() % self.every_days == 0


# ---- the nightly re-score ---------------------------------------------------------------------


def rescore(on: date, svc: RescoringServices) -> dict[str, int]:
    """Score every active borrower as of `on` and act on their lines; what was done, counted.

    A rerun of the date scores again (the same facts give the same score, kept once) and acts
    only where a rule still calls for it: a frozen line is not frozen twice, and a limit the
    score moved waits out the cooldown."""
    counts = {"borrowers_rescored": 0, "line_actions": 0, **dict.fromkeys(COUNTED_AS.values(), 0)}
    model = svc.model()
    if model is None:
        return counts
    with svc.uow() as uow:
        books = active_customers(uow.behaviour.borrower_books(on, active_only=True), on)
    for start in range(0, len(books), CHUNK):
        chunk = books[start : start + CHUNK]
        facts = [behaviour_facts(b, on) for b in chunk]
        scored = model.score_facts(facts)
        scores = [
            BehaviourScore(b.customer, on, s.score, s.pd, model.version, s.reasons, f)
            for b, f, s in zip(chunk, facts, scored, strict=True)
        ]
        with svc.uow() as uow:
            now = svc.clock.now()
            uow.behaviour.save_scores(scores, now)
            for book, score in zip(chunk, scores, strict=True):
                for line in book.lines:
                    if line.status is not LineStatus.CLOSED:
                        for action in _act(uow, line.line_id, score, svc.rules, now):
                            counts["line_actions"] += 1
                            counts[COUNTED_AS[action.kind]] += 1
            uow.commit()
        counts["borrowers_rescored"] += len(chunk)
    return counts


def signals_of(score: BehaviourScore) -> LineSignals:
    """What the line rules read of a score."""
    return LineSignals(
        days_past_due=score.facts.days_past_due,
        behaviour_score=score.score,
        score_reasons=score.reasons,
        months_since_late=score.facts.months_since_late,
        as_of=score.business_date,
    )


def _act(
    uow: RescoringUnitOfWork, line_id: str, score: BehaviourScore, rules: LineRules, now: datetime
) -> tuple[Action, ...]:
    stored = uow.lending.lock_line(line_id)
    if stored is None:
        return ()
    actions = line_actions(stored.line, signals_of(score), rules)
    if not actions:
        return ()
    line = apply_actions(stored.line, actions, score.business_date)
    uow.lending.save_line(replace(stored, line=line), now)
    for action in actions:
        audit_line_action(
            uow.audit,
            line_id,
            action,
            score.business_date,
            now,
            SYSTEM,
            limit_before_fen=stored.line.limit,
            behaviour_score=score_document(score),
        )
    return actions


def score_document(score: BehaviourScore) -> dict[str, Any]:
    """A score as the audit record of an action keeps it (no floats in an audit payload: the
    shares are written as decimal text)."""
    return {
        "customer": score.customer,
        "business_date": score.business_date.isoformat(),
        "score": score.score,
        "pd": str(score.pd),
        "model_version": score.model_version,
        "reasons": list(score.reasons),
        "facts": {
            k: v if isinstance(v, int) else f"{v:.6f}" for k, v in asdict(score.facts).items()
        },
    }


def rescore_step(svc: RescoringServices) -> Callable[[date], Mapping[str, int]]:
    """The end-of-day job (after servicing, before the portfolio snapshot), on the dates the
    configured cadence names."""
    return lambda day: rescore(day, svc) if svc.due(day) else {}


def line_scores(line_id: str, limit: int, svc: RescoringServices) -> list[BehaviourScore]:
    """The behaviour scores of a line's borrower, newest first (`limit` of them, 1–366)."""
    if isinstance(limit, bool) or not isinstance(limit, int) or not 1 <= limit <= 366:
        raise Invalid((FieldError(("limit",), "must be 1 to 366"),))
    with svc.uow() as uow:
        load_line(uow.lending, line_id)
        return uow.behaviour.scores_of_line(line_id, limit)


def training_table(
    as_of: str | date, svc: RescoringServices, window_months: int = 6, bad_dpd: int = 30
) -> list[dict[str, Any]]:
    """`training_rows` over the whole book as the database holds it, cut at `as_of` (not
    after today's business date: the books are not aged past it)."""
    as_of = required_day(as_of, "as_of")
    if as_of > svc.clock.business_date():
        raise Invalid((FieldError(("as_of",), f"{as_of} is after today's business date"),))
    with svc.uow() as uow:
        books = list(uow.behaviour.borrower_books(as_of))
    return training_rows(books, as_of, window_months, bad_dpd)


# ---- the training table -----------------------------------------------------------------------


def month_ends(first: date, last: date) -> list[date]:
    """The month ends from `first`'s through the last on or before `last`."""
    ends: list[date] = []
    year, month = first.year, first.month
    while True:
        end = date(year, month, calendar.monthrange(year, month)[1])
        if end > last:
            return ends
        ends.append(end)
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)


def _months_later(day: date, months: int) -> date:
    month = day.month - 1 + months
    year, month = day.year + month // 12, month % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def training_rows(
    books: Sequence[BorrowerBook], as_of: date, window_months: int = 6, bad_dpd: int = 30
) -> list[dict[str, Any]]:
    """One row per borrower active at each month end whose outcome window has closed by
    `as_of`: the behaviour features, the observation date and `bad` (1 when the borrower went
    `bad_dpd` days past due within `window_months` months after it). A borrower already that
    far behind at a month end gives no row for it."""
    errors: list[FieldError] = []
    if not 1 <= window_months <= 24:
        errors.append(FieldError(("window_months",), "must be 1 to 24"))
    if not 1 <= bad_dpd <= 360:
        errors.append(FieldError(("bad_dpd",), "must be 1 to 360 days"))
    if errors:
        raise Invalid(tuple(errors))
    first = min((r.booked_on for b in books for r in b.loans), default=as_of)
    rows: list[dict[str, Any]] = []
    for observed in month_ends(first, as_of):
        outcome = _months_later(observed, window_months)
        if outcome > as_of:
            break
        for book in active_customers(books, observed):
            facts: BehaviourFacts = behaviour_facts(book, observed)
            if facts.days_past_due >= bad_dpd:
                continue  # already bad: nothing left to foresee
            bad = went_bad(book, observed, outcome, bad_dpd)
            rows.append({**facts.features(), OBSERVED_ON: observed, TARGET: int(bad)})
    return rows


__all__ = [
    "OBSERVED_ON",
    "TARGET",
    "BehaviourStore",
    "RescoringServices",
    "RescoringUnitOfWork",
    "line_scores",
    "month_ends",
    "rescore",
    "rescore_step",
    "score_document",
    "signals_of",
    "training_rows",
    "training_table",
]
