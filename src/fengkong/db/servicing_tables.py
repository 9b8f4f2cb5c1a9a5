"""Tables of loan servicing: guarantors and guarantees (联保 groups), bound cards and debit attempts,
reminders, the collections queue (cases, actions, promises to pay), collateral with valuations
and margin calls, and the borrower keys lines are checked against the black list by.

Personal data (names, ID numbers, phones, cards) lives only as vault ciphertext plus a blind
index; money is BigInteger fen; ratios (shares, haircuts, LTV) are decimal strings.
"""

from __future__ import annotations

import sqlalchemy as sa

from fengkong.db.tables import JSONType, UTCDateTime, metadata

guarantors = sa.Table(
    "guarantors",
    metadata,
    sa.Column("id", sa.String(40), primary_key=True),
    sa.Column("kind", sa.String(16), nullable=False),  # individual | company
    sa.Column("name_enc", sa.Text(), nullable=False),
    sa.Column("id_number_enc", sa.Text(), nullable=False),  # resident ID or USCC
    sa.Column("id_number_bidx", sa.String(64), nullable=False),
    sa.Column("phone_enc", sa.Text(), nullable=True),
    sa.Column("phone_bidx", sa.String(64), nullable=True),
    sa.Column("created_at", UTCDateTime(), nullable=False),
    sa.UniqueConstraint("kind", "id_number_bidx", name="uq_guarantors_identity"),
)

guarantee_groups = sa.Table(
    "guarantee_groups",
    metadata,
    sa.Column("id", sa.String(40), primary_key=True),
    sa.Column("name", sa.String(120), nullable=False),
    sa.Column("created_at", UTCDateTime(), nullable=False),
)

guarantee_group_members = sa.Table(
    "guarantee_group_members",
    metadata,
    sa.Column("group_id", sa.String(40), sa.ForeignKey("guarantee_groups.id"), primary_key=True),
    sa.Column("guarantor_id", sa.String(40), sa.ForeignKey("guarantors.id"), primary_key=True),
)

guarantees = sa.Table(
    "guarantees",
    metadata,
    sa.Column("id", sa.String(40), primary_key=True),
    sa.Column("loan_id", sa.String(40), nullable=False, index=True),
    sa.Column("guarantor_id", sa.String(40), sa.ForeignKey("guarantors.id"), nullable=False),
    sa.Column("group_id", sa.String(40), nullable=True),
    sa.Column("share", sa.String(24), nullable=False),
    sa.Column("cap_fen", sa.BigInteger(), nullable=True),
    sa.Column("status", sa.String(16), nullable=False),
    sa.Column("called_on", sa.Date(), nullable=True),
    sa.Column("amount_called_fen", sa.BigInteger(), nullable=False),
    sa.Column("amount_paid_fen", sa.BigInteger(), nullable=False),
    sa.Column("created_at", UTCDateTime(), nullable=False),
    sa.Column("updated_at", UTCDateTime(), nullable=False),
    sa.UniqueConstraint("loan_id", "guarantor_id", name="uq_guarantees_loan_guarantor"),
)
sa.Index("ix_guarantees_guarantor_id", guarantees.c.guarantor_id)

guarantor_payments = sa.Table(
    "guarantor_payments",
    metadata,
    sa.Column("repayment_id", sa.String(40), primary_key=True),
    sa.Column("guarantee_id", sa.String(40), sa.ForeignKey("guarantees.id"), nullable=False),
    sa.Column("idempotency_key", sa.String(200), nullable=False, unique=True),
    sa.Column("amount_fen", sa.BigInteger(), nullable=False),
    sa.Column("business_date", sa.Date(), nullable=False),
    sa.Column("created_at", UTCDateTime(), nullable=False),
)

