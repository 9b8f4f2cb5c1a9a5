"""fraud signals, faster: the bad-neighbour index holds only flagged edges

Revision ID: 0010
Revises: 0002
Create Date: 2026-11-23
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0002"
branch_labels = None
depends_on = None

# Few edges are flagged (declined or defaulted neighbours): a partial index answers the
# bad-neighbour count from a handful of entries, and the unflagged majority of inserts skips it.
# The old full index duplicated the primary key's (key_type, key_hash) prefix.
_FLAGGED = sa.text("flagged")


def upgrade() -> None:
    op.drop_index("ix_link_edges_flagged", table_name="link_edges")
    op.create_index(
        "ix_link_edges_flagged_only",
        "link_edges",
        ["key_type", "key_hash", "application_id"],
        unique=False,
        postgresql_where=_FLAGGED,
        sqlite_where=_FLAGGED,
    )


def downgrade() -> None:
    op.drop_index("ix_link_edges_flagged_only", table_name="link_edges")
    op.create_index(
        "ix_link_edges_flagged", "link_edges", ["key_type", "key_hash", "flagged"], unique=False
    )
