"""Tables of the books: the hash-chained audit log (with its head kept apart, so a cut tail is
noticed) and the double-entry journal."""

from __future__ import annotations

import sqlalchemy as sa

from fengkong.db.tables import JSONType, UTCDateTime, metadata

audit_log = sa.Table(
    "audit_log",
    metadata,
    sa.Column("seq", sa.BigInteger(), primary_key=True, autoincrement=False),
    sa.Column("at", UTCDateTime(), nullable=False),
    sa.Column("actor", sa.String(120), nullable=False),
    sa.Column("action", sa.String(80), nullable=False, index=True),
    sa.Column("subject_type", sa.String(40), nullable=False),
    sa.Column("subject_id", sa.String(80), nullable=False, index=True),
    sa.Column("payload", JSONType, nullable=False),
    sa.Column("prev_hash", sa.String(64), nullable=False),
    sa.Column("hash", sa.String(64), nullable=False),
    # The API request the record was written for (`core.request_id`); hashed with the record.
    sa.Column("request_id", sa.String(64), nullable=True),
)

# One row: the newest record's seq and hash, updated in the same transaction as each append.
audit_head = sa.Table(
    "audit_head",
    metadata,
    sa.Column("id", sa.Integer(), primary_key=True, autoincrement=False),
    sa.Column("seq", sa.BigInteger(), nullable=False),
    sa.Column("hash", sa.String(64), nullable=False),
    sa.CheckConstraint("id = 1", name="single_row"),
)

journal_entries = sa.Table(
    "journal_entries",
    metadata,
    sa.Column("entry_id", sa.String(40), primary_key=True),
    sa.Column("business_date", sa.Date(), nullable=False, index=True),
    sa.Column("kind", sa.String(32), nullable=False),
    sa.Column("idempotency_key", sa.String(200), nullable=False, unique=True),
    sa.Column("request_hash", sa.String(64), nullable=False),
    sa.Column("memo", sa.Text(), nullable=False),
    sa.Column("reverses", sa.String(40), sa.ForeignKey("journal_entries.entry_id")),
    sa.Column("posted_at", UTCDateTime(), nullable=False),
    # The audit record that accounts for the entry (`audit.journal_tie`), written when that
    # record is; None on entries posted before entries were tied (migration 0030). No index:
    # the verifier reads them all, and end of day inserts thousands per chunk.
    sa.Column("audit_seq", sa.BigInteger(), nullable=True),
)

journal_postings = sa.Table(
    "journal_postings",
    metadata,
    sa.Column(
        "entry_id", sa.String(40), sa.ForeignKey("journal_entries.entry_id"), primary_key=True
    ),
    sa.Column("line", sa.Integer(), primary_key=True, autoincrement=False),
    sa.Column("account_code", sa.String(16), nullable=False),
    sa.Column("loan_id", sa.String(40), nullable=True, index=True),
    sa.Column("side", sa.String(6), nullable=False),
    sa.Column("amount_fen", sa.BigInteger(), nullable=False),
    sa.CheckConstraint("amount_fen > 0", name="amount_positive"),
    sa.CheckConstraint("side in ('debit', 'credit')", name="side"),
)
# Balances group by (account, loan) over all postings or filter by loan (the loan_id index); no
# query filters by account, so no (account, loan) index is kept: end of day inserts two postings
# per loan a day, and each index on them is maintained for every one.
