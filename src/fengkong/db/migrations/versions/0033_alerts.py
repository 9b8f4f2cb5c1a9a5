"""early warning's alerts

Revision ID: 0033_alerts
Revises: 0032_portfolio_snapshots
Create Date: 2026-12-10

- `alerts`: one row per alert opened by an early-warning rule on a portfolio snapshot
  (`monitoring.early_warning`): the rule and segment, first and last seen, the figure's value,
  whether its message went out, and who acknowledged it with what note. A new table only.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from fengkong.db.tables import UTCDateTime

revision = "0033_alerts"
down_revision = "0032_portfolio_snapshots"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "alerts",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("rule_id", sa.String(length=80), nullable=False),
        sa.Column("metric", sa.String(length=40), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("severity", sa.String(length=16), nullable=False),
        sa.Column("dimension", sa.String(length=16), nullable=False),
        sa.Column("segment", sa.String(length=80), nullable=False),
        sa.Column("description", sa.String(length=400), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("opened_on", sa.Date(), nullable=False),
        sa.Column("opened_at", UTCDateTime(), nullable=False),
        sa.Column("last_seen_on", sa.Date(), nullable=False),
        sa.Column("times_seen", sa.Integer(), nullable=False),
        sa.Column("value", sa.String(length=40), nullable=False),
        sa.Column("baseline", sa.String(length=40), nullable=False),
        sa.Column("cleared_on", sa.Date(), nullable=True),
        sa.Column("delivery", sa.String(length=200), nullable=True),
        sa.Column("acknowledged_by", sa.String(length=120), nullable=True),
        sa.Column("acknowledged_at", UTCDateTime(), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_alerts")),
    )
    op.create_index("ix_alerts_rule_segment", "alerts", ["rule_id", "dimension", "segment"])
    op.create_index("ix_alerts_status_last_seen", "alerts", ["status", "last_seen_on"])


def downgrade() -> None:
    op.drop_index("ix_alerts_status_last_seen", table_name="alerts")
    op.drop_index("ix_alerts_rule_segment", table_name="alerts")
    op.drop_table("alerts")
