"""External data's table: every call to a provider and every imported file (`sources.fetching`).

No clear personal data: the subject is the blind index of the resident ID (or of the unified
social credit code), the payload is a vault token (field `source_payload`), dropped after
`retain_until` by the purge, when `purged_at` is set and the rest of the row stays.
"""

from __future__ import annotations

import sqlalchemy as sa

from fengkong.db.tables import UTCDateTime, metadata

source_answers = sa.Table(
    "source_answers",
    metadata,
    sa.Column("id", sa.String(40), primary_key=True),
    sa.Column("kind", sa.String(32), nullable=False),
    sa.Column("subject_key", sa.String(64), nullable=False),
    sa.Column("provider", sa.String(100), nullable=False),
    sa.Column("as_of", sa.Date(), nullable=False),
    sa.Column("fetched_at", UTCDateTime(), nullable=False),
    sa.Column("status", sa.String(12), nullable=False),
    sa.Column("cost_fen", sa.BigInteger(), nullable=False),
    sa.Column("elapsed_ms", sa.Integer(), nullable=False),
    sa.Column("retain_until", UTCDateTime(), nullable=False),
    sa.Column("application_id", sa.String(40), nullable=True),
    sa.Column("source_payload_enc", sa.Text(), nullable=True),
    sa.Column("sha256", sa.String(64), nullable=True),
    sa.Column("error", sa.String(500), nullable=True),
    sa.Column("purged_at", UTCDateTime(), nullable=True),
)
# The cache's look-up, the application's list, and the purge's scan of what is still kept.
sa.Index(
    "ix_source_answers_subject",
    source_answers.c.subject_key,
    source_answers.c.kind,
    source_answers.c.as_of,
)
sa.Index("ix_source_answers_application", source_answers.c.application_id)
sa.Index("ix_source_answers_retain", source_answers.c.purged_at, source_answers.c.retain_until)
