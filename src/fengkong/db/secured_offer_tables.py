"""The security registered against approve-if-secured offers (`lending.secured_offers`), and
the offers that lapsed."""

from __future__ import annotations

import sqlalchemy as sa

from fengkong.db.tables import UTCDateTime, metadata

SECURITY_KINDS = "('guarantor', 'collateral')"

secured_offers = sa.Table(
    "secured_offers",
    metadata,
    sa.Column("application_id", sa.String(40), sa.ForeignKey("applications.id"), primary_key=True),
    sa.Column("decision_id", sa.String(40), nullable=False),
    sa.Column("kind", sa.String(16), nullable=False),
    sa.Column("registered_at", UTCDateTime(), nullable=False),
    sa.Column("registered_by", sa.String(120), nullable=False),
    sa.Column("expires_on", sa.Date(), nullable=False),
    sa.Column("guarantor_id", sa.String(40), sa.ForeignKey("guarantors.id"), nullable=True),
    sa.Column("guarantor_income_fen", sa.BigInteger(), nullable=True),
    sa.Column("collateral_type", sa.String(32), nullable=True),
    sa.Column("value_fen", sa.BigInteger(), nullable=True),
    sa.Column("haircut", sa.String(24), nullable=True),
    sa.Column("valued_on", sa.Date(), nullable=True),
    sa.Column("source", sa.String(120), nullable=True),
    sa.Column("description", sa.String(400), nullable=True),
    sa.Column("loan_id", sa.String(40), sa.ForeignKey("loans.id"), nullable=True, unique=True),
    sa.Column("booked_at", UTCDateTime(), nullable=True),
    sa.CheckConstraint(f"kind in {SECURITY_KINDS}", name="kind"),
    sa.CheckConstraint(
        "(kind = 'guarantor' and guarantor_id is not null and guarantor_income_fen >= 0) or "
        "(kind = 'collateral' and collateral_type is not null and value_fen >= 0 "
        "and haircut is not null and valued_on is not null)",
        name="security",
    ),
)

# A conditional offer neither secured and accepted by its last date, as end of day found it.
secured_offer_lapses = sa.Table(
    "secured_offer_lapses",
    metadata,
    sa.Column("application_id", sa.String(40), sa.ForeignKey("applications.id"), primary_key=True),
    sa.Column("decision_id", sa.String(40), nullable=False),
    sa.Column("expired_on", sa.Date(), nullable=False),
    sa.Column("expired_at", UTCDateTime(), nullable=False),
)
