"""Lending on PostgreSQL: the driver SQL a repayment sends pipelined, and COPY in and out for the
quiet days of end of day. The stores fall back to SQLAlchemy statements on SQLite."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from typing import TYPE_CHECKING, Any, cast

import sqlalchemy as sa
from sqlalchemy.orm import Session

from fengkong.db.lending_tables import loans
from fengkong.db.stores import SessionStore

if TYPE_CHECKING:
    import polars as pl
    import psycopg


class LendingStore(SessionStore):
    """A store that knows whether its session speaks to PostgreSQL: there a repayment goes as
    pipelined driver SQL and quiet days move in and out with COPY; SQLite takes plain statements."""

    def __init__(self, session: Session) -> None:
        super().__init__(session)
        self._copies = session.get_bind().dialect.name == "postgresql"


_NULL = "\\N"

# A repayment's statements on PostgreSQL, as driver SQL: built once, sent pipelined (one round
# trip for the reads, one for the writes) and prepared by psycopg after a few runs. Building the
# same statements with SQLAlchemy costs more Python per call than PostgreSQL spends running them.
LOAN_COLUMNS = (
    "id, application_id, line_id, acceptance_key, status, amount_fen, booked_on, "
    "accrued_through, eod_date, days_past_due, dpd_bucket, loan_class, allowance_fen, "
    "reserve_fen, quiet_instalment, quiet_charged_fen, state, revision"
)
# A repayment locks its loan's row first (see `SqlRepayments.repayment_and_loan`).
PG_LOAN = f"SELECT {LOAN_COLUMNS} FROM loans WHERE id = %(loan_id)s FOR UPDATE"
PG_REPAYMENT_BY_KEY = (
    "SELECT id, loan_id, idempotency_key, request_hash, kind, amount_fen, business_date, status, "
    "entry_ids, result, reversal_key, reversal_request_hash FROM repayments "
    "WHERE idempotency_key = %(key)s"
)
# What `save_loan` writes: every column but the loan's fixed ones and its creation time.
SAVED_COLUMNS = tuple(
    c.name
    for c in loans.columns
    if c.name not in ("id", "application_id", "acceptance_key", "partition_key", "created_at")
)
PG_SAVE_LOAN = (
    "UPDATE loans SET "
    + ", ".join(f"{name} = %({name})s" for name in SAVED_COLUMNS)
    + " WHERE id = %(b_id)s AND revision = %(b_revision)s"
)
PG_INSERT_ENTRY = (
    "INSERT INTO journal_entries (entry_id, business_date, kind, idempotency_key, request_hash, "
    "memo, reverses, posted_at) VALUES (%(entry_id)s, %(business_date)s, %(kind)s, "
    "%(idempotency_key)s, %(request_hash)s, %(memo)s, %(reverses)s, %(posted_at)s)"
)
PG_INSERT_POSTING = (
    "INSERT INTO journal_postings (entry_id, line, account_code, loan_id, side, amount_fen) "
    "VALUES (%(entry_id)s, %(line)s, %(account_code)s, %(loan_id)s, %(side)s, %(amount_fen)s)"
)
PG_INSERT_REPAYMENT = (
    "INSERT INTO repayments (id, loan_id, idempotency_key, request_hash, kind, amount_fen, "
    "business_date, status, entry_ids, result, reversal_key, reversal_request_hash, created_at) "
    "VALUES (%(id)s, %(loan_id)s, %(idempotency_key)s, %(request_hash)s, %(kind)s, "
    "%(amount_fen)s, %(business_date)s, %(status)s, %(entry_ids)s, %(result)s, "
    "%(reversal_key)s, %(reversal_request_hash)s, %(created_at)s)"
)


def quiet_schema() -> dict[str, Any]:
    import polars as pl

    return {
        "loan_id": pl.String,
        "revision": pl.Int64,
        "period_start": pl.Date,
        "due": pl.Date,
        "interest": pl.Int64,
        "ceiling": pl.Int64,
        "charged": pl.Int64,
        "outstanding": pl.Int64,
        "allowance": pl.Int64,
        "reserve": pl.Int64,
        "principal": pl.Int64,
    }


def driver(session: Session) -> psycopg.Connection[Any]:
    """The psycopg connection under the session's transaction."""
    connection = session.connection().connection.driver_connection
    assert connection is not None, "no driver connection under the session"
    return cast("psycopg.Connection[Any]", connection)


def copy_out(session: Session, query: sa.Select[Any], schema: Mapping[str, Any]) -> pl.DataFrame:
    import polars as pl

    compiled = query.compile(session.get_bind())
    buffer = bytearray()
    statement = f"COPY ({compiled}) TO STDOUT WITH (FORMAT csv, HEADER true)"
    with driver(session).cursor() as cursor, cursor.copy(statement, compiled.params) as copy:
        for block in copy:
            buffer += block
    return pl.read_csv(bytes(buffer), schema=dict(schema))


def copy_in(session: Session, table: str, frame: pl.DataFrame) -> None:
    if frame.is_empty():
        return
    columns = ", ".join(f'"{name}"' for name in frame.columns)
    text = frame.write_csv(include_header=False, null_value=_NULL)
    with (
        driver(session).cursor() as cursor,
        cursor.copy(
            f"COPY {table} ({columns}) FROM STDIN WITH (FORMAT csv, NULL '{_NULL}')"
        ) as copy,
    ):
        copy.write(text)


def update_quiet_copy(
    session: Session, moved: pl.DataFrame, on: date, now: datetime
) -> pl.DataFrame:
    """One COPY into a temporary table and one UPDATE … FROM; returns the loans it updated."""
    import polars as pl

    connection = driver(session)
    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE TEMPORARY TABLE IF NOT EXISTS quiet_day (loan_id text PRIMARY KEY, "
            "revision integer, charged bigint, outstanding bigint, allowance bigint, "
            "reserve bigint) ON COMMIT DELETE ROWS"
        )
    copy_in(
        session,
        "quiet_day",
        moved.select("loan_id", "revision", "charged", "outstanding", "allowance", "reserve"),
    )
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE loans SET accrued_through = %(on)s, eod_date = %(on)s, "
            "quiet_charged_fen = q.charged, outstanding_fen = q.outstanding, "
            "allowance_fen = q.allowance, reserve_fen = q.reserve, "
            "revision = loans.revision + 1, updated_at = %(now)s "
            "FROM quiet_day q WHERE loans.id = q.loan_id AND loans.revision = q.revision "
            "RETURNING loans.id",
            {"on": on, "now": now},
        )
        updated = [row[0] for row in cursor.fetchall()]
    if len(updated) == moved.height:
        return moved
    return moved.join(
        pl.DataFrame({"loan_id": updated}, schema={"loan_id": pl.String}), on="loan_id", how="semi"
    )
