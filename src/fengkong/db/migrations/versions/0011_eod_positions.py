"""end of day, quiet loans: the running instalment's accrual figures beside the loan state, and
no (account, loan) index on postings (no query used it; every posting paid for it)

Revision ID: 0011_eod_positions
Revises: 0009
Create Date: 2026-11-23
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011_eod_positions"
down_revision = "0009"
branch_labels = None
depends_on = "0003"  # journal_postings

_COLUMNS = (
    ("quiet_instalment", sa.Integer()),
    ("quiet_period_start", sa.Date()),
    ("quiet_due", sa.Date()),
    ("quiet_interest_fen", sa.BigInteger()),
    ("quiet_ceiling_fen", sa.BigInteger()),
    ("quiet_charged_fen", sa.BigInteger()),
    ("outstanding_fen", sa.BigInteger()),
)


def upgrade() -> None:
    op.drop_index("ix_journal_postings_account", table_name="journal_postings")
    # Existing rows start with NULLs: they take the full end-of-day step once, which fills them.
    with op.batch_alter_table("loans") as batch:
        for name, type_ in _COLUMNS:
            batch.add_column(sa.Column(name, type_, nullable=True))
    if op.get_bind().dialect.name == "postgresql":
        # A quiet day updates a few numbers per loan. Keeping the state document out of line
        # (TOAST) makes the row that PostgreSQL copies on every update small, and free room on
        # each page lets the update stay on the page without touching the indexes (HOT).
        op.execute("ALTER TABLE loans ALTER COLUMN state SET STORAGE EXTERNAL")
        op.execute("ALTER TABLE loans SET (toast_tuple_target = 128, fillfactor = 70)")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("ALTER TABLE loans RESET (toast_tuple_target, fillfactor)")
        op.execute("ALTER TABLE loans ALTER COLUMN state SET STORAGE EXTENDED")
    with op.batch_alter_table("loans") as batch:
        for name, _ in reversed(_COLUMNS):
            batch.drop_column(name)
    op.create_index("ix_journal_postings_account", "journal_postings", ["account_code", "loan_id"])
