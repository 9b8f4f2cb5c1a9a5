"""use of funds: a draw's or loan's purpose and payee, and the receipts attached after payout

Revision ID: 0039_use_of_funds
Revises: 0036_line_notices
Create Date: 2026-12-07

- `fund_uses`: one row per draw or loan paid out since (`lending.use_of_funds`): the purpose
  stated, whether the money went to a named payee (受托支付) with the payee's name and account as
  vault ciphertext and masks, and, once paid, the payout date, amount, the date receipts are
  due by and what they cover. Loans paid out before have no row.
- `fund_receipts`: the receipts (发票/凭证) attached to a payout: number, date, amount, payee
  (sealed), and the uploaded file's name and sha256.
New tables only.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from fengkong.db.tables import UTCDateTime

revision = "0039_use_of_funds"
down_revision = "0036_line_notices"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "fund_uses",
        sa.Column("loan_id", sa.String(length=40), nullable=False),
        sa.Column("line_id", sa.String(length=40), nullable=True),
        sa.Column("purpose", sa.String(length=40), nullable=True),
        sa.Column("entrusted", sa.Boolean(), nullable=False),
        sa.Column("payee_name_enc", sa.Text(), nullable=True),
        sa.Column("payee_name_bidx", sa.String(length=64), nullable=True),
        sa.Column("payee_name_mask", sa.String(length=120), nullable=True),
        sa.Column("payee_account_enc", sa.Text(), nullable=True),
        sa.Column("payee_account_mask", sa.String(length=40), nullable=True),
        sa.Column("payee_bank", sa.String(length=120), nullable=True),
        sa.Column("receipts_required", sa.Boolean(), nullable=False),
        sa.Column("receipts_within_days", sa.Integer(), nullable=False),
        sa.Column("paid_on", sa.Date(), nullable=True),
        sa.Column("paid_out_fen", sa.BigInteger(), nullable=False),
        sa.Column("receipts_due_on", sa.Date(), nullable=True),
        sa.Column("covered_fen", sa.BigInteger(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("loan_id", name=op.f("pk_fund_uses")),
    )
    op.create_index("ix_fund_uses_receipts_due_on", "fund_uses", ["receipts_due_on"])
    op.create_table(
        "fund_receipts",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("loan_id", sa.String(length=40), nullable=False),
        sa.Column("number", sa.String(length=64), nullable=False),
        sa.Column("issued_on", sa.Date(), nullable=False),
        sa.Column("amount_fen", sa.BigInteger(), nullable=False),
        sa.Column("payee_name_enc", sa.Text(), nullable=False),
        sa.Column("payee_name_bidx", sa.String(length=64), nullable=False),
        sa.Column("payee_name_mask", sa.String(length=120), nullable=False),
        sa.Column("file_name", sa.String(length=200), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("attached_by", sa.String(length=120), nullable=False),
        sa.Column("attached_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_fund_receipts")),
        sa.UniqueConstraint("loan_id", "number", name="uq_fund_receipts_loan_number"),
    )
    op.create_index("ix_fund_receipts_loan_id", "fund_receipts", ["loan_id"])


def downgrade() -> None:
    op.drop_index("ix_fund_receipts_loan_id", table_name="fund_receipts")
    op.drop_table("fund_receipts")
    op.drop_index("ix_fund_uses_receipts_due_on", table_name="fund_uses")
    op.drop_table("fund_uses")
