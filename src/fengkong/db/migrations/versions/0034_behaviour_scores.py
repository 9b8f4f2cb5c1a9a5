"""post-loan behaviour scores

Revision ID: 0034_behaviour_scores
Revises: 0033_alerts
Create Date: 2026-12-07

- `behaviour_scores`: one row per borrower and business date scored by the champion behaviour
  model at end of day (`lending.rescoring`): score, PD, model version, reason codes and the
  facts scored. A new table only.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

from fengkong.db.tables import UTCDateTime

revision = "0034_behaviour_scores"
down_revision = "0033_alerts"
branch_labels = None
depends_on = None

JSONType = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def upgrade() -> None:
    op.create_table(
        "behaviour_scores",
        sa.Column("customer_id", sa.String(length=80), nullable=False),
        sa.Column("business_date", sa.Date(), nullable=False),
        sa.Column("score", sa.Integer(), nullable=False),
        sa.Column("pd", sa.String(length=24), nullable=False),
        sa.Column("model_version", sa.String(length=80), nullable=False),
        sa.Column("reasons", JSONType, nullable=False),
        sa.Column("facts", JSONType, nullable=False),
        sa.Column("scored_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("customer_id", "business_date", name=op.f("pk_behaviour_scores")),
    )


def downgrade() -> None:
    op.drop_table("behaviour_scores")