bound_cards = sa.Table(
    "bound_cards",
    metadata,
    sa.Column("loan_id", sa.String(40), primary_key=True),
    sa.Column("card_enc", sa.Text(), nullable=False),
    sa.Column("card_bidx", sa.String(64), nullable=False, index=True),
    sa.Column("card_display", sa.String(32), nullable=False),
    sa.Column("status", sa.String(16), nullable=False),  # active | unbound
    sa.Column("bound_at", UTCDateTime(), nullable=False),
    sa.Column("updated_at", UTCDateTime(), nullable=False),
)

debit_attempts = sa.Table(
    "debit_attempts",
    metadata,
    sa.Column("id", sa.String(40), primary_key=True),
    sa.Column("loan_id", sa.String(40), nullable=False),
    sa.Column("due_date", sa.Date(), nullable=False),
    sa.Column("attempt", sa.Integer(), nullable=False),
    sa.Column("business_date", sa.Date(), nullable=False),
    sa.Column("amount_fen", sa.BigInteger(), nullable=False),
    sa.Column("status", sa.String(16), nullable=False),  # pending | succeeded | failed | skipped
    sa.Column("idempotency_key", sa.String(200), nullable=False, unique=True),
    sa.Column("reference", sa.String(120), nullable=True),
    sa.Column("error", sa.Text(), nullable=True),
    sa.Column("repayment_id", sa.String(40), nullable=True),
    sa.Column("created_at", UTCDateTime(), nullable=False),
    sa.Column("updated_at", UTCDateTime(), nullable=False),
    sa.UniqueConstraint("loan_id", "due_date", "attempt", name="uq_debit_attempts_attempt"),
    sa.CheckConstraint("amount_fen > 0", name="amount_positive"),
)

reminders = sa.Table(
    "reminders",
    metadata,
    sa.Column("id", sa.String(40), primary_key=True),
    sa.Column("subject_type", sa.String(24), nullable=False),
    sa.Column("subject_id", sa.String(40), nullable=False),
    sa.Column("kind", sa.String(40), nullable=False),
    sa.Column("business_date", sa.Date(), nullable=False),
    sa.Column("language", sa.String(8), nullable=False),
    sa.Column("channel", sa.String(24), nullable=False),
    sa.Column("status", sa.String(16), nullable=False),  # pending | sent | failed
    sa.Column("detail", JSONType, nullable=False),  # no personal data in clear
    sa.Column("error", sa.Text(), nullable=True),
    sa.Column("created_at", UTCDateTime(), nullable=False),
    sa.Column("sent_at", UTCDateTime(), nullable=True),
    sa.UniqueConstraint(
        "subject_type", "subject_id", "kind", "business_date", name="uq_reminders_once"
    ),
)

collection_cases = sa.Table(
    "collection_cases",
    metadata,
    sa.Column("loan_id", sa.String(40), primary_key=True),
    sa.Column("status", sa.String(16), nullable=False),  # open | closed
    sa.Column("opened_on", sa.Date(), nullable=False),
    sa.Column("closed_on", sa.Date(), nullable=True),
    sa.Column("days_past_due", sa.Integer(), nullable=False),
    sa.Column("bucket", sa.String(16), nullable=False),
    sa.Column("bucket_rank", sa.Integer(), nullable=False),
    sa.Column("overdue_fen", sa.BigInteger(), nullable=False),
    sa.Column("score", sa.Integer(), nullable=True),
    sa.Column("pd", sa.String(24), nullable=True),
    sa.Column("flags", JSONType, nullable=False),
    sa.Column("updated_on", sa.Date(), nullable=False),
)
sa.Index("ix_collection_cases_status", collection_cases.c.status)

collection_actions = sa.Table(
    "collection_actions",
    metadata,
    sa.Column("id", sa.String(40), primary_key=True),
    sa.Column("loan_id", sa.String(40), nullable=False, index=True),
    sa.Column("kind", sa.String(16), nullable=False),  # call | sms | visit | legal
    sa.Column("note", sa.Text(), nullable=False),
    sa.Column("officer", sa.String(80), nullable=False),
    sa.Column("business_date", sa.Date(), nullable=False),
    sa.Column("at", UTCDateTime(), nullable=False),
)

