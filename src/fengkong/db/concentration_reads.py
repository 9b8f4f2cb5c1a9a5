"""The daily portfolio snapshots as a decision reads them (`decision.concentration`): the latest
snapshot's date, and a date's principal outstanding by the dimensions asked, each in one short
read-only statement of its own session (never the decision's transaction)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

import sqlalchemy as sa

from fengkong.core.money import Fen
from fengkong.db.database import Database
from fengkong.db.monitoring_tables import portfolio_snapshot_books, portfolio_snapshots
from fengkong.decision.concentration import BookSegments

_WHOLE = "all"


class SqlSnapshotSegments:
    """Implements `decision.concentration.SnapshotSegments` over the snapshot tables."""

    def __init__(self, db: Database) -> None:
        self.db = db

    def latest_snapshot_date(self) -> date | None:
        with self.db.session() as session:
            found: date | None = session.execute(
                sa.select(sa.func.max(portfolio_snapshot_books.c.business_date))
            ).scalar_one()
        return found

    def segments_on(self, day: date, dimensions: Iterable[str]) -> BookSegments:
        wanted = [_WHOLE, *dimensions]
        with self.db.session() as session:
            rows = session.execute(
                sa.select(
                    portfolio_snapshots.c.dimension,
                    portfolio_snapshots.c.segment,
                    portfolio_snapshots.c.figures,
                ).where(
                    portfolio_snapshots.c.business_date == day,
                    portfolio_snapshots.c.dimension.in_(wanted),
                )
            ).all()
        by: dict[str, dict[str, Fen]] = {d: {} for d in wanted}
        for dimension, segment, figures in rows:
            # Only the balance is read: `monitoring.figures.SegmentFigures.as_dict`'s key.
            by[dimension][segment] = Fen(int(figures["outstanding_fen"]))
        whole = by.pop(_WHOLE).get(_WHOLE, Fen(0))
        return BookSegments(business_date=day, outstanding_fen=whole, segments=by)
