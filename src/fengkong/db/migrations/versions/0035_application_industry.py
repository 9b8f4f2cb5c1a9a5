"""applications keep the borrower's industry

Revision ID: 0035_application_industry
Revises: 0034_behaviour_scores
Create Date: 2026-12-11

- `applications.industry`: the GB/T 4754-2017 section letter of the borrower's industry
  (`onboarding.industry`), when the application names one.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0035_application_industry"
down_revision = "0034_behaviour_scores"
branch_labels = None
depends_on = None

# Applications stored before keep null: nobody asked them their industry, and the portfolio
# reports them as `unknown` rather than a guess. No index: the snapshot reads every loan's
# application in one pass, and a decision's insert should not pay for one.


def upgrade() -> None:
    with op.batch_alter_table("applications") as batch:
        batch.add_column(sa.Column("industry", sa.String(length=4), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("applications") as batch:
        batch.drop_column("industry")