promises_to_pay = sa.Table(
    "promises_to_pay",
    metadata,
    sa.Column("id", sa.String(40), primary_key=True),
    sa.Column("loan_id", sa.String(40), nullable=False, index=True),
    sa.Column("amount_fen", sa.BigInteger(), nullable=False),
    sa.Column("promised_on", sa.Date(), nullable=False),
    sa.Column("made_on", sa.Date(), nullable=False),
    sa.Column("officer", sa.String(80), nullable=False),
    sa.Column("status", sa.String(16), nullable=False),  # open | kept | broken
    sa.Column("paid_fen", sa.BigInteger(), nullable=False),
    sa.Column("closed_on", sa.Date(), nullable=True),
    sa.Column("at", UTCDateTime(), nullable=False),
    sa.CheckConstraint("amount_fen > 0", name="amount_positive"),
)

collateral_items = sa.Table(
    "collateral_items",
    metadata,
    sa.Column("id", sa.String(40), primary_key=True),
    sa.Column("loan_id", sa.String(40), nullable=False, index=True),
    sa.Column("type", sa.String(24), nullable=False),
    sa.Column("haircut", sa.String(24), nullable=False),
    sa.Column("description", sa.String(400), nullable=False),
    sa.Column("created_at", UTCDateTime(), nullable=False),
)

collateral_valuations = sa.Table(
    "collateral_valuations",
    metadata,
    sa.Column("item_id", sa.String(40), sa.ForeignKey("collateral_items.id"), primary_key=True),
    sa.Column("valued_on", sa.Date(), primary_key=True),
    sa.Column("value_fen", sa.BigInteger(), nullable=False),
    sa.Column("source", sa.String(120), nullable=False),
    sa.Column("created_at", UTCDateTime(), nullable=False),
    sa.CheckConstraint("value_fen >= 0", name="value_not_negative"),
)

margin_calls = sa.Table(
    "margin_calls",
    metadata,
    sa.Column("loan_id", sa.String(40), primary_key=True),
    sa.Column("opened_on", sa.Date(), primary_key=True),
    sa.Column("deadline", sa.Date(), nullable=False),
    sa.Column("ltv_at_open", sa.String(40), nullable=False),
    sa.Column("threshold", sa.String(24), nullable=False),
    sa.Column("status", sa.String(16), nullable=False),
    sa.Column("closed_on", sa.Date(), nullable=True),
)

# Who borrows on a credit line, by blind index only: what the black-list trigger checks.
borrower_keys = sa.Table(
    "borrower_keys",
    metadata,
    sa.Column("line_id", sa.String(40), primary_key=True),
    sa.Column("application_id", sa.String(40), nullable=True),
    sa.Column("id_number_enc", sa.Text(), nullable=True),
    sa.Column("id_number_bidx", sa.String(64), nullable=True, index=True),
    sa.Column("phone_enc", sa.Text(), nullable=True),
    sa.Column("phone_bidx", sa.String(64), nullable=True, index=True),
    sa.Column("bank_card_enc", sa.Text(), nullable=True),
    sa.Column("bank_card_bidx", sa.String(64), nullable=True, index=True),
    sa.Column("language", sa.String(8), nullable=False),
    sa.Column("created_at", UTCDateTime(), nullable=False),
)

# Each black-list entry acts on a line once: the EOD check is idempotent through this table.
blacklist_actions = sa.Table(
    "blacklist_actions",
    metadata,
    sa.Column("line_id", sa.String(40), primary_key=True),
    sa.Column("entry_id", sa.String(40), primary_key=True),
    sa.Column("key_type", sa.String(16), nullable=False),
    sa.Column("action", sa.String(16), nullable=False),
    sa.Column("business_date", sa.Date(), nullable=False),
    sa.Column("created_at", UTCDateTime(), nullable=False),
)
