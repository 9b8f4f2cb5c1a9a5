"""The table behind the API's `Idempotency-Key` header (`api.idempotency`): one row per key in
its scope (credential, method, path), first claimed (`in_progress`), then holding the response
a repeat of the request is answered with (`done`) until it expires."""

from __future__ import annotations

import sqlalchemy as sa

from fengkong.db.tables import UTCDateTime, metadata

idempotency_records = sa.Table(
    "idempotency_records",
    metadata,
    # sha256 over the credential's own sha256, the method, the path and the key: the credential
    # itself is never stored, nor its plain hash.
    sa.Column("scope_hash", sa.String(64), primary_key=True),
    sa.Column("method", sa.String(10), nullable=False),
    sa.Column("path", sa.String(500), nullable=False),
    sa.Column("idempotency_key", sa.String(100), nullable=False),
    # sha256 of the query string and the body (JSON canonicalised): a repeat must match it.
    sa.Column("request_hash", sa.String(64), nullable=False),
    sa.Column("status", sa.String(16), nullable=False),
    sa.Column("response_status", sa.Integer(), nullable=True),
    sa.Column("response_headers", sa.JSON(), nullable=True),
    sa.Column("response_body", sa.LargeBinary(), nullable=True),
    sa.Column("created_at", UTCDateTime(), nullable=False),
    sa.Column("expires_at", UTCDateTime(), nullable=False, index=True),
    sa.CheckConstraint("status in ('in_progress', 'done')", name="status"),
)
