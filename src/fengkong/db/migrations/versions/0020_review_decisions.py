"""officers' decisions on referrals, and the terms an approval proposes on its review item

Revision ID: 0020_review_decisions
Revises: 0006
Create Date: 2026-12-05
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

from fengkong.db.tables import UTCDateTime

revision = "0020_review_decisions"
down_revision = "0006"
branch_labels = None
depends_on = None

DOCUMENT = sa.JSON().with_variant(postgresql.JSON(), "postgresql")


def upgrade() -> None:
    with op.batch_alter_table("review_items") as batch:
        batch.add_column(sa.Column("proposed_amount_fen", sa.BigInteger(), nullable=True))
        batch.add_column(sa.Column("proposed_annual_rate", sa.String(length=24), nullable=True))
        batch.add_column(sa.Column("proposed_term_months", sa.Integer(), nullable=True))

    op.create_table(
        "officer_decisions",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("application_id", sa.String(length=40), nullable=False),
        sa.Column("decision_id", sa.String(length=40), nullable=False),
        sa.Column("review_item_id", sa.String(length=40), nullable=False),
        sa.Column("outcome", sa.String(length=16), nullable=False),
        sa.Column("decided_by", sa.String(length=80), nullable=False),
        sa.Column("first_approved_by", sa.String(length=80), nullable=True),
        sa.Column("decided_at", UTCDateTime(), nullable=False),
        sa.Column("reasons", DOCUMENT, nullable=False),
        sa.Column("comment", sa.Text(), nullable=False),
        sa.Column("policy_version", sa.String(length=80), nullable=False),
        sa.Column("policy_sha256", sa.String(length=64), nullable=True),
        sa.Column("approved_amount_fen", sa.BigInteger(), nullable=True),
        sa.Column("annual_rate", sa.String(length=24), nullable=True),
        sa.Column("term_months", sa.Integer(), nullable=True),
        sa.Column("offer", DOCUMENT, nullable=True),
        sa.CheckConstraint(
            "outcome in ('approve', 'decline')", name=op.f("ck_officer_decisions_outcome")
        ),
        sa.CheckConstraint(
            "outcome = 'decline' or (approved_amount_fen > 0 and annual_rate is not null "
            "and term_months > 0)",
            name=op.f("ck_officer_decisions_approval_has_terms"),
        ),
        sa.ForeignKeyConstraint(
            ["application_id"],
            ["applications.id"],
            name=op.f("fk_officer_decisions_application_id_applications"),
        ),
        sa.ForeignKeyConstraint(
            ["decision_id"],
            ["decisions.id"],
            name=op.f("fk_officer_decisions_decision_id_decisions"),
        ),
        sa.ForeignKeyConstraint(
            ["review_item_id"],
            ["review_items.id"],
            name=op.f("fk_officer_decisions_review_item_id_review_items"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_officer_decisions")),
        sa.UniqueConstraint("application_id", name=op.f("uq_officer_decisions_application_id")),
        sa.UniqueConstraint("decision_id", name=op.f("uq_officer_decisions_decision_id")),
        sa.UniqueConstraint("review_item_id", name=op.f("uq_officer_decisions_review_item_id")),
    )


def downgrade() -> None:
    op.drop_table("officer_decisions")
    with op.batch_alter_table("review_items") as batch:
        batch.drop_column("proposed_term_months")
        batch.drop_column("proposed_annual_rate")
        batch.drop_column("proposed_amount_fen")
