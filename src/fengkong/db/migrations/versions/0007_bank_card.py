"""applications keep the bank card encrypted, with a blind index

Revision ID: 0007
Revises: 0003
Create Date: 2026-11-23
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("applications") as batch:
        batch.add_column(sa.Column("bank_card_enc", sa.Text(), nullable=True))
        batch.add_column(sa.Column("bank_card_bidx", sa.String(length=64), nullable=True))
        batch.create_index(batch.f("ix_applications_bank_card_bidx"), ["bank_card_bidx"])


def downgrade() -> None:
    with op.batch_alter_table("applications") as batch:
        batch.drop_index(batch.f("ix_applications_bank_card_bidx"))
        batch.drop_column("bank_card_bidx")
        batch.drop_column("bank_card_enc")
