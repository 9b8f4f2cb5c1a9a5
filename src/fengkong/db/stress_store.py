"""The stress report's reads beyond the snapshots (`monitoring.stress_report.StressStore`): the
loans active at a date's end with their instalments due after it, their collateral's latest
valuations, and the repayments applied to the book's loans after it."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator
from datetime import date
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.orm import Session

from fengkong.core.money import Fen
from fengkong.db.lending_tables import loan_instalments, loans, repayments
from fengkong.db.servicing_tables import collateral_items, collateral_valuations
from fengkong.monitoring.stress_report import Instalment, ScheduledLoan

_CLOSED = ("settled", "written_off")
_CHUNK = 500  # loans whose instalments are fetched at a time


class SqlStressStore:
    """Implements `StressStore` in the unit of work's session (reads only)."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def _active_on(self, on: date) -> list[tuple[str, int]]:
        found = self.session.execute(
            sa.select(loans.c.id, loans.c.amount_fen, loans.c.status)
            .where(loans.c.booked_on <= on, loans.c.status.in_(("active", *_CLOSED)))
            .order_by(loans.c.id)
        ).all()
        closed = [r.id for r in found if r.status in _CLOSED]
        # A closed loan was still on the books at `on` if it closed after it; only its state
        # document keeps when it closed, so only closed loans' states are read.
        closed_by: set[str] = set()
        for start in range(0, len(closed), _CHUNK):
            states = self.session.execute(
                sa.select(loans.c.id, loans.c.state).where(
                    loans.c.id.in_(closed[start : start + _CHUNK])
                )
            )
            for r in states:
                day = (r.state or {}).get("closed_on")
                if day is not None and date.fromisoformat(day) <= on:
                    closed_by.add(r.id)
        return [(r.id, int(r.amount_fen)) for r in found if r.id not in closed_by]

    def loans_active_on(self, on: date) -> Iterator[ScheduledLoan]:
        active = self._active_on(on)
        for start in range(0, len(active), _CHUNK):
            chunk = dict(active[start : start + _CHUNK])
            rows = self.session.execute(
                sa.select(loan_instalments)
                .where(loan_instalments.c.loan_id.in_(list(chunk)), loan_instalments.c.due > on)
                .order_by(loan_instalments.c.loan_id, loan_instalments.c.number)
            )
            schedules: dict[str, list[Instalment]] = defaultdict(list)
            for r in rows:
                schedules[r.loan_id].append(
                    Instalment(
                        due=r.due,
                        amount_fen=Fen(r.principal_fen + r.interest_fen + r.fee_fen),
                        opening_fen=Fen(r.opening_principal_fen),
                        closing_fen=Fen(r.closing_principal_fen),
                    )
                )
            for loan_id, amount in chunk.items():
                yield ScheduledLoan(loan_id, Fen(amount), tuple(schedules.get(loan_id, ())))

    def collateral_on(self, on: date) -> Iterable[tuple[str, Decimal, Fen]]:
        latest = (
            sa.select(
                collateral_valuations.c.item_id,
                sa.func.max(collateral_valuations.c.valued_on).label("valued_on"),
            )
            .where(collateral_valuations.c.valued_on <= on)
            .group_by(collateral_valuations.c.item_id)
            .subquery()
        )
        found = self.session.execute(
            sa.select(
                collateral_items.c.loan_id,
                collateral_items.c.haircut,
                collateral_valuations.c.value_fen,
            )
            .select_from(
                collateral_items.join(latest, latest.c.item_id == collateral_items.c.id).join(
                    collateral_valuations,
                    sa.and_(
                        collateral_valuations.c.item_id == latest.c.item_id,
                        collateral_valuations.c.valued_on == latest.c.valued_on,
                    ),
                )
            )
            .order_by(collateral_items.c.loan_id, collateral_items.c.id)
        )
        return [(r.loan_id, Decimal(r.haircut), Fen(r.value_fen)) for r in found]

    def collected(self, on: date, first: date, last: date) -> Iterable[tuple[date, Fen]]:
        found = self.session.execute(
            sa.select(repayments.c.business_date, sa.func.sum(repayments.c.amount_fen))
            .select_from(repayments.join(loans, loans.c.id == repayments.c.loan_id))
            .where(
                loans.c.booked_on <= on,
                repayments.c.status == "applied",
                repayments.c.business_date >= first,
                repayments.c.business_date <= last,
            )
            .group_by(repayments.c.business_date)
            .order_by(repayments.c.business_date)
        )
        return [(r[0], Fen(int(r[1]))) for r in found]
