"""Decision tables beyond the decision itself: the review queue and the policy versions."""

from __future__ import annotations

import sqlalchemy as sa

from fengkong.db.tables import DocumentJSON, JSONType, UTCDateTime, metadata

REVIEW_STATUSES = "('open', 'claimed', 'awaiting_second', 'approved', 'declined', 'expired')"
REVIEW_ACTIONS = "('enqueued', 'claimed', 'first_approval', 'approved', 'declined', 'expired')"
POLICY_STATUSES = "('draft', 'pending_approval', 'active', 'challenger', 'retired')"

review_items = sa.Table(
    "review_items",
    metadata,
    sa.Column("id", sa.String(40), primary_key=True),
    sa.Column("application_id", sa.String(40), sa.ForeignKey("applications.id"), nullable=False),
    sa.Column(
        "decision_id", sa.String(40), sa.ForeignKey("decisions.id"), nullable=False, unique=True
    ),
    sa.Column("reasons", JSONType, nullable=False),
    sa.Column("amount_fen", sa.BigInteger(), nullable=False),
    sa.Column("four_eyes", sa.Boolean(), nullable=False),
    sa.Column("created_at", UTCDateTime(), nullable=False),
    sa.Column("due_at", UTCDateTime(), nullable=False),
    sa.Column("expires_at", UTCDateTime(), nullable=False),
    sa.Column("status", sa.String(20), nullable=False),
    sa.Column("claimed_by", sa.String(80), nullable=True),
    sa.Column("claimed_at", UTCDateTime(), nullable=True),
    sa.Column("claim_expires_at", UTCDateTime(), nullable=True),
    sa.Column("first_approved_by", sa.String(80), nullable=True),
    sa.Column("first_approved_at", UTCDateTime(), nullable=True),
    sa.Column("decided_by", sa.String(80), nullable=True),
    sa.Column("decided_at", UTCDateTime(), nullable=True),
    sa.Column("version", sa.Integer(), nullable=False),
    # the terms of the approval (four eyes: of the first, which the second confirms)
    sa.Column("proposed_amount_fen", sa.BigInteger(), nullable=True),
    sa.Column("proposed_annual_rate", sa.String(24), nullable=True),
    sa.Column("proposed_term_months", sa.Integer(), nullable=True),
    sa.Column("proposed_security", sa.String(40), nullable=True),  # a requirement's name
    sa.CheckConstraint(f"status in {REVIEW_STATUSES}", name="status"),
    sa.CheckConstraint("amount_fen > 0", name="amount_positive"),
)
# The officers' list: the active items by status, soonest due first.
sa.Index("ix_review_items_status_due", review_items.c.status, review_items.c.due_at)

review_events = sa.Table(
    "review_events",
    metadata,
    sa.Column("item_id", sa.String(40), sa.ForeignKey("review_items.id"), primary_key=True),
    sa.Column("seq", sa.Integer(), primary_key=True, autoincrement=False),
    sa.Column("at", UTCDateTime(), nullable=False),
    sa.Column("officer", sa.String(80), nullable=False),
    sa.Column("action", sa.String(20), nullable=False),
    sa.Column("comment", sa.Text(), nullable=False),
    sa.CheckConstraint(f"action in {REVIEW_ACTIONS}", name="action"),
)

# An officer's decision on a referral, beside the automatic decision it settles (never rewritten).
officer_decisions = sa.Table(
    "officer_decisions",
    metadata,
    sa.Column("id", sa.String(40), primary_key=True),
    sa.Column(
        "application_id",
        sa.String(40),
        sa.ForeignKey("applications.id"),
        nullable=False,
        unique=True,
    ),
    sa.Column(
        "decision_id", sa.String(40), sa.ForeignKey("decisions.id"), nullable=False, unique=True
    ),
    sa.Column(
        "review_item_id",
        sa.String(40),
        sa.ForeignKey("review_items.id"),
        nullable=False,
        unique=True,
    ),
    sa.Column("outcome", sa.String(16), nullable=False),
    sa.Column("decided_by", sa.String(80), nullable=False),
    sa.Column("first_approved_by", sa.String(80), nullable=True),
    sa.Column("decided_at", UTCDateTime(), nullable=False),
    sa.Column("reasons", DocumentJSON, nullable=False),
    sa.Column("comment", sa.Text(), nullable=False),
    sa.Column("policy_version", sa.String(80), nullable=False),
    sa.Column("policy_sha256", sa.String(64), nullable=True),
    sa.Column("approved_amount_fen", sa.BigInteger(), nullable=True),
    sa.Column("annual_rate", sa.String(24), nullable=True),
    sa.Column("term_months", sa.Integer(), nullable=True),
    sa.Column("offer", DocumentJSON, nullable=True),
    # approved on condition of security: the requirement's name (the condition is in `offer`)
    sa.Column("security", sa.String(40), nullable=True),
    sa.CheckConstraint("outcome in ('approve', 'decline')", name="outcome"),
    sa.CheckConstraint(
        "outcome = 'decline' or (approved_amount_fen > 0 and annual_rate is not null "
        "and term_months > 0)",
        name="approval_has_terms",
    ),
)

policy_versions = sa.Table(
    "policy_versions",
    metadata,
    sa.Column("id", sa.String(40), primary_key=True),
    sa.Column("version", sa.String(80), nullable=False, unique=True),
    sa.Column("document", sa.Text(), nullable=False),
    sa.Column("sha256", sa.String(64), nullable=False),
    sa.Column("author", sa.String(80), nullable=False),
    sa.Column("created_at", UTCDateTime(), nullable=False),
    sa.Column("status", sa.String(20), nullable=False),
    sa.Column("requested_role", sa.String(16), nullable=True),
    sa.Column("requested_by", sa.String(80), nullable=True),
    sa.Column("requested_at", UTCDateTime(), nullable=True),
    sa.Column("approved_by", sa.String(80), nullable=True),
    sa.Column("activated_at", UTCDateTime(), nullable=True),
    sa.Column("retired_at", UTCDateTime(), nullable=True),
    sa.CheckConstraint(f"status in {POLICY_STATUSES}", name="status"),
    sa.CheckConstraint(
        "requested_role is null or requested_role in ('champion', 'challenger')",
        name="requested_role",
    ),
)
# One champion and one challenger at most, whatever the code above does.
sa.Index(
    "uq_policy_versions_one_per_role",
    policy_versions.c.status,
    unique=True,
    sqlite_where=policy_versions.c.status.in_(("active", "challenger")),
    postgresql_where=policy_versions.c.status.in_(("active", "challenger")),
)
