"""applications keep the sales channel they came through (and a partner's code)

Revision ID: 0027_application_channel
Revises: 0023_request_id
Create Date: 2026-12-08
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0027_application_channel"
down_revision = "0023_request_id"
branch_labels = None
depends_on = None

# Applications stored before keep null in both columns: nobody asked them their channel, and
# calling them `api` would put a guess in the books that a `channel=api` list would count as
# fact. New applications always have one (`api` when the request names none). No index: the
# lists filter by channel beside their sort key, and a decision's insert should not pay for one.


def upgrade() -> None:
    with op.batch_alter_table("applications") as batch:
        batch.add_column(sa.Column("channel", sa.String(length=16), nullable=True))
        batch.add_column(sa.Column("channel_partner", sa.String(length=40), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("applications") as batch:
        batch.drop_column("channel_partner")
        batch.drop_column("channel")
