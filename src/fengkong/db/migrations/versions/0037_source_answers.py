"""external data's recorded answers

Revision ID: 0037_source_answers
Revises: 0036_line_notices
Create Date: 2026-12-07

- `source_answers`: one row per call to an external data provider or imported file
  (`sources.fetching`): kind, subject (blind index), provider, business date, when fetched,
  status, cost, duration, retention, the application it was fetched for, the payload sealed by
  the vault and its sha256, why a call failed, and when the payload was purged. A new table only.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from fengkong.db.tables import UTCDateTime

revision = "0037_source_answers"
down_revision = "0036_line_notices"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "source_answers",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("subject_key", sa.String(length=64), nullable=False),
        sa.Column("provider", sa.String(length=100), nullable=False),
        sa.Column("as_of", sa.Date(), nullable=False),
        sa.Column("fetched_at", UTCDateTime(), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("cost_fen", sa.BigInteger(), nullable=False),
        sa.Column("elapsed_ms", sa.Integer(), nullable=False),
        sa.Column("retain_until", UTCDateTime(), nullable=False),
        sa.Column("application_id", sa.String(length=40), nullable=True),
        sa.Column("source_payload_enc", sa.Text(), nullable=True),
        sa.Column("sha256", sa.String(length=64), nullable=True),
        sa.Column("error", sa.String(length=500), nullable=True),
        sa.Column("purged_at", UTCDateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_source_answers")),
    )
    op.create_index("ix_source_answers_subject", "source_answers", ["subject_key", "kind", "as_of"])
    op.create_index("ix_source_answers_application", "source_answers", ["application_id"])
    op.create_index("ix_source_answers_retain", "source_answers", ["purged_at", "retain_until"])


def downgrade() -> None:
    op.drop_index("ix_source_answers_retain", table_name="source_answers")
    op.drop_index("ix_source_answers_application", table_name="source_answers")
    op.drop_index("ix_source_answers_subject", table_name="source_answers")
    op.drop_table("source_answers")
