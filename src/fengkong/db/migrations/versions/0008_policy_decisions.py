"""decisions keep the policy engine's limit, price, offer, trace and facts; verify outcome;
content-addressed policy bundles for replay

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-23
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

from fengkong.db.tables import UTCDateTime

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")


def upgrade() -> None:
    with op.batch_alter_table("decisions") as batch:
        batch.add_column(sa.Column("policy_sha256", sa.String(length=64), nullable=True))
        batch.add_column(sa.Column("annual_rate", sa.String(length=24), nullable=True))
        batch.add_column(sa.Column("term_months", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("offer", JSON, nullable=True))
        batch.add_column(sa.Column("trace", JSON, nullable=True))
        batch.add_column(sa.Column("facts", JSON, nullable=True))
        batch.drop_constraint(op.f("ck_decisions_outcome"), type_="check")
        batch.create_check_constraint(
            "outcome", "outcome in ('approve', 'decline', 'refer', 'verify')"
        )
    op.create_table(
        "policy_bundles",
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("label", sa.String(length=80), nullable=False),
        sa.Column("bundle", JSON, nullable=False),
        sa.Column("first_used_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("sha256", name=op.f("pk_policy_bundles")),
    )


def downgrade() -> None:
    op.drop_table("policy_bundles")
    with op.batch_alter_table("decisions") as batch:
        batch.drop_constraint(op.f("ck_decisions_outcome"), type_="check")
        batch.create_check_constraint("outcome", "outcome in ('approve', 'decline', 'refer')")
        for column in ("facts", "trace", "offer", "term_months", "annual_rate", "policy_sha256"):
            batch.drop_column(column)
