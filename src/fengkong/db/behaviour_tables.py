"""Tables of post-loan re-scoring (`lending.rescoring`): each borrower's behaviour score per
business date, with the model version, reasons and the facts it was computed from."""

from __future__ import annotations

import sqlalchemy as sa

from fengkong.db.tables import JSONType, UTCDateTime, metadata

behaviour_scores = sa.Table(
    "behaviour_scores",
    metadata,
    sa.Column("customer_id", sa.String(80), primary_key=True),
    sa.Column("business_date", sa.Date(), primary_key=True),
    sa.Column("score", sa.Integer(), nullable=False),
    sa.Column("pd", sa.String(24), nullable=False),
    sa.Column("model_version", sa.String(80), nullable=False),
    sa.Column("reasons", JSONType, nullable=False),
    sa.Column("facts", JSONType, nullable=False),
    sa.Column("scored_at", UTCDateTime(), nullable=False),
)
