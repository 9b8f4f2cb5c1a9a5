"""fraud signals: velocity events, lists, identity-link graph

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-24 10:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from fengkong.db.tables import UTCDateTime

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "velocity_events",
        sa.Column("key_type", sa.String(length=16), nullable=False),
        sa.Column("key_hash", sa.String(length=64), nullable=False),
        sa.Column("event_id", sa.String(length=64), nullable=False),
        sa.Column("at", UTCDateTime(), nullable=False),
        sa.Column("amount_fen", sa.BigInteger(), nullable=False),
        sa.CheckConstraint("amount_fen >= 0", name=op.f("ck_velocity_events_amount_not_negative")),
        sa.PrimaryKeyConstraint(
            "key_type", "key_hash", "event_id", name=op.f("pk_velocity_events")
        ),
    )
    op.create_index(
        "ix_velocity_events_key_at",
        "velocity_events",
        ["key_type", "key_hash", "at"],
        unique=False,
        postgresql_include=["amount_fen"],
    )

    op.create_table(
        "fraud_list_entries",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("list", sa.String(length=8), nullable=False),
        sa.Column("key_type", sa.String(length=16), nullable=False),
        sa.Column("key_hash", sa.String(length=64), nullable=False),
        sa.Column("display", sa.String(length=64), nullable=True),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("source", sa.String(length=80), nullable=False),
        sa.Column("added_by", sa.String(length=80), nullable=False),
        sa.Column("added_at", UTCDateTime(), nullable=False),
        sa.Column("expires_at", UTCDateTime(), nullable=True),
        sa.Column("removed_by", sa.String(length=80), nullable=True),
        sa.Column("removed_at", UTCDateTime(), nullable=True),
        sa.Column("removal_reason", sa.Text(), nullable=True),
        sa.CheckConstraint(
            "list in ('black', 'grey', 'white')", name=op.f("ck_fraud_list_entries_list")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_fraud_list_entries")),
    )
    op.create_index(
        "ix_fraud_list_entries_key", "fraud_list_entries", ["key_type", "key_hash"], unique=False
    )

    op.create_table(
        "link_components",
        sa.Column("component_id", sa.String(length=40), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("component_id", name=op.f("pk_link_components")),
    )
    op.create_table(
        "link_applications",
        sa.Column("application_id", sa.String(length=40), nullable=False),
        sa.Column("received_at", UTCDateTime(), nullable=False),
        sa.Column("component_id", sa.String(length=40), nullable=False),
        sa.Column("id_hash", sa.String(length=64), nullable=True),
        sa.Column("declined", sa.Boolean(), nullable=False),
        sa.Column("defaulted", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("application_id", name=op.f("pk_link_applications")),
    )
    op.create_index(
        "ix_link_applications_component_id", "link_applications", ["component_id"], unique=False
    )
    op.create_table(
        "link_keys",
        sa.Column("key_type", sa.String(length=16), nullable=False),
        sa.Column("key_hash", sa.String(length=64), nullable=False),
        sa.Column("first_seen_at", UTCDateTime(), nullable=False),
        sa.Column("component_id", sa.String(length=40), nullable=False),
        sa.PrimaryKeyConstraint("key_type", "key_hash", name=op.f("pk_link_keys")),
    )
    op.create_index("ix_link_keys_component_id", "link_keys", ["component_id"], unique=False)
    op.create_table(
        "link_edges",
        sa.Column("key_type", sa.String(length=16), nullable=False),
        sa.Column("key_hash", sa.String(length=64), nullable=False),
        sa.Column("application_id", sa.String(length=40), nullable=False),
        sa.Column("flagged", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint(
            "key_type", "key_hash", "application_id", name=op.f("pk_link_edges")
        ),
    )
    op.create_index(
        "ix_link_edges_flagged", "link_edges", ["key_type", "key_hash", "flagged"], unique=False
    )
    op.create_index("ix_link_edges_application_id", "link_edges", ["application_id"], unique=False)
    op.create_table(
        "link_key_ids",
        sa.Column("key_type", sa.String(length=16), nullable=False),
        sa.Column("key_hash", sa.String(length=64), nullable=False),
        sa.Column("id_hash", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("key_type", "key_hash", "id_hash", name=op.f("pk_link_key_ids")),
    )


def downgrade() -> None:
    op.drop_table("link_key_ids")
    op.drop_index("ix_link_edges_application_id", table_name="link_edges")
    op.drop_index("ix_link_edges_flagged", table_name="link_edges")
    op.drop_table("link_edges")
    op.drop_index("ix_link_keys_component_id", table_name="link_keys")
    op.drop_table("link_keys")
    op.drop_index("ix_link_applications_component_id", table_name="link_applications")
    op.drop_table("link_applications")
    op.drop_table("link_components")
    op.drop_index("ix_fraud_list_entries_key", table_name="fraud_list_entries")
    op.drop_table("fraud_list_entries")
    op.drop_index("ix_velocity_events_key_at", table_name="velocity_events")
    op.drop_table("velocity_events")
