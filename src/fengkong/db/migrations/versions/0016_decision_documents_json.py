"""a decision's documents as json on PostgreSQL: stored and read whole, never queried inside

Revision ID: 0016_decision_documents_json
Revises: 0014_audit_append
Create Date: 2026-12-04
"""

from __future__ import annotations

from alembic import op

revision = "0016_decision_documents_json"
down_revision = "0014_audit_append"
branch_labels = None
depends_on = None

# `jsonb` parses and re-encodes each document on insert, for operators no query here uses; `json`
# keeps the text as sent. SQLite stores JSON as text either way.
_DOCUMENTS = ("reasons", "inputs", "features", "offer", "trace", "facts")


def _retype(to: str) -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            "alter table decisions "
            + ", ".join(f"alter column {c} type {to} using {c}::{to}" for c in _DOCUMENTS)
        )


def upgrade() -> None:
    _retype("json")


def downgrade() -> None:
    _retype("jsonb")
