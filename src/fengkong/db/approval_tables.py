"""Tables of maker-checker requests (`access.approvals`)."""

from __future__ import annotations

import sqlalchemy as sa

from fengkong.db.tables import DocumentJSON, UTCDateTime, metadata

APPROVAL_STATUSES = "('pending', 'approved', 'rejected')"

approval_requests = sa.Table(
    "approval_requests",
    metadata,
    sa.Column("id", sa.String(40), primary_key=True),
    sa.Column("kind", sa.String(40), nullable=False),
    sa.Column("subject", sa.String(200), nullable=False),
    sa.Column("payload", DocumentJSON, nullable=False),
    sa.Column("maker", sa.String(120), nullable=False),
    sa.Column("requested_at", UTCDateTime(), nullable=False),
    sa.Column("status", sa.String(16), nullable=False),
    sa.Column("checker", sa.String(120), nullable=True),
    sa.Column("decided_at", UTCDateTime(), nullable=True),
    sa.Column("reason", sa.Text(), nullable=True),
    sa.CheckConstraint(f"status in {APPROVAL_STATUSES}", name="status"),
    sa.CheckConstraint(
        "(status = 'pending') = (checker is null and decided_at is null)", name="decided"
    ),
)
sa.Index("ix_approval_requests_status_kind", approval_requests.c.status, approval_requests.c.kind)
# One pending request per kind and subject, also when two people ask at the same moment.
sa.Index(
    "uq_approval_requests_one_pending",
    approval_requests.c.kind,
    approval_requests.c.subject,
    unique=True,
    sqlite_where=approval_requests.c.status == "pending",
    postgresql_where=approval_requests.c.status == "pending",
)
