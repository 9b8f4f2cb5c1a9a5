"""secured lapse: conditional offers that lapsed, and officers' approvals conditional on security

Revision ID: 0044_secured_lapse
Revises: 0041_business_applicants (and after 0040_secured_offers and 0020_review_decisions, whose
  tables it changes)
Create Date: 2026-12-07

- `secured_offer_lapses`: an approve-if-secured offer neither secured and accepted by its last
  date, written down by end of day (one row per application, with the decision it followed).
- `review_items.proposed_security`: the security requirement a four-eyes item's first approval
  made the approval conditional on, which the second must repeat.
- `officer_decisions.security`: the requirement an officer's approval is conditional on (the
  condition itself is in the decision's `offer` document, under `security`).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from fengkong.db.tables import UTCDateTime

revision = "0044_secured_lapse"
# A merge of the branches whose tables it changes (secured offers, review decisions) with the
# business applicants': a dependency alone would leave those two listed as heads of the scripts
# but not of a database upgraded past this revision.
down_revision = ("0041_business_applicants", "0040_secured_offers", "0020_review_decisions")
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "secured_offer_lapses",
        sa.Column("application_id", sa.String(length=40), nullable=False),
        sa.Column("decision_id", sa.String(length=40), nullable=False),
        sa.Column("expired_on", sa.Date(), nullable=False),
        sa.Column("expired_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["application_id"],
            ["applications.id"],
            name=op.f("fk_secured_offer_lapses_application_id_applications"),
        ),
        sa.PrimaryKeyConstraint("application_id", name=op.f("pk_secured_offer_lapses")),
    )
    with op.batch_alter_table("review_items") as batch:
        batch.add_column(sa.Column("proposed_security", sa.String(length=40), nullable=True))
    with op.batch_alter_table("officer_decisions") as batch:
        batch.add_column(sa.Column("security", sa.String(length=40), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("officer_decisions") as batch:
        batch.drop_column("security")
    with op.batch_alter_table("review_items") as batch:
        batch.drop_column("proposed_security")
    op.drop_table("secured_offer_lapses")
