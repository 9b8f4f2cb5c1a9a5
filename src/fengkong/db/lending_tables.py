"""Tables of lending: loans (state as JSON beside the columns reports and EOD select on), their
schedules, contracts, payouts, repayments, credit lines and draws, and end-of-day runs.

Money is BigInteger fen. A loan's whole `LoanState` is one JSON document (`state`), written with
the loan row in one statement, so a loan can never be half-updated; the columns beside it are
copies kept for queries, except the quiet-day figures, which a quiet end of day updates without
rewriting the document (see `lending.quiet`). `revision` is the row's optimistic-concurrency
counter.
"""

from __future__ import annotations

import sqlalchemy as sa

from fengkong.db.tables import DocumentJSON, JSONType, UTCDateTime, metadata

loans = sa.Table(
    "loans",
    metadata,
    sa.Column("id", sa.String(40), primary_key=True),
    sa.Column("application_id", sa.String(40), nullable=True, unique=True),
    sa.Column("line_id", sa.String(40), nullable=True, index=True),
    sa.Column("acceptance_key", sa.String(200), nullable=True, unique=True),
    sa.Column("product_code", sa.String(64), nullable=False),
    sa.Column("product_version", sa.Integer(), nullable=False),
    sa.Column("status", sa.String(24), nullable=False),
    sa.Column("amount_fen", sa.BigInteger(), nullable=False),
    sa.Column("principal_fen", sa.BigInteger(), nullable=False),
    sa.Column("annual_rate", sa.String(24), nullable=False),
    sa.Column("booked_on", sa.Date(), nullable=False),
    sa.Column("accrued_through", sa.Date(), nullable=False),
    sa.Column("eod_date", sa.Date(), nullable=True),
    sa.Column("principal_outstanding_fen", sa.BigInteger(), nullable=False),
    sa.Column("days_past_due", sa.Integer(), nullable=False),
    sa.Column("dpd_bucket", sa.String(16), nullable=False),
    sa.Column("loan_class", sa.String(24), nullable=False),
    sa.Column("allowance_fen", sa.BigInteger(), nullable=False),
    sa.Column("reserve_fen", sa.BigInteger(), nullable=False),
    sa.Column("partition_key", sa.Integer(), nullable=False),
    # A quiet loan's running instalment (`lending.quiet`): NULL when its next day needs the full
    # step. `quiet_charged_fen` and `accrued_through` are newer than `state` after a quiet day,
    # which writes only them; reading a loan puts them back into its state.
    sa.Column("quiet_instalment", sa.Integer(), nullable=True),
    sa.Column("quiet_period_start", sa.Date(), nullable=True),
    sa.Column("quiet_due", sa.Date(), nullable=True),
    sa.Column("quiet_interest_fen", sa.BigInteger(), nullable=True),
    sa.Column("quiet_ceiling_fen", sa.BigInteger(), nullable=True),
    sa.Column("quiet_charged_fen", sa.BigInteger(), nullable=True),
    sa.Column("outstanding_fen", sa.BigInteger(), nullable=True),
    sa.Column("state", DocumentJSON, nullable=False),
    sa.Column("revision", sa.Integer(), nullable=False),
    sa.Column("created_at", UTCDateTime(), nullable=False),
    sa.Column("updated_at", UTCDateTime(), nullable=False),
    sa.CheckConstraint("principal_fen > 0", name="principal_positive"),
    sa.CheckConstraint("allowance_fen >= 0", name="allowance_not_negative"),
)
sa.Index("ix_loans_status_id", loans.c.status, loans.c.id)
# The loans list's default order (`fengkong loan list`, newest booked first).
sa.Index("ix_loans_booked_on_id", loans.c.booked_on, loans.c.id)

loan_instalments = sa.Table(
    "loan_instalments",
    metadata,
    sa.Column("loan_id", sa.String(40), sa.ForeignKey("loans.id"), primary_key=True),
    sa.Column("number", sa.Integer(), primary_key=True, autoincrement=False),
    sa.Column("due", sa.Date(), nullable=False),
    sa.Column("principal_fen", sa.BigInteger(), nullable=False),
    sa.Column("interest_fen", sa.BigInteger(), nullable=False),
    sa.Column("fee_fen", sa.BigInteger(), nullable=False),
    sa.Column("opening_principal_fen", sa.BigInteger(), nullable=False),
    sa.Column("closing_principal_fen", sa.BigInteger(), nullable=False),
)

loan_contracts = sa.Table(
    "loan_contracts",
    metadata,
    sa.Column("loan_id", sa.String(40), sa.ForeignKey("loans.id"), primary_key=True),
    sa.Column("template_version", sa.String(40), nullable=False),
    sa.Column("sha256", sa.String(64), nullable=False),
    sa.Column("text", sa.Text(), nullable=False),
    sa.Column("created_at", UTCDateTime(), nullable=False),
)

