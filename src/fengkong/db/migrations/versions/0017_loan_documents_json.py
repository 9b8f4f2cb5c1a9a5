"""loan and credit-line states and repayment results as json on PostgreSQL: stored and read
whole, never queried inside

Revision ID: 0017_loan_documents_json
Revises: 0011_eod_positions
Create Date: 2026-12-04
"""

from __future__ import annotations

from alembic import op

revision = "0017_loan_documents_json"
down_revision = "0011_eod_positions"
branch_labels = None
depends_on = None

# `jsonb` parses and re-encodes each document it stores, for operators no query here uses: a
# repayment rewrites its loan's state and stores its own result. `json` keeps the text as sent.
_DOCUMENTS = {
    "loans": ("state",),
    "credit_lines": ("state",),
    "repayments": ("entry_ids", "result"),
}


def _retype(to: str) -> None:
    if op.get_bind().dialect.name == "postgresql":
        for table, columns in _DOCUMENTS.items():
            op.execute(
                f"alter table {table} "
                + ", ".join(f"alter column {c} type {to} using {c}::{to}" for c in columns)
            )


def upgrade() -> None:
    _retype("json")


def downgrade() -> None:
    _retype("jsonb")
