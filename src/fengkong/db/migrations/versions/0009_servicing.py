"""servicing: guarantors and guarantees, bound cards and debits, reminders, collections,
collateral and margin calls, line borrower keys and black-list actions

Revision ID: 0009
Revises: 0005
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

from fengkong.db.tables import UTCDateTime

revision = "0009"
down_revision = "0005"
branch_labels = None
depends_on = None

JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")


def upgrade() -> None:
    op.create_table(
        "blacklist_actions",
        sa.Column("line_id", sa.String(length=40), nullable=False),
        sa.Column("entry_id", sa.String(length=40), nullable=False),
        sa.Column("key_type", sa.String(length=16), nullable=False),
        sa.Column("action", sa.String(length=16), nullable=False),
        sa.Column("business_date", sa.Date(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("line_id", "entry_id", name=op.f("pk_blacklist_actions")),
    )
    op.create_table(
        "borrower_keys",
        sa.Column("line_id", sa.String(length=40), nullable=False),
        sa.Column("application_id", sa.String(length=40), nullable=True),
        sa.Column("id_number_enc", sa.Text(), nullable=True),
        sa.Column("id_number_bidx", sa.String(length=64), nullable=True),
        sa.Column("phone_enc", sa.Text(), nullable=True),
        sa.Column("phone_bidx", sa.String(length=64), nullable=True),
        sa.Column("bank_card_enc", sa.Text(), nullable=True),
        sa.Column("bank_card_bidx", sa.String(length=64), nullable=True),
        sa.Column("language", sa.String(length=8), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("line_id", name=op.f("pk_borrower_keys")),
    )
    op.create_index(
        op.f("ix_borrower_keys_bank_card_bidx"), "borrower_keys", ["bank_card_bidx"], unique=False
    )
    op.create_index(
        op.f("ix_borrower_keys_id_number_bidx"), "borrower_keys", ["id_number_bidx"], unique=False
    )
    op.create_index(
        op.f("ix_borrower_keys_phone_bidx"), "borrower_keys", ["phone_bidx"], unique=False
    )
    op.create_table(
        "bound_cards",
        sa.Column("loan_id", sa.String(length=40), nullable=False),
        sa.Column("card_enc", sa.Text(), nullable=False),
        sa.Column("card_bidx", sa.String(length=64), nullable=False),
        sa.Column("card_display", sa.String(length=32), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("bound_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("loan_id", name=op.f("pk_bound_cards")),
    )
    op.create_index(op.f("ix_bound_cards_card_bidx"), "bound_cards", ["card_bidx"], unique=False)
    op.create_table(
        "collateral_items",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("loan_id", sa.String(length=40), nullable=False),
        sa.Column("type", sa.String(length=24), nullable=False),
        sa.Column("haircut", sa.String(length=24), nullable=False),
        sa.Column("description", sa.String(length=400), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_collateral_items")),
    )
    op.create_index(
        op.f("ix_collateral_items_loan_id"), "collateral_items", ["loan_id"], unique=False
    )
    op.create_table(
        "collection_actions",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("loan_id", sa.String(length=40), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("officer", sa.String(length=80), nullable=False),
        sa.Column("business_date", sa.Date(), nullable=False),
        sa.Column("at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_collection_actions")),
    )
    op.create_index(
        op.f("ix_collection_actions_loan_id"), "collection_actions", ["loan_id"], unique=False
    )
    op.create_table(
        "collection_cases",
        sa.Column("loan_id", sa.String(length=40), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("opened_on", sa.Date(), nullable=False),
        sa.Column("closed_on", sa.Date(), nullable=True),
        sa.Column("days_past_due", sa.Integer(), nullable=False),
        sa.Column("bucket", sa.String(length=16), nullable=False),
        sa.Column("bucket_rank", sa.Integer(), nullable=False),
        sa.Column("overdue_fen", sa.BigInteger(), nullable=False),
        sa.Column("score", sa.Integer(), nullable=True),
        sa.Column("pd", sa.String(length=24), nullable=True),
        sa.Column("flags", JSON, nullable=False),
        sa.Column("updated_on", sa.Date(), nullable=False),
        sa.PrimaryKeyConstraint("loan_id", name=op.f("pk_collection_cases")),
    )
    op.create_index("ix_collection_cases_status", "collection_cases", ["status"], unique=False)
    op.create_table(
        "debit_attempts",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("loan_id", sa.String(length=40), nullable=False),
        sa.Column("due_date", sa.Date(), nullable=False),
        sa.Column("attempt", sa.Integer(), nullable=False),
        sa.Column("business_date", sa.Date(), nullable=False),
        sa.Column("amount_fen", sa.BigInteger(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("idempotency_key", sa.String(length=200), nullable=False),
        sa.Column("reference", sa.String(length=120), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("repayment_id", sa.String(length=40), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.CheckConstraint("amount_fen > 0", name=op.f("ck_debit_attempts_amount_positive")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_debit_attempts")),
        sa.UniqueConstraint("idempotency_key", name=op.f("uq_debit_attempts_idempotency_key")),
        sa.UniqueConstraint("loan_id", "due_date", "attempt", name="uq_debit_attempts_attempt"),
    )
    op.create_table(
        "guarantee_groups",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_guarantee_groups")),
    )
    op.create_table(
        "guarantors",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("name_enc", sa.Text(), nullable=False),
        sa.Column("id_number_enc", sa.Text(), nullable=False),
        sa.Column("id_number_bidx", sa.String(length=64), nullable=False),
        sa.Column("phone_enc", sa.Text(), nullable=True),
        sa.Column("phone_bidx", sa.String(length=64), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_guarantors")),
        sa.UniqueConstraint("kind", "id_number_bidx", name="uq_guarantors_identity"),
    )
    op.create_table(
        "margin_calls",
        sa.Column("loan_id", sa.String(length=40), nullable=False),
        sa.Column("opened_on", sa.Date(), nullable=False),
        sa.Column("deadline", sa.Date(), nullable=False),
        sa.Column("ltv_at_open", sa.String(length=40), nullable=False),
        sa.Column("threshold", sa.String(length=24), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("closed_on", sa.Date(), nullable=True),
        sa.PrimaryKeyConstraint("loan_id", "opened_on", name=op.f("pk_margin_calls")),
    )
    op.create_table(
        "promises_to_pay",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("loan_id", sa.String(length=40), nullable=False),
        sa.Column("amount_fen", sa.BigInteger(), nullable=False),
        sa.Column("promised_on", sa.Date(), nullable=False),
        sa.Column("made_on", sa.Date(), nullable=False),
        sa.Column("officer", sa.String(length=80), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("paid_fen", sa.BigInteger(), nullable=False),
        sa.Column("closed_on", sa.Date(), nullable=True),
        sa.Column("at", UTCDateTime(), nullable=False),
        sa.CheckConstraint("amount_fen > 0", name=op.f("ck_promises_to_pay_amount_positive")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_promises_to_pay")),
    )
    op.create_index(
        op.f("ix_promises_to_pay_loan_id"), "promises_to_pay", ["loan_id"], unique=False
    )
    op.create_table(
        "reminders",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("subject_type", sa.String(length=24), nullable=False),
        sa.Column("subject_id", sa.String(length=40), nullable=False),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("business_date", sa.Date(), nullable=False),
        sa.Column("language", sa.String(length=8), nullable=False),
        sa.Column("channel", sa.String(length=24), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("detail", JSON, nullable=False),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("sent_at", UTCDateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reminders")),
        sa.UniqueConstraint(
            "subject_type", "subject_id", "kind", "business_date", name="uq_reminders_once"
        ),
    )
    op.create_table(
        "collateral_valuations",
        sa.Column("item_id", sa.String(length=40), nullable=False),
        sa.Column("valued_on", sa.Date(), nullable=False),
        sa.Column("value_fen", sa.BigInteger(), nullable=False),
        sa.Column("source", sa.String(length=120), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.CheckConstraint(
            "value_fen >= 0", name=op.f("ck_collateral_valuations_value_not_negative")
        ),
        sa.ForeignKeyConstraint(
            ["item_id"],
            ["collateral_items.id"],
            name=op.f("fk_collateral_valuations_item_id_collateral_items"),
        ),
        sa.PrimaryKeyConstraint("item_id", "valued_on", name=op.f("pk_collateral_valuations")),
    )
    op.create_table(
        "guarantee_group_members",
        sa.Column("group_id", sa.String(length=40), nullable=False),
        sa.Column("guarantor_id", sa.String(length=40), nullable=False),
        sa.ForeignKeyConstraint(
            ["group_id"],
            ["guarantee_groups.id"],
            name=op.f("fk_guarantee_group_members_group_id_guarantee_groups"),
        ),
        sa.ForeignKeyConstraint(
            ["guarantor_id"],
            ["guarantors.id"],
            name=op.f("fk_guarantee_group_members_guarantor_id_guarantors"),
        ),
        sa.PrimaryKeyConstraint(
            "group_id", "guarantor_id", name=op.f("pk_guarantee_group_members")
        ),
    )
    op.create_table(
        "guarantees",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("loan_id", sa.String(length=40), nullable=False),
        sa.Column("guarantor_id", sa.String(length=40), nullable=False),
        sa.Column("group_id", sa.String(length=40), nullable=True),
        sa.Column("share", sa.String(length=24), nullable=False),
        sa.Column("cap_fen", sa.BigInteger(), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("called_on", sa.Date(), nullable=True),
        sa.Column("amount_called_fen", sa.BigInteger(), nullable=False),
        sa.Column("amount_paid_fen", sa.BigInteger(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["guarantor_id"], ["guarantors.id"], name=op.f("fk_guarantees_guarantor_id_guarantors")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_guarantees")),
        sa.UniqueConstraint("loan_id", "guarantor_id", name="uq_guarantees_loan_guarantor"),
    )
    op.create_index("ix_guarantees_guarantor_id", "guarantees", ["guarantor_id"], unique=False)
    op.create_index(op.f("ix_guarantees_loan_id"), "guarantees", ["loan_id"], unique=False)
    op.create_table(
        "guarantor_payments",
        sa.Column("repayment_id", sa.String(length=40), nullable=False),
        sa.Column("guarantee_id", sa.String(length=40), nullable=False),
        sa.Column("idempotency_key", sa.String(length=200), nullable=False),
        sa.Column("amount_fen", sa.BigInteger(), nullable=False),
        sa.Column("business_date", sa.Date(), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["guarantee_id"],
            ["guarantees.id"],
            name=op.f("fk_guarantor_payments_guarantee_id_guarantees"),
        ),
        sa.PrimaryKeyConstraint("repayment_id", name=op.f("pk_guarantor_payments")),
        sa.UniqueConstraint("idempotency_key", name=op.f("uq_guarantor_payments_idempotency_key")),
    )


def downgrade() -> None:

    op.drop_table("guarantor_payments")
    op.drop_index(op.f("ix_guarantees_loan_id"), table_name="guarantees")
    op.drop_index("ix_guarantees_guarantor_id", table_name="guarantees")
    op.drop_table("guarantees")
    op.drop_table("guarantee_group_members")
    op.drop_table("collateral_valuations")
    op.drop_table("reminders")
    op.drop_index(op.f("ix_promises_to_pay_loan_id"), table_name="promises_to_pay")
    op.drop_table("promises_to_pay")
    op.drop_table("margin_calls")
    op.drop_table("guarantors")
    op.drop_table("guarantee_groups")
    op.drop_table("debit_attempts")
    op.drop_index("ix_collection_cases_status", table_name="collection_cases")
    op.drop_table("collection_cases")
    op.drop_index(op.f("ix_collection_actions_loan_id"), table_name="collection_actions")
    op.drop_table("collection_actions")
    op.drop_index(op.f("ix_collateral_items_loan_id"), table_name="collateral_items")
    op.drop_table("collateral_items")
    op.drop_index(op.f("ix_bound_cards_card_bidx"), table_name="bound_cards")
    op.drop_table("bound_cards")
    op.drop_index(op.f("ix_borrower_keys_phone_bidx"), table_name="borrower_keys")
    op.drop_index(op.f("ix_borrower_keys_id_number_bidx"), table_name="borrower_keys")
    op.drop_index(op.f("ix_borrower_keys_bank_card_bidx"), table_name="borrower_keys")
    op.drop_table("borrower_keys")
    op.drop_table("blacklist_actions")