payouts = sa.Table(
    "payouts",
    metadata,
    sa.Column("id", sa.String(40), primary_key=True),
    sa.Column("loan_id", sa.String(40), sa.ForeignKey("loans.id"), nullable=False, index=True),
    sa.Column("idempotency_key", sa.String(200), nullable=False, unique=True),
    sa.Column("amount_fen", sa.BigInteger(), nullable=False),
    sa.Column("status", sa.String(16), nullable=False),
    sa.Column("attempts", sa.Integer(), nullable=False),
    sa.Column("reference", sa.String(120), nullable=True),
    sa.Column("last_error", sa.Text(), nullable=True),
    sa.Column("created_at", UTCDateTime(), nullable=False),
    sa.Column("updated_at", UTCDateTime(), nullable=False),
    sa.CheckConstraint("amount_fen > 0", name="amount_positive"),
)

repayments = sa.Table(
    "repayments",
    metadata,
    sa.Column("id", sa.String(40), primary_key=True),
    sa.Column("loan_id", sa.String(40), sa.ForeignKey("loans.id"), nullable=False, index=True),
    sa.Column("idempotency_key", sa.String(200), nullable=False, unique=True),
    sa.Column("request_hash", sa.String(64), nullable=False),
    sa.Column("kind", sa.String(16), nullable=False),
    sa.Column("amount_fen", sa.BigInteger(), nullable=False),
    sa.Column("business_date", sa.Date(), nullable=False),
    sa.Column("status", sa.String(16), nullable=False),
    sa.Column("entry_ids", DocumentJSON, nullable=False),
    sa.Column("result", DocumentJSON, nullable=False),
    sa.Column("reversal_key", sa.String(200), nullable=True, unique=True),
    sa.Column("reversal_request_hash", sa.String(64), nullable=True),
    sa.Column("created_at", UTCDateTime(), nullable=False),
    sa.CheckConstraint("amount_fen >= 0", name="amount_not_negative"),
)

credit_lines = sa.Table(
    "credit_lines",
    metadata,
    sa.Column("id", sa.String(40), primary_key=True),
    sa.Column("idempotency_key", sa.String(200), nullable=False, unique=True),
    sa.Column("request_hash", sa.String(64), nullable=False),
    sa.Column("product_code", sa.String(64), nullable=False),
    sa.Column("product_version", sa.Integer(), nullable=False),
    sa.Column("status", sa.String(16), nullable=False),
    sa.Column("limit_fen", sa.BigInteger(), nullable=False),
    sa.Column("annual_rate", sa.String(24), nullable=False),
    sa.Column("state", DocumentJSON, nullable=False),
    sa.Column("revision", sa.Integer(), nullable=False),
    sa.Column("created_at", UTCDateTime(), nullable=False),
    sa.Column("updated_at", UTCDateTime(), nullable=False),
    # The application the line was opened on: its applicant is the line's borrower.
    sa.Column("application_id", sa.String(40), nullable=True, index=True),
    # The latest date a rule acted on the line or an officer reinstated it: the line notices to
    # send that date are found by it (`lending.line_notices`).
    sa.Column("rule_acted_on", sa.Date(), nullable=True, index=True),
)

line_draws = sa.Table(
    "line_draws",
    metadata,
    sa.Column("loan_id", sa.String(40), primary_key=True),
    sa.Column("line_id", sa.String(40), sa.ForeignKey("credit_lines.id"), nullable=False),
    sa.Column("idempotency_key", sa.String(200), nullable=False, unique=True),
    sa.Column("request_hash", sa.String(64), nullable=False),
    sa.Column("amount_fen", sa.BigInteger(), nullable=False),
    sa.Column("terms", sa.Integer(), nullable=False),
    sa.Column("drawn_on", sa.Date(), nullable=False),
    sa.Column("created_at", UTCDateTime(), nullable=False),
)
sa.Index("ix_line_draws_line_id", line_draws.c.line_id)

eod_runs = sa.Table(
    "eod_runs",
    metadata,
    sa.Column("business_date", sa.Date(), primary_key=True),
    sa.Column("status", sa.String(16), nullable=False),
    sa.Column("started_at", UTCDateTime(), nullable=False),
    sa.Column("finished_at", UTCDateTime(), nullable=True),
    sa.Column("summary", JSONType, nullable=False),
)

# One row per (business date, partition): how far that partition's loans have been processed.
eod_progress = sa.Table(
    "eod_progress",
    metadata,
    sa.Column("business_date", sa.Date(), primary_key=True),
    sa.Column("partition", sa.Integer(), primary_key=True, autoincrement=False),
    sa.Column("partitions", sa.Integer(), nullable=False),
    sa.Column("cursor", sa.String(40), nullable=False),
    sa.Column("done", sa.Boolean(), nullable=False),
    sa.Column("loans", sa.Integer(), nullable=False),
    sa.Column("chunks", sa.Integer(), nullable=False),
    sa.Column("totals", JSONType, nullable=False),
)
