"""Onboarding tables: the applicant's consents, keyed by the blind index of the resident ID.

No clear personal data: the applicant is only `subject_bidx`, the HMAC blind index the
applications table also keeps (`applications.id_number_bidx`).
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
