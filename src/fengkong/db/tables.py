"""Table definitions (SQLAlchemy Core). Rows only: the domain never imports this module."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import JSON, JSONB

metadata = sa.MetaData(
    naming_convention={
        "ix": "ix_%(column_0_label)s",
        "uq": "uq_%(table_name)s_%(column_0_name)s",
        "ck": "ck_%(table_name)s_%(constraint_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)

JSONType = sa.JSON().with_variant(JSONB(), "postgresql")

# A document stored whole and read whole, never queried inside: PostgreSQL keeps it as the text
# sent (`json`), where `jsonb` parses and re-encodes every one it stores: server time spent on
# every decision's six documents and on a loan's state at each repayment, for nothing, since the
# documents are never queried inside (docs/notes/performance-history.md). `json` has
# no equality: such a column is never compared, grouped or made distinct.
DocumentJSON = sa.JSON().with_variant(JSON(), "postgresql")


class UTCDateTime(sa.TypeDecorator[datetime]):
    """Timezone-aware UTC in and out, also on SQLite (which keeps no zone)."""

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: sa.Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime refused: pass an aware UTC datetime")
        converted = value.astimezone(UTC)
        return converted.replace(tzinfo=None) if dialect.name == "sqlite" else converted

    def process_result_value(self, value: Any, dialect: sa.Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)  # type: ignore[no-any-return]
        return value.astimezone(UTC)  # type: ignore[no-any-return]


model_versions = sa.Table(
    "model_versions",
    metadata,
    sa.Column("version", sa.String(80), primary_key=True),
    sa.Column("name", sa.String(64), nullable=False, index=True),
    sa.Column("kind", sa.String(32), nullable=False),
    sa.Column("status", sa.String(16), nullable=False),
    sa.Column("sha256", sa.String(64), nullable=False),
    sa.Column("path", sa.String(400), nullable=False),
    sa.Column("created_at", UTCDateTime(), nullable=False),
    sa.Column("data_fingerprint", sa.String(64), nullable=False),
    sa.Column("features", JSONType, nullable=False),
    sa.Column("params", JSONType, nullable=False),
    sa.Column("metrics", JSONType, nullable=False),
    sa.CheckConstraint(
        "status in ('candidate', 'champion', 'challenger', 'retired')", name="status"
    ),
)

applications = sa.Table(
    "applications",
    metadata,
    sa.Column("id", sa.String(40), primary_key=True),
    sa.Column("received_at", UTCDateTime(), nullable=False, index=True),
    sa.Column("product", sa.String(40), nullable=False),
    sa.Column("amount_fen", sa.BigInteger(), nullable=False),
    sa.Column("term_months", sa.Integer(), nullable=False),
    sa.Column("purpose", sa.String(80), nullable=False),
    sa.Column("monthly_income_fen", sa.BigInteger(), nullable=False),
    # Personal data lives only as ciphertext plus a keyed blind index for equality look-ups.
    sa.Column("name_enc", sa.Text(), nullable=False),
    sa.Column("id_number_enc", sa.Text(), nullable=False),
    sa.Column("id_number_bidx", sa.String(64), nullable=False, index=True),
    sa.Column("phone_enc", sa.Text(), nullable=False),
    sa.Column("phone_bidx", sa.String(64), nullable=False, index=True),
    sa.Column("bank_card_enc", sa.Text(), nullable=True),
    sa.Column("bank_card_bidx", sa.String(64), nullable=True, index=True),
    sa.Column("profile", JSONType, nullable=False),
    # The sales channel (`onboarding.channel.SalesChannel`) and a partner's code; null on rows
    # stored before they were kept (migration 0027): unknown, not guessed. No check constraint:
    # the allowed values are defined once, in the code that refuses others at the boundary.
    sa.Column("channel", sa.String(16), nullable=True),
    sa.Column("channel_partner", sa.String(40), nullable=True),
    # The province code of the applicant's resident ID (`onboarding.region`); null on rows stored
    # before it was kept (migration 0032), reported as `unknown` rather than guessed.
    sa.Column("region", sa.String(8), nullable=True),
    # The GB/T 4754 section of the borrower's industry (`onboarding.industry`); null when the
    # application named none or was stored before it was kept (migration 0035): `unknown`.
    sa.Column("industry", sa.String(4), nullable=True),
    sa.CheckConstraint("amount_fen > 0", name="amount_positive"),
    sa.CheckConstraint("term_months > 0", name="term_positive"),
)

# approve_secured: approve if secured (`lending.secured_offers`), from migration 0040
DECISION_OUTCOMES = "('approve', 'approve_secured', 'decline', 'refer', 'verify')"

decisions = sa.Table(
    "decisions",
    metadata,
    sa.Column("id", sa.String(40), primary_key=True),
    sa.Column(
        "application_id",
        sa.String(40),
        sa.ForeignKey("applications.id"),
        nullable=False,
        unique=True,
    ),
    sa.Column("decided_at", UTCDateTime(), nullable=False, index=True),
    sa.Column("outcome", sa.String(16), nullable=False, index=True),
    sa.Column("score", sa.Integer(), nullable=True),
    sa.Column("pd", sa.String(24), nullable=True),
    sa.Column("approved_amount_fen", sa.BigInteger(), nullable=True),
    sa.Column("reasons", DocumentJSON, nullable=False),
    sa.Column("policy_version", sa.String(80), nullable=False),
    sa.Column("model_version", sa.String(80), sa.ForeignKey("model_versions.version")),
    sa.Column("model_sha256", sa.String(64), nullable=True),
    sa.Column("inputs", DocumentJSON, nullable=False),
    sa.Column("features", DocumentJSON, nullable=False),
    sa.Column("input_hash", sa.String(64), nullable=False),
    sa.Column("policy_sha256", sa.String(64), nullable=True),
    sa.Column("annual_rate", sa.String(24), nullable=True),
    sa.Column("term_months", sa.Integer(), nullable=True),
    sa.Column("offer", DocumentJSON, nullable=True),
    sa.Column("trace", DocumentJSON, nullable=True),
    sa.Column("facts", DocumentJSON, nullable=True),
    # The API request that asked for the decision (`core.request_id`); null from the CLI.
    sa.Column("request_id", sa.String(64), nullable=True),
    sa.CheckConstraint(f"outcome in {DECISION_OUTCOMES}", name="outcome"),
)
# An officer tracing a complaint finds the decision by the request id the caller was answered
# with. Only decisions that have one are indexed (not those made from the CLI).
sa.Index(
    "ix_decisions_request_id",
    decisions.c.request_id,
    sqlite_where=decisions.c.request_id.is_not(None),
    postgresql_where=decisions.c.request_id.is_not(None),
)

# Every policy that has decided, content-addressed: its document and JDM tables, for replay.
policy_bundles = sa.Table(
    "policy_bundles",
    metadata,
    sa.Column("sha256", sa.String(64), primary_key=True),
    sa.Column("label", sa.String(80), nullable=False),
    sa.Column("bundle", JSONType, nullable=False),
    sa.Column("first_used_at", UTCDateTime(), nullable=False),
)


def load_all_tables() -> sa.MetaData:
    """The metadata with every area's tables registered (each `db/*_tables.py` module adds its
    tables to `metadata` on import)."""
    import importlib
    import pkgutil

    import fengkong.db as package

    for module in pkgutil.iter_modules(package.__path__):
        if module.name.endswith("_tables"):
            importlib.import_module(f"fengkong.db.{module.name}")
    return metadata
