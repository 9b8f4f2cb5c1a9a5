"""maker-checker requests: a change one person asks for, pending another's approval

Revision ID: 0021_approval_requests
Revises: 0001
Create Date: 2026-12-07

Model promotions, list changes by people, manual write-offs and restructures are asked for by one
person and applied only when an approver other than them approves (`access.approvals`). One
pending request per kind and subject, by a partial unique index.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

from fengkong.db.tables import UTCDateTime

revision = "0021_approval_requests"
down_revision = "0001"
branch_labels = None
depends_on = None

DOCUMENT = sa.JSON().with_variant(postgresql.JSON(), "postgresql")


def upgrade() -> None:
    op.create_table(
        "approval_requests",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("subject", sa.String(length=200), nullable=False),
        sa.Column("payload", DOCUMENT, nullable=False),
        sa.Column("maker", sa.String(length=120), nullable=False),
        sa.Column("requested_at", UTCDateTime(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("checker", sa.String(length=120), nullable=True),
        sa.Column("decided_at", UTCDateTime(), nullable=True),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.CheckConstraint(
            "status in ('pending', 'approved', 'rejected')",
            name=op.f("ck_approval_requests_status"),
        ),
        sa.CheckConstraint(
            "(status = 'pending') = (checker is null and decided_at is null)",
            name=op.f("ck_approval_requests_decided"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_approval_requests")),
    )
    op.create_index(
        "ix_approval_requests_status_kind", "approval_requests", ["status", "kind"], unique=False
    )
    op.create_index(
        "uq_approval_requests_one_pending",
        "approval_requests",
        ["kind", "subject"],
        unique=True,
        sqlite_where=sa.text("status = 'pending'"),
        postgresql_where=sa.text("status = 'pending'"),
    )


def downgrade() -> None:
    op.drop_index("uq_approval_requests_one_pending", table_name="approval_requests")
    op.drop_index("ix_approval_requests_status_kind", table_name="approval_requests")
    op.drop_table("approval_requests")
