"""Onboarding tables: the applicant's consents, keyed by the blind index of the resident ID, and
the business of a business application.

No clear personal data: the applicant is only `subject_bidx`, the HMAC blind index the
applications table also keeps (`applications.id_number_bidx`); a business's code, name and
parties only as vault ciphertext and blind indexes.
"""

from __future__ import annotations

import sqlalchemy as sa

from fengkong.db.tables import UTCDateTime, metadata

consents = sa.Table(
    "consents",
    metadata,
    sa.Column("id", sa.String(40), primary_key=True),
    sa.Column("subject_bidx", sa.String(64), nullable=False),
    sa.Column("purpose", sa.String(32), nullable=False),
    sa.Column("scope", sa.Text(), nullable=False),
    sa.Column("text_version", sa.String(40), nullable=False),
    sa.Column("granted_at", UTCDateTime(), nullable=False),
    sa.Column("recorded_at", UTCDateTime(), nullable=False),
    sa.Column("recorded_by", sa.String(80), nullable=False),
    sa.Column("revoked_at", UTCDateTime(), nullable=True),
    sa.Column("revoked_by", sa.String(80), nullable=True),
)
sa.Index("ix_consents_subject_purpose", consents.c.subject_bidx, consents.c.purpose)

# The business of a business application (`onboarding.business`), one row per application that
# names one: the code and registered name as vault ciphertext, the code's blind index (the
# subject key its external documents are recorded under). Its owners and guarantors, one row
# each in `application_business_parties`, in the order given: ciphertexts and blind indexes
# only. Every `*_enc` column is re-encrypted by key rotation (`db.personal_data`), under the
# vault field its name gives (`uscc`, `registered_name`, `name`, `id_number`, `phone`).
application_businesses = sa.Table(
    "application_businesses",
    metadata,
    sa.Column("application_id", sa.String(40), primary_key=True),
    sa.Column("uscc_enc", sa.Text(), nullable=False),
    sa.Column("uscc_bidx", sa.String(64), nullable=False, index=True),
    sa.Column("registered_name_enc", sa.Text(), nullable=False),
    sa.Column("industry", sa.String(4), nullable=False),
    sa.Column("region", sa.String(8), nullable=False),
    sa.Column("years_in_operation", sa.Integer(), nullable=False),
    sa.Column("established_on", sa.Date(), nullable=True),
    sa.Column("annual_revenue_fen", sa.BigInteger(), nullable=False),
)

application_business_parties = sa.Table(
    "application_business_parties",
    metadata,
    sa.Column("application_id", sa.String(40), primary_key=True),
    sa.Column("position", sa.Integer(), primary_key=True),
    sa.Column("role", sa.String(16), nullable=False),  # owner | guarantor
    sa.Column("kind", sa.String(16), nullable=False),  # person | company
    sa.Column("name_enc", sa.Text(), nullable=False),
    sa.Column("id_number_enc", sa.Text(), nullable=True),
    sa.Column("id_number_bidx", sa.String(64), nullable=True, index=True),
    sa.Column("phone_enc", sa.Text(), nullable=True),
    sa.Column("uscc_enc", sa.Text(), nullable=True),
    sa.Column("uscc_bidx", sa.String(64), nullable=True),
    sa.Column("share_bp", sa.Integer(), nullable=True),
)
