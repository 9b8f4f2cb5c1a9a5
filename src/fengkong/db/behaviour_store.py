"""Behaviour scoring in the database (`lending.rescoring.BehaviourStore`): every borrower's
loans, lines and black-list hits, grouped by customer (the holder of one resident ID number,
through the loan's application or, for a draw, its line's), and the scores kept per date."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator, Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from fengkong.db.behaviour_tables import behaviour_scores
from fengkong.db.lending_rows import line_record, loan_record
from fengkong.db.lending_tables import credit_lines, loans
from fengkong.db.servicing_tables import blacklist_actions, borrower_keys
from fengkong.db.tables import applications
from fengkong.lending.behaviour import BehaviourFacts, BehaviourScore, BorrowerBook
from fengkong.lending.line import CreditLine
from fengkong.lending.records import LoanRecord
from fengkong.onboarding.party import customer_id

_BOOKED = ("active", "settled", "written_off")
_STREAM = 1_000

# Who holds a loan or a line: the holder of the resident ID of its application (for a draw, its
# line's application), else the borrower bound to the line (a line opened without one).
_HOLDER = sa.func.coalesce(applications.c.id_number_bidx, borrower_keys.c.id_number_bidx)
_LOANS_AND_HOLDERS = (
    loans.outerjoin(credit_lines, credit_lines.c.id == loans.c.line_id)
    .outerjoin(
        applications,
        applications.c.id
        == sa.func.coalesce(loans.c.application_id, credit_lines.c.application_id),
    )
    .outerjoin(borrower_keys, borrower_keys.c.line_id == loans.c.line_id)
)
_LINES_AND_HOLDERS = credit_lines.outerjoin(
    applications, applications.c.id == credit_lines.c.application_id
).outerjoin(borrower_keys, borrower_keys.c.line_id == credit_lines.c.id)


class SqlBehaviourStore:
    """Implements `BehaviourStore` in the unit of work's session (never commits)."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def borrower_books(self, on: date, *, active_only: bool = False) -> Iterator[BorrowerBook]:
        active = self._active_holders() if active_only else None
        loan_rows = self.session.execute(
            sa.select(loans, _HOLDER.label("owner_bidx"))
            .select_from(_LOANS_AND_HOLDERS)
            .where(loans.c.booked_on <= on, loans.c.status.in_(_BOOKED), _HOLDER.is_not(None))
            .order_by(loans.c.id),
            execution_options={"yield_per": _STREAM},
        )
        by_customer: dict[str, list[LoanRecord]] = defaultdict(list)
        for row in loan_rows:
            if active is not None and row.owner_bidx not in active:
                continue  # decoding a state is the cost: only the borrowers to be scored
            by_customer[customer_id(row.owner_bidx)].append(loan_record(row._mapping))
        lines: dict[str, list[CreditLine]] = defaultdict(list)
        owners: dict[str, str] = {}
        line_rows = self.session.execute(
            sa.select(credit_lines, _HOLDER.label("owner_bidx"))
            .select_from(_LINES_AND_HOLDERS)
            .where(_HOLDER.is_not(None))
            .order_by(credit_lines.c.id)
        )
        for row in line_rows:
            line = line_record(row).line
            owners[line.line_id] = customer_id(row.owner_bidx)
            lines[owners[line.line_id]].append(line)
        hits: dict[str, list[date]] = defaultdict(list)
        for line_id, day in self.session.execute(
            sa.select(blacklist_actions.c.line_id, blacklist_actions.c.business_date)
        ):
            if line_id in owners:
                hits[owners[line_id]].append(day)
        for customer in sorted(by_customer):
            yield BorrowerBook(
                customer,
                tuple(by_customer[customer]),
                tuple(lines.get(customer, ())),
                tuple(sorted(hits.get(customer, ()))),
            )

    def _active_holders(self) -> set[str]:
        """The blind indexes of the holders of an active loan or a line not closed, now."""
        with_loans = self.session.execute(
            sa.select(_HOLDER)
            .select_from(_LOANS_AND_HOLDERS)
            .where(loans.c.status == "active")
            .distinct()
        ).scalars()
        with_lines = self.session.execute(
            sa.select(_HOLDER)
            .select_from(_LINES_AND_HOLDERS)
            .where(credit_lines.c.status != "closed")
            .distinct()
        ).scalars()
        return {b for b in (*with_loans, *with_lines) if b is not None}

    def save_scores(self, scores: Sequence[BehaviourScore], now: datetime) -> None:
        if not scores:
            return
        for score in scores:
            self.session.execute(
                sa.delete(behaviour_scores).where(
                    behaviour_scores.c.customer_id == score.customer,
                    behaviour_scores.c.business_date == score.business_date,
                )
            )
        self.session.execute(
            sa.insert(behaviour_scores),
            [
                {
                    "customer_id": s.customer,
                    "business_date": s.business_date,
                    "score": s.score,
                    "pd": str(s.pd),
                    "model_version": s.model_version,
                    "reasons": list(s.reasons),
                    "facts": s.facts.features(),
                    "scored_at": now,
                }
                for s in scores
            ],
        )

    def scores(self, customer: str, limit: int) -> list[BehaviourScore]:
        rows = self.session.execute(
            sa.select(behaviour_scores)
            .where(behaviour_scores.c.customer_id == customer)
            .order_by(behaviour_scores.c.business_date.desc())
            .limit(limit)
        )
        return [_score(r) for r in rows]

    def scores_of_line(self, line_id: str, limit: int) -> list[BehaviourScore]:
        customer = line_owner(self.session, line_id)
        return [] if customer is None else self.scores(customer, limit)

    def latest_score(self, customer: str) -> BehaviourScore | None:
        found = self.scores(customer, 1)
        return found[0] if found else None


def line_owner(session: Session, line_id: str) -> str | None:
    """The customer who holds the line: its application's, else the borrower bound to it."""
    found = session.execute(
        sa.select(_HOLDER).select_from(_LINES_AND_HOLDERS).where(credit_lines.c.id == line_id)
    ).scalar_one_or_none()
    return None if found is None else customer_id(found)


def _score(r: Any) -> BehaviourScore:
    return BehaviourScore(
        customer=r.customer_id,
        business_date=r.business_date,
        score=r.score,
        pd=Decimal(r.pd),
        model_version=r.model_version,
        reasons=tuple(r.reasons),
        facts=BehaviourFacts.from_features(r.facts),
    )
