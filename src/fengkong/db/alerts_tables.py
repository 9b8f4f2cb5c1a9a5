"""The table of early warning (`monitoring.early_warning`): one row per alert."""

from __future__ import annotations

import sqlalchemy as sa

from fengkong.db.tables import UTCDateTime, metadata

# One row per alert: the rule and segment, first and last seen, the figure then, whether its
# message went out, and who acknowledged it with what note. Values are decimal text.
alerts = sa.Table(
    "alerts",
    metadata,
    sa.Column("id", sa.String(40), primary_key=True),
    sa.Column("rule_id", sa.String(80), nullable=False),
    sa.Column("metric", sa.String(40), nullable=False),
    sa.Column("kind", sa.String(16), nullable=False),
    sa.Column("severity", sa.String(16), nullable=False),
    sa.Column("dimension", sa.String(16), nullable=False),
    sa.Column("segment", sa.String(80), nullable=False),
    sa.Column("description", sa.String(400), nullable=False),
    sa.Column("status", sa.String(16), nullable=False),
    sa.Column("opened_on", sa.Date(), nullable=False),
    sa.Column("opened_at", UTCDateTime(), nullable=False),
    sa.Column("last_seen_on", sa.Date(), nullable=False),
    sa.Column("times_seen", sa.Integer(), nullable=False),
    sa.Column("value", sa.String(40), nullable=False),
    sa.Column("baseline", sa.String(40), nullable=False),
    sa.Column("cleared_on", sa.Date(), nullable=True),
    sa.Column("delivery", sa.String(200), nullable=True),
    sa.Column("acknowledged_by", sa.String(120), nullable=True),
    sa.Column("acknowledged_at", UTCDateTime(), nullable=True),
    sa.Column("note", sa.Text(), nullable=True),
    sa.Index("ix_alerts_rule_segment", "rule_id", "dimension", "segment"),
    sa.Index("ix_alerts_status_last_seen", "status", "last_seen_on"),
)
