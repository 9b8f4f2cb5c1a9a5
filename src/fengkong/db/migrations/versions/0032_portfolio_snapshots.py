"""applications keep the applicant's region; daily portfolio snapshots and what they were taken on

Revision ID: 0032_portfolio_snapshots
Revises: 0030_journal_audit_seq
Create Date: 2026-12-09

- `applications.region`: the province code of the applicant's resident ID (`onboarding.region`).
  Applications stored before keep null: reported as `unknown`, not derived afterwards from the
  encrypted ID number (a migration holds no vault key, and the books should not change under an
  upgrade).
- `portfolio_snapshots`: one row per business date, dimension and segment, the figures as one
  JSON document (`monitoring.figures`), written by end of day and replaced whole by a rebuild.
- `portfolio_snapshot_books`: per business date, when its snapshot was taken and the mark of the
  loan book it was taken on (`monitoring.snapshots`): a rebuild recomputes a date only while the
  book still bears that mark.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

from fengkong.db.tables import UTCDateTime

revision = "0032_portfolio_snapshots"
down_revision = "0030_journal_audit_seq"
branch_labels = None
depends_on = None

JSONType = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def upgrade() -> None:
    with op.batch_alter_table("applications") as batch:
        batch.add_column(sa.Column("region", sa.String(length=8), nullable=True))
    op.create_table(
        "portfolio_snapshots",
        sa.Column("business_date", sa.Date(), nullable=False),
        sa.Column("dimension", sa.String(length=16), nullable=False),
        sa.Column("segment", sa.String(length=80), nullable=False),
        sa.Column("figures", JSONType, nullable=False),
        sa.PrimaryKeyConstraint(
            "business_date", "dimension", "segment", name=op.f("pk_portfolio_snapshots")
        ),
    )
    op.create_table(
        "portfolio_snapshot_books",
        sa.Column("business_date", sa.Date(), nullable=False),
        sa.Column("taken_at", UTCDateTime(), nullable=False),
        sa.Column("loans", sa.Integer(), nullable=False),
        sa.Column("book_mark", sa.String(length=80), nullable=False),
        sa.Column("lgd", sa.String(length=24), nullable=False),
        sa.PrimaryKeyConstraint("business_date", name=op.f("pk_portfolio_snapshot_books")),
    )


def downgrade() -> None:
    op.drop_table("portfolio_snapshot_books")
    op.drop_table("portfolio_snapshots")
    with op.batch_alter_table("applications") as batch:
        batch.drop_column("region")
