"""Access control's tables: users, their login sessions, channel API keys. No secret in clear:
argon2 password hashes, SHA-256 of session tokens and key secrets, TOTP secrets as vault tokens
(`totp_secret_enc`, re-encrypted by `fengkong data-keys rotate` like any `*_enc` column)."""

from __future__ import annotations

import sqlalchemy as sa

from fengkong.db.tables import JSONType, UTCDateTime, metadata

users = sa.Table(
    "users",
    metadata,
    sa.Column("id", sa.String(40), primary_key=True),
    sa.Column("login", sa.String(64), nullable=False, unique=True),
    sa.Column("display_name", sa.String(120), nullable=False),
    sa.Column("roles", JSONType, nullable=False),
    sa.Column("status", sa.String(16), nullable=False),
    sa.Column("password_hash", sa.String(255), nullable=False),
    sa.Column("failed_attempts", sa.Integer(), nullable=False),
    sa.Column("locked_until", UTCDateTime(), nullable=True),
    sa.Column("totp_secret_enc", sa.Text(), nullable=True),
    sa.Column("totp_last_step", sa.BigInteger(), nullable=True),
    sa.Column("created_at", UTCDateTime(), nullable=False),
    sa.Column("created_by", sa.String(80), nullable=False),
    sa.Column("updated_at", UTCDateTime(), nullable=False),
    sa.CheckConstraint("status in ('active', 'disabled')", name="status"),
)

user_sessions = sa.Table(
    "user_sessions",
    metadata,
    sa.Column("id", sa.String(40), primary_key=True),
    sa.Column("token_sha256", sa.String(64), nullable=False, unique=True),
    sa.Column("user_id", sa.String(40), sa.ForeignKey("users.id"), nullable=False, index=True),
    sa.Column("created_at", UTCDateTime(), nullable=False),
    sa.Column("last_used_at", UTCDateTime(), nullable=False),
    sa.Column("expires_at", UTCDateTime(), nullable=False),
    sa.Column("revoked_at", UTCDateTime(), nullable=True),
)

api_keys = sa.Table(
    "api_keys",
    metadata,
    sa.Column("id", sa.String(40), primary_key=True),
    sa.Column("name", sa.String(64), nullable=False, unique=True),
    sa.Column("secret_sha256", sa.String(64), nullable=False),
    sa.Column("roles", JSONType, nullable=False),
    sa.Column("channel", sa.String(16), nullable=True),
    sa.Column("created_at", UTCDateTime(), nullable=False),
    sa.Column("created_by", sa.String(80), nullable=False),
    sa.Column("expires_at", UTCDateTime(), nullable=True),
    sa.Column("revoked_at", UTCDateTime(), nullable=True),
    sa.Column("revoked_by", sa.String(80), nullable=True),
    sa.Column("last_used_at", UTCDateTime(), nullable=True),
)
