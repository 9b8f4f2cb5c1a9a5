"""Tables of the use of funds (贷款用途, 受托支付): the purpose and payee stored with a draw or
loan, and the receipts (发票/凭证) attached after its payout.

The payee's name and account, and the name a receipt gives, are personal data when the payee is
a person: vault ciphertext (`_enc`, found by key rotation), a blind index for comparing names,
and a display mask. A receipt's file is kept by its sha256 and name; the bytes are not stored
here (docs/use-of-funds.md).
"""

from __future__ import annotations

import sqlalchemy as sa

from fengkong.db.tables import UTCDateTime, metadata

fund_uses = sa.Table(
    "fund_uses",
    metadata,
    sa.Column("loan_id", sa.String(40), primary_key=True),  # a draw's id is its loan's
    sa.Column("line_id", sa.String(40), nullable=True),
    sa.Column("purpose", sa.String(40), nullable=True),
    sa.Column("entrusted", sa.Boolean(), nullable=False),
    sa.Column("payee_name_enc", sa.Text(), nullable=True),
    sa.Column("payee_name_bidx", sa.String(64), nullable=True),
    sa.Column("payee_name_mask", sa.String(120), nullable=True),
    sa.Column("payee_account_enc", sa.Text(), nullable=True),
    sa.Column("payee_account_mask", sa.String(40), nullable=True),
    sa.Column("payee_bank", sa.String(120), nullable=True),
    sa.Column("receipts_required", sa.Boolean(), nullable=False),
    sa.Column("receipts_within_days", sa.Integer(), nullable=False),
    sa.Column("paid_on", sa.Date(), nullable=True),
    sa.Column("paid_out_fen", sa.BigInteger(), nullable=False),
    sa.Column("receipts_due_on", sa.Date(), nullable=True),
    sa.Column("covered_fen", sa.BigInteger(), nullable=False),
    sa.Column("created_at", UTCDateTime(), nullable=False),
    sa.Column("updated_at", UTCDateTime(), nullable=False),
    sa.Index("ix_fund_uses_receipts_due_on", "receipts_due_on"),
)

fund_receipts = sa.Table(
    "fund_receipts",
    metadata,
    sa.Column("id", sa.String(40), primary_key=True),
    sa.Column("loan_id", sa.String(40), nullable=False),
    sa.Column("number", sa.String(64), nullable=False),
    sa.Column("issued_on", sa.Date(), nullable=False),
    sa.Column("amount_fen", sa.BigInteger(), nullable=False),
    sa.Column("payee_name_enc", sa.Text(), nullable=False),
    sa.Column("payee_name_bidx", sa.String(64), nullable=False),
    sa.Column("payee_name_mask", sa.String(120), nullable=False),
    sa.Column("file_name", sa.String(200), nullable=False),
    sa.Column("sha256", sa.String(64), nullable=False),
    sa.Column("attached_by", sa.String(120), nullable=False),
    sa.Column("attached_at", UTCDateTime(), nullable=False),
    sa.UniqueConstraint("loan_id", "number", name="uq_fund_receipts_loan_number"),
    sa.Index("ix_fund_receipts_loan_id", "loan_id"),
)
