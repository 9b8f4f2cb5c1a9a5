"""each journal entry names the audit record that accounts for it

Revision ID: 0030_journal_audit_seq
Revises: 0027_application_channel
Create Date: 2027-01-10
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0030_journal_audit_seq"
down_revision = "0027_application_channel"
branch_labels = None
depends_on = None

# `journal_entries.audit_seq`: the seq of the audit record whose payload names the entry
# (`audit.journal_tie`). Entries posted before have none; `fengkong audit verify` reports them as
# posted before the tie-in, not as failures. Nullable and unindexed, so adding it rewrites
# nothing and end of day's inserts cost what they did.


def upgrade() -> None:
    with op.batch_alter_table("journal_entries") as batch:
        batch.add_column(sa.Column("audit_seq", sa.BigInteger(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("journal_entries") as batch:
        batch.drop_column("audit_seq")
