"""review queue and policy versions

Revision ID: 0006
Revises: 0001
Create Date: 2026-11-25
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

from fengkong.db.tables import UTCDateTime

revision = "0006"
down_revision = "0001"
branch_labels = None
depends_on = None

JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")
REVIEW_STATUSES = "('open', 'claimed', 'awaiting_second', 'approved', 'declined', 'expired')"
REVIEW_ACTIONS = "('enqueued', 'claimed', 'first_approval', 'approved', 'declined', 'expired')"
POLICY_STATUSES = "('draft', 'pending_approval', 'active', 'challenger', 'retired')"


def upgrade() -> None:
    op.create_table(
        "review_items",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("application_id", sa.String(length=40), nullable=False),
        sa.Column("decision_id", sa.String(length=40), nullable=False),
        sa.Column("reasons", JSON, nullable=False),
        sa.Column("amount_fen", sa.BigInteger(), nullable=False),
        sa.Column("four_eyes", sa.Boolean(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("due_at", UTCDateTime(), nullable=False),
        sa.Column("expires_at", UTCDateTime(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("claimed_by", sa.String(length=80), nullable=True),
        sa.Column("claimed_at", UTCDateTime(), nullable=True),
        sa.Column("claim_expires_at", UTCDateTime(), nullable=True),
        sa.Column("first_approved_by", sa.String(length=80), nullable=True),
        sa.Column("first_approved_at", UTCDateTime(), nullable=True),
        sa.Column("decided_by", sa.String(length=80), nullable=True),
        sa.Column("decided_at", UTCDateTime(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.CheckConstraint(f"status in {REVIEW_STATUSES}", name=op.f("ck_review_items_status")),
        sa.CheckConstraint("amount_fen > 0", name=op.f("ck_review_items_amount_positive")),
        sa.ForeignKeyConstraint(
            ["application_id"],
            ["applications.id"],
            name=op.f("fk_review_items_application_id_applications"),
        ),
        sa.ForeignKeyConstraint(
            ["decision_id"], ["decisions.id"], name=op.f("fk_review_items_decision_id_decisions")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_review_items")),
        sa.UniqueConstraint("decision_id", name=op.f("uq_review_items_decision_id")),
    )
    op.create_index("ix_review_items_status_due", "review_items", ["status", "due_at"])

    op.create_table(
        "review_events",
        sa.Column("item_id", sa.String(length=40), nullable=False),
        sa.Column("seq", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("at", UTCDateTime(), nullable=False),
        sa.Column("officer", sa.String(length=80), nullable=False),
        sa.Column("action", sa.String(length=20), nullable=False),
        sa.Column("comment", sa.Text(), nullable=False),
        sa.CheckConstraint(f"action in {REVIEW_ACTIONS}", name=op.f("ck_review_events_action")),
        sa.ForeignKeyConstraint(
            ["item_id"], ["review_items.id"], name=op.f("fk_review_events_item_id_review_items")
        ),
        sa.PrimaryKeyConstraint("item_id", "seq", name=op.f("pk_review_events")),
    )

    op.create_table(
        "policy_versions",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("version", sa.String(length=80), nullable=False),
        sa.Column("document", sa.Text(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("author", sa.String(length=80), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("requested_role", sa.String(length=16), nullable=True),
        sa.Column("requested_by", sa.String(length=80), nullable=True),
        sa.Column("requested_at", UTCDateTime(), nullable=True),
        sa.Column("approved_by", sa.String(length=80), nullable=True),
        sa.Column("activated_at", UTCDateTime(), nullable=True),
        sa.Column("retired_at", UTCDateTime(), nullable=True),
        sa.CheckConstraint(f"status in {POLICY_STATUSES}", name=op.f("ck_policy_versions_status")),
        sa.CheckConstraint(
            "requested_role is null or requested_role in ('champion', 'challenger')",
            name=op.f("ck_policy_versions_requested_role"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_policy_versions")),
        sa.UniqueConstraint("version", name=op.f("uq_policy_versions_version")),
    )
    one_per_role = sa.text("status in ('active', 'challenger')")
    op.create_index(
        "uq_policy_versions_one_per_role",
        "policy_versions",
        ["status"],
        unique=True,
        sqlite_where=one_per_role,
        postgresql_where=one_per_role,
    )


def downgrade() -> None:
    op.drop_index("uq_policy_versions_one_per_role", table_name="policy_versions")
    op.drop_table("policy_versions")
    op.drop_table("review_events")
    op.drop_index("ix_review_items_status_due", table_name="review_items")
    op.drop_table("review_items")
