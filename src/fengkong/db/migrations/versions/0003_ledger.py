"""the books: hash-chained audit log with its head, double-entry journal

Revision ID: 0003
Revises: 0001
Create Date: 2026-11-23
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

from fengkong.db.tables import UTCDateTime

revision = "0003"
down_revision = "0001"
branch_labels = None
depends_on = None

GENESIS_HASH = "0" * 64
JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")


def upgrade() -> None:
    op.create_table(
        "audit_log",
        sa.Column("seq", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("at", UTCDateTime(), nullable=False),
        sa.Column("actor", sa.String(length=120), nullable=False),
        sa.Column("action", sa.String(length=80), nullable=False),
        sa.Column("subject_type", sa.String(length=40), nullable=False),
        sa.Column("subject_id", sa.String(length=80), nullable=False),
        sa.Column("payload", JSON, nullable=False),
        sa.Column("prev_hash", sa.String(length=64), nullable=False),
        sa.Column("hash", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("seq", name=op.f("pk_audit_log")),
    )
    op.create_index(op.f("ix_audit_log_action"), "audit_log", ["action"])
    op.create_index(op.f("ix_audit_log_subject_id"), "audit_log", ["subject_id"])
    head = op.create_table(
        "audit_head",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("seq", sa.BigInteger(), nullable=False),
        sa.Column("hash", sa.String(length=64), nullable=False),
        sa.CheckConstraint("id = 1", name=op.f("ck_audit_head_single_row")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_head")),
    )
    # The head exists from the start, so the first append locks a row like every other append.
    op.bulk_insert(head, [{"id": 1, "seq": 0, "hash": GENESIS_HASH}])
    op.create_table(
        "journal_entries",
        sa.Column("entry_id", sa.String(length=40), nullable=False),
        sa.Column("business_date", sa.Date(), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("idempotency_key", sa.String(length=200), nullable=False),
        sa.Column("request_hash", sa.String(length=64), nullable=False),
        sa.Column("memo", sa.Text(), nullable=False),
        sa.Column("reverses", sa.String(length=40), nullable=True),
        sa.Column("posted_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["reverses"],
            ["journal_entries.entry_id"],
            name=op.f("fk_journal_entries_reverses_journal_entries"),
        ),
        sa.PrimaryKeyConstraint("entry_id", name=op.f("pk_journal_entries")),
        sa.UniqueConstraint("idempotency_key", name=op.f("uq_journal_entries_idempotency_key")),
    )
    op.create_index(op.f("ix_journal_entries_business_date"), "journal_entries", ["business_date"])
    op.create_table(
        "journal_postings",
        sa.Column("entry_id", sa.String(length=40), nullable=False),
        sa.Column("line", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("account_code", sa.String(length=16), nullable=False),
        sa.Column("loan_id", sa.String(length=40), nullable=True),
        sa.Column("side", sa.String(length=6), nullable=False),
        sa.Column("amount_fen", sa.BigInteger(), nullable=False),
        sa.CheckConstraint("amount_fen > 0", name=op.f("ck_journal_postings_amount_positive")),
        sa.CheckConstraint("side in ('debit', 'credit')", name=op.f("ck_journal_postings_side")),
        sa.ForeignKeyConstraint(
            ["entry_id"],
            ["journal_entries.entry_id"],
            name=op.f("fk_journal_postings_entry_id_journal_entries"),
        ),
        sa.PrimaryKeyConstraint("entry_id", "line", name=op.f("pk_journal_postings")),
    )
    op.create_index(op.f("ix_journal_postings_loan_id"), "journal_postings", ["loan_id"])
    op.create_index("ix_journal_postings_account", "journal_postings", ["account_code", "loan_id"])


def downgrade() -> None:
    op.drop_table("journal_postings")
    op.drop_table("journal_entries")
    op.drop_table("audit_head")
    op.drop_table("audit_log")
