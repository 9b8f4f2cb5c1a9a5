"""Onboarding tables: the applicant's consents, keyed by the blind index of the resident ID, and
the business of a business application.

No clear personal data: the applicant is only `subject_bidx`, the HMAC blind index the
applications table also keeps (`applications.id_number_bidx`); a business's code, name and
parties only as vault ciphertext and blind indexes.
"""

from __future__ import annotations

import sqlalchemy as sa

from fengkong.db.tables import JSONType, UTCDateTime, metadata

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
# names one. The code and registered name as vault ciphertext, the code's blind index (the
# subject key its external documents are recorded under); the owners and guarantors as a JSON
# list of sealed parties (`onboarding.business.StoredParty`): ciphertexts and blind indexes only.
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
    sa.Column("parties", JSONType, nullable=False),
)
