"""the audit chain appended on the server: a PostgreSQL function that locks the head, numbers,
hashes and stores a unit of work's records, and moves the head, in one call

Revision ID: 0014_audit_append
Revises: 0008
Create Date: 2026-12-03
"""

from __future__ import annotations

from alembic import op

revision = "0014_audit_append"
down_revision = "0008"
branch_labels = None
depends_on = None

# `SqlAuditLog` on PostgreSQL calls this once per unit of work, queued with the unit's other
# writes and its commit, so the head's lock is held only while the commit runs and no exchange
# waits for the head. The caller sends each record's canonical body cut where its number goes
# (`audit.chain.body_around_seq`); the hash is then the one `audit.chain.record_hash` computes,
# sha256 over the UTF-8 of the previous hash followed by the body, which `fengkong audit verify`
# checks in Python as for any other record. It returns the new head's number.
_AUDIT_APPEND = """
create function audit_append(
  p_at timestamptz[], p_actor text[], p_action text[], p_subject_type text[],
  p_subject_id text[], p_payload jsonb[], p_body_head text[], p_body_tail text[]
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
      (seq, at, actor, action, subject_type, subject_id, payload, prev_hash, hash)
    values (head_seq + 1, p_at[i], p_actor[i], p_action[i], p_subject_type[i], p_subject_id[i],
      p_payload[i], head_hash, next_hash);
    head_seq := head_seq + 1;
    head_hash := next_hash;
  end loop;
  update audit_head set seq = head_seq, hash = head_hash where id = 1;
  return head_seq;
end
$$"""


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(_AUDIT_APPEND)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            "drop function audit_append("
            "timestamptz[], text[], text[], text[], text[], jsonb[], text[], text[])"
        )
