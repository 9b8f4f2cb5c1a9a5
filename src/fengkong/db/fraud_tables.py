"""Fraud-signal tables: velocity events, black/grey/white lists, and the identity-link graph.

Every key is stored as its blind index (`key_hash`), never in clear.
"""

from __future__ import annotations

import sqlalchemy as sa

from fengkong.db.tables import UTCDateTime, metadata

velocity_events = sa.Table(
    "velocity_events",
    metadata,
    sa.Column("key_type", sa.String(16), primary_key=True),
    sa.Column("key_hash", sa.String(64), primary_key=True),
    sa.Column("event_id", sa.String(64), primary_key=True),
    sa.Column("at", UTCDateTime(), nullable=False),
    sa.Column("amount_fen", sa.BigInteger(), nullable=False),
    sa.CheckConstraint("amount_fen >= 0", name="amount_not_negative"),
)
# The window queries: one index range per key; on PostgreSQL the amount rides along in the index,
# so counting and summing a key never visits the table.
sa.Index(
    "ix_velocity_events_key_at",
    velocity_events.c.key_type,
    velocity_events.c.key_hash,
    velocity_events.c.at,
    postgresql_include=["amount_fen"],
)

fraud_list_entries = sa.Table(
    "fraud_list_entries",
    metadata,
    sa.Column("id", sa.String(40), primary_key=True),
    sa.Column("list", sa.String(8), nullable=False),
    sa.Column("key_type", sa.String(16), nullable=False),
    sa.Column("key_hash", sa.String(64), nullable=False),
    sa.Column("display", sa.String(64), nullable=True),
    sa.Column("reason", sa.Text(), nullable=False),
    sa.Column("source", sa.String(80), nullable=False),
    sa.Column("added_by", sa.String(80), nullable=False),
    sa.Column("added_at", UTCDateTime(), nullable=False),
    sa.Column("expires_at", UTCDateTime(), nullable=True),
    sa.Column("removed_by", sa.String(80), nullable=True),
    sa.Column("removed_at", UTCDateTime(), nullable=True),
    sa.Column("removal_reason", sa.Text(), nullable=True),
    sa.CheckConstraint("list in ('black', 'grey', 'white')", name="list"),
)
sa.Index(
    "ix_fraud_list_entries_key",
    fraud_list_entries.c.key_type,
    fraud_list_entries.c.key_hash,
)
# At most one open (not removed) entry per list and key, whatever two people do at once. An
# index cannot say "not expired" (that depends on when one asks): `fraud.list_admin` closes a
# lapsed entry before the same key is added again.
sa.Index(
    "uq_fraud_list_entries_open",
    fraud_list_entries.c.list,
    fraud_list_entries.c.key_type,
    fraud_list_entries.c.key_hash,
    unique=True,
    postgresql_where=sa.text("removed_at IS NULL"),
    sqlite_where=sa.text("removed_at IS NULL"),
)

# The identity-link graph, kept incrementally: applications and keys carry the id of their
# connected component (relabelled smaller-into-larger on a merge), so a component's size is one
# row away and no application ever needs a full rebuild.
link_components = sa.Table(
    "link_components",
    metadata,
    sa.Column("component_id", sa.String(40), primary_key=True),
    sa.Column("size", sa.Integer(), nullable=False),  # applications in the component
)

link_applications = sa.Table(
    "link_applications",
    metadata,
    sa.Column("application_id", sa.String(40), primary_key=True),
    sa.Column("received_at", UTCDateTime(), nullable=False),
    sa.Column("component_id", sa.String(40), nullable=False, index=True),
    sa.Column("id_hash", sa.String(64), nullable=True),
    sa.Column("declined", sa.Boolean(), nullable=False),
    sa.Column("defaulted", sa.Boolean(), nullable=False),
)

link_keys = sa.Table(
    "link_keys",
    metadata,
    sa.Column("key_type", sa.String(16), primary_key=True),
    sa.Column("key_hash", sa.String(64), primary_key=True),
    sa.Column("first_seen_at", UTCDateTime(), nullable=False),
    sa.Column("component_id", sa.String(40), nullable=False, index=True),
)

link_edges = sa.Table(
    "link_edges",
    metadata,
    sa.Column("key_type", sa.String(16), primary_key=True),
    sa.Column("key_hash", sa.String(64), primary_key=True),
    sa.Column("application_id", sa.String(40), primary_key=True),
    # Denormalized from the application so the bad-neighbour count reads only flagged edges.
    sa.Column("flagged", sa.Boolean(), nullable=False),
)
# Only the few flagged edges: the bad-neighbour count reads a handful of entries, and inserting
# the unflagged majority skips the index (migration 0010).
sa.Index(
    "ix_link_edges_flagged_only",
    link_edges.c.key_type,
    link_edges.c.key_hash,
    link_edges.c.application_id,
    postgresql_where=sa.text("flagged"),
    sqlite_where=sa.text("flagged"),
)
sa.Index("ix_link_edges_application_id", link_edges.c.application_id)

link_key_ids = sa.Table(
    "link_key_ids",
    metadata,
    sa.Column("key_type", sa.String(16), primary_key=True),
    sa.Column("key_hash", sa.String(64), primary_key=True),
    sa.Column("id_hash", sa.String(64), primary_key=True),
)
