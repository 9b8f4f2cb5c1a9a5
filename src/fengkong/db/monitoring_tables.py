"""Tables of portfolio monitoring: the daily snapshots (`monitoring.snapshots`) and the mark of
the loan book each was taken on."""

from __future__ import annotations

import sqlalchemy as sa

from fengkong.db.tables import JSONType, UTCDateTime, metadata

# One row per business date, dimension (`all`, `product`, …) and segment (`all`, a product code,
# a province code…): the segment's figures as one document (`monitoring.figures`).
portfolio_snapshots = sa.Table(
    "portfolio_snapshots",
    metadata,
    sa.Column("business_date", sa.Date(), primary_key=True),
    sa.Column("dimension", sa.String(16), primary_key=True),
    sa.Column("segment", sa.String(80), primary_key=True),
    sa.Column("figures", JSONType, nullable=False),
)

# One row per snapshot date: when it was taken, how many loans it read, the book's mark then
# (`loans:sum of revisions`, which every write to a loan moves) and the LGD it used.
portfolio_snapshot_books = sa.Table(
    "portfolio_snapshot_books",
    metadata,
    sa.Column("business_date", sa.Date(), primary_key=True),
    sa.Column("taken_at", UTCDateTime(), nullable=False),
    sa.Column("loans", sa.Integer(), nullable=False),
    sa.Column("book_mark", sa.String(80), nullable=False),
    sa.Column("lgd", sa.String(24), nullable=False),
)
