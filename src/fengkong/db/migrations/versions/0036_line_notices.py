"""line notices: the date a rule last acted on a credit line

Revision ID: 0036_line_notices
Revises: 0024_find_things (the credit lines branch, where `credit_lines` was made and last changed)
Create Date: 2026-12-07

- `credit_lines.rule_acted_on`: the latest business date a rule froze, reduced, raised or closed
  the line, or an officer reinstated it — the changes its borrower is told of. End of day's line
  notice step (`lending.line_notices`) finds the lines to notify by it, so it never reads every
  line's history. Empty on existing lines: their past actions were never notified and stay so.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0036_line_notices"
down_revision = "0024_find_things"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("credit_lines", sa.Column("rule_acted_on", sa.Date(), nullable=True))
    op.create_index("ix_credit_lines_rule_acted_on", "credit_lines", ["rule_acted_on"])


def downgrade() -> None:
    op.drop_index("ix_credit_lines_rule_acted_on", table_name="credit_lines")
    with op.batch_alter_table("credit_lines") as batch:
        batch.drop_column("rule_acted_on")
