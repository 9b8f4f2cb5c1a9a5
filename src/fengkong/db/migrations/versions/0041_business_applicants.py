"""business applicants: the business of a business application, its owners and guarantors

Revision ID: 0041_business_applicants
Revises: 0036_line_notices
Create Date: 2026-12-07

- `application_businesses`: one row per application made for a business
  (`onboarding.business`): its unified social credit code as vault ciphertext and blind index,
  its registered name as ciphertext, industry, region, years in operation (and the date it was
  established, when given) and annual revenue.
- `application_business_parties`: its owners (with their shares) and guarantors, persons or
  companies, one row each in the order given: ciphertexts and blind indexes only.
New tables only.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0041_business_applicants"
down_revision = "0036_line_notices"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "application_businesses",
        sa.Column("application_id", sa.String(length=40), nullable=False),
        sa.Column("uscc_enc", sa.Text(), nullable=False),
        sa.Column("uscc_bidx", sa.String(length=64), nullable=False),
        sa.Column("registered_name_enc", sa.Text(), nullable=False),
        sa.Column("industry", sa.String(length=4), nullable=False),
        sa.Column("region", sa.String(length=8), nullable=False),
        sa.Column("years_in_operation", sa.Integer(), nullable=False),
        sa.Column("established_on", sa.Date(), nullable=True),
        sa.Column("annual_revenue_fen", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("application_id", name=op.f("pk_application_businesses")),
    )
    op.create_table(
        "application_business_parties",
        sa.Column("application_id", sa.String(length=40), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("role", sa.String(length=16), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("name_enc", sa.Text(), nullable=False),
        sa.Column("id_number_enc", sa.Text(), nullable=True),
        sa.Column("id_number_bidx", sa.String(length=64), nullable=True),
        sa.Column("phone_enc", sa.Text(), nullable=True),
        sa.Column("uscc_enc", sa.Text(), nullable=True),
        sa.Column("uscc_bidx", sa.String(length=64), nullable=True),
        sa.Column("share_bp", sa.Integer(), nullable=True),
        sa.PrimaryKeyConstraint(
            "application_id", "position", name=op.f("pk_application_business_parties")
        ),
    )
    op.create_index(
        op.f("ix_application_business_parties_id_number_bidx"),
        "application_business_parties",
        ["id_number_bidx"],
    )
    op.create_index(
        op.f("ix_application_businesses_uscc_bidx"),
        "application_businesses",
        ["uscc_bidx"],
    )


def downgrade() -> None:
    op.drop_index(
        op.f("ix_application_business_parties_id_number_bidx"),
        table_name="application_business_parties",
    )
    op.drop_table("application_business_parties")
    op.drop_index(op.f("ix_application_businesses_uscc_bidx"), table_name="application_businesses")
    op.drop_table("application_businesses")
