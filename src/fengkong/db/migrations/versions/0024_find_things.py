"""credit lines name the application they were opened on (their borrower); an index for the
loans list's default order

Revision ID: 0024_find_things
Revises: 0017_loan_documents_json
Create Date: 2026-12-06
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0024_find_things"
down_revision = "0017_loan_documents_json"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Nullable: lines opened before, or without an application, have no borrower on record.
    op.add_column("credit_lines", sa.Column("application_id", sa.String(40), nullable=True))
    op.create_index("ix_credit_lines_application_id", "credit_lines", ["application_id"])
    op.create_index("ix_loans_booked_on_id", "loans", ["booked_on", "id"])


def downgrade() -> None:
    op.drop_index("ix_loans_booked_on_id", table_name="loans")
    op.drop_index("ix_credit_lines_application_id", table_name="credit_lines")
    with op.batch_alter_table("credit_lines") as batch:
        batch.drop_column("application_id")
