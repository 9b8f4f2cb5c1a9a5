"""the request id kept with each decision and audit record; the server-side audit append takes it

Revision ID: 0023_request_id
Revises: 0019_decisions_inline
Create Date: 2026-12-06
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0023_request_id"
down_revision = "0019_decisions_inline"
branch_labels = None
depends_on = None

# The id of the API request a row was written for (`core.request_id`): an officer follows a
# complaint from the id the caller was answered with to the decision and its audit records.
# Rows written before, and rows written from the CLI, have none. In an audit record it is part
# of the hashed body when present (`audit.chain.body_around_seq`), which Python sends cut
# around the number as before, so `audit_append` only stores it beside the other columns.

_OLD_SIGNATURE = "timestamptz[], text[], text[], text[], text[], jsonb[], text[], text[]"
_NEW_SIGNATURE = f"{_OLD_SIGNATURE}, text[]"

_APPEND = """
create function audit_append(
  p_at timestamptz[], p_actor text[], p_action text[], p_subject_type text[],
  p_subject_id text[], p_payload jsonb[], p_body_head text[], p_body_tail text[]{request_arg}
) returns bigint language plpgsql as $$
declare
  head_seq bigint;
  head_hash text;
  next_hash text;
begin
  select seq, hash into strict head_seq, head_hash from audit_head where id = 1 for update;
  for i in 1 .. coalesce(cardinality(p_at), 0) loop
    next_hash := encode(sha256(convert_to(
      head_hash || p_body_head[i] || (head_seq + 1)::text || p_body_tail[i], 'UTF8')), 'hex');
    insert into audit_log
      (seq, at, actor, action, subject_type, subject_id, payload, prev_hash, hash{request_col})
    values (head_seq + 1, p_at[i], p_actor[i], p_action[i], p_subject_type[i], p_subject_id[i],
      p_payload[i], head_hash, next_hash{request_val});
    head_seq := head_seq + 1;
    head_hash := next_hash;
  end loop;
  update audit_head set seq = head_seq, hash = head_hash where id = 1;
  return head_seq;
end
$$"""
_WITH_REQUEST_ID = _APPEND.format(
    request_arg=", p_request_id text[]", request_col=", request_id", request_val=", p_request_id[i]"
)
_WITHOUT_REQUEST_ID = _APPEND.format(request_arg="", request_col="", request_val="")


def upgrade() -> None:
    op.add_column("decisions", sa.Column("request_id", sa.String(length=64), nullable=True))
    op.create_index(
        "ix_decisions_request_id",
        "decisions",
        ["request_id"],
        sqlite_where=sa.text("request_id IS NOT NULL"),
        postgresql_where=sa.text("request_id IS NOT NULL"),
    )
    op.add_column("audit_log", sa.Column("request_id", sa.String(length=64), nullable=True))
    if op.get_bind().dialect.name == "postgresql":
        op.execute(f"drop function audit_append({_OLD_SIGNATURE})")
        op.execute(_WITH_REQUEST_ID)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(f"drop function audit_append({_NEW_SIGNATURE})")
        op.execute(_WITHOUT_REQUEST_ID)
    with op.batch_alter_table("audit_log") as batch:
        batch.drop_column("request_id")
    op.drop_index("ix_decisions_request_id", table_name="decisions")
    with op.batch_alter_table("decisions") as batch:
        batch.drop_column("request_id")
