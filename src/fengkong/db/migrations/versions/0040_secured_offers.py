"""secured offers: approve if secured, and the security registered against such an offer

Revision ID: 0040_secured_offers
Revises: 0036_line_notices (and after 0023_request_id, the last change to `decisions`)
Create Date: 2026-12-07

- `decisions.outcome` may be `approve_secured`: an offer conditional on collateral or a
  guarantor (the condition is in the decision's `offer` document, under `security`).
- `secured_offers`: the collateral or guarantor registered against such an offer (one per
  application), and the loan it went to when the offer was accepted.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from fengkong.db.tables import UTCDateTime

revision = "0040_secured_offers"
down_revision = "0036_line_notices"
branch_labels = None
depends_on = "0023_request_id"  # decisions as last changed: its outcome check is redone here


def upgrade() -> None:
    with op.batch_alter_table("decisions") as batch:
        batch.drop_constraint(op.f("ck_decisions_outcome"), type_="check")
        batch.create_check_constraint(
            "outcome", "outcome in ('approve', 'approve_secured', 'decline', 'refer', 'verify')"
        )
    op.create_table(
        "secured_offers",
        sa.Column("application_id", sa.String(length=40), nullable=False),
        sa.Column("decision_id", sa.String(length=40), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("registered_at", UTCDateTime(), nullable=False),
        sa.Column("registered_by", sa.String(length=120), nullable=False),
        sa.Column("expires_on", sa.Date(), nullable=False),
        sa.Column("guarantor_id", sa.String(length=40), nullable=True),
        sa.Column("guarantor_income_fen", sa.BigInteger(), nullable=True),
        sa.Column("collateral_type", sa.String(length=32), nullable=True),
        sa.Column("value_fen", sa.BigInteger(), nullable=True),
        sa.Column("haircut", sa.String(length=24), nullable=True),
        sa.Column("valued_on", sa.Date(), nullable=True),
        sa.Column("source", sa.String(length=120), nullable=True),
        sa.Column("description", sa.String(length=400), nullable=True),
        sa.Column("loan_id", sa.String(length=40), nullable=True),
        sa.Column("booked_at", UTCDateTime(), nullable=True),
        sa.CheckConstraint(
            "kind in ('guarantor', 'collateral')", name=op.f("ck_secured_offers_kind")
        ),
        sa.CheckConstraint(
            "(kind = 'guarantor' and guarantor_id is not null and guarantor_income_fen >= 0) or "
            "(kind = 'collateral' and collateral_type is not null and value_fen >= 0 "
            "and haircut is not null and valued_on is not null)",
            name=op.f("ck_secured_offers_security"),
        ),
        sa.ForeignKeyConstraint(
            ["application_id"],
            ["applications.id"],
            name=op.f("fk_secured_offers_application_id_applications"),
        ),
        sa.ForeignKeyConstraint(
            ["guarantor_id"],
            ["guarantors.id"],
            name=op.f("fk_secured_offers_guarantor_id_guarantors"),
        ),
        sa.ForeignKeyConstraint(
            ["loan_id"], ["loans.id"], name=op.f("fk_secured_offers_loan_id_loans")
        ),
        sa.PrimaryKeyConstraint("application_id", name=op.f("pk_secured_offers")),
        sa.UniqueConstraint("loan_id", name=op.f("uq_secured_offers_loan_id")),
    )


def downgrade() -> None:
    op.drop_table("secured_offers")
    with op.batch_alter_table("decisions") as batch:
        batch.drop_constraint(op.f("ck_decisions_outcome"), type_="check")
        batch.create_check_constraint(
            "outcome", "outcome in ('approve', 'decline', 'refer', 'verify')"
        )
