"""velocity in one statement: a PostgreSQL function that locks the keys, records the event and
counts every window

Revision ID: 0015_velocity_record
Revises: 0013_links_speed
Create Date: 2026-12-03
"""

from __future__ import annotations

from alembic import op

revision = "0015_velocity_record"
down_revision = "0013_links_speed"
branch_labels = None
depends_on = None

# `SqlVelocityStore` on PostgreSQL calls this once per application, in autocommit: the call is
# its own transaction, so no BEGIN or COMMIT travels with it. Arguments: the event's keys as
# parallel arrays, the event, the earliest instant any window reaches back to, each window's
# start, the keys' advisory lock ids (sorted, distinct; computed by the caller, see
# `db/fraud_velocity.py`) and whether the commit must wait for the WAL flush. The count runs
# after the locks are held, as a statement of its own, so under read committed it sees every
# writer that held them before. One row per key type: per window (in the order given) the events
# and their amounts in fen, this one included.
_VELOCITY_RECORD = """
create function velocity_record(
  p_types text[], p_hashes text[], p_event_id text, p_at timestamptz, p_amount bigint,
  p_since timestamptz, p_starts timestamptz[], p_locks integer[], p_durable boolean
) returns table (kind text, counts bigint[], sums bigint[]) language plpgsql as $$
begin
  if not p_durable then
    perform set_config('synchronous_commit', 'off', true);
  end if;
  perform pg_advisory_xact_lock(1447382095, k) from unnest(p_locks) as k;  -- 0x56454C4F, "VELO"
  return query
  with mine as (
    select * from unnest(p_types, p_hashes) as m(key_type, key_hash)
  ), added as (
    insert into velocity_events (key_type, key_hash, event_id, at, amount_fen)
    select m.key_type, m.key_hash, p_event_id, p_at, p_amount from mine m
    on conflict do nothing
    returning velocity_events.key_type, velocity_events.at, velocity_events.amount_fen
  ), seen as (
    select a.key_type, a.at, a.amount_fen from added a
    union all
    -- `lateral` keeps the plan a nested loop: one index range per key, whatever the planner
    -- guesses about the table.
    select m.key_type, e.at, e.amount_fen from mine m cross join lateral (
      select v.at, v.amount_fen from velocity_events v
      where v.key_type = m.key_type and v.key_hash = m.key_hash and v.at > p_since
    ) e
  ), per_window as (
    select s.key_type, w.n, count(*) filter (where s.at > w.start) as events,
      coalesce(sum(s.amount_fen) filter (where s.at > w.start), 0)::bigint as amount
    from seen s cross join unnest(p_starts) with ordinality as w(start, n)
    group by s.key_type, w.n
  )
  select p.key_type::text, array_agg(p.events order by p.n), array_agg(p.amount order by p.n)
  from per_window p group by p.key_type;
end
$$"""


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(_VELOCITY_RECORD)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            "drop function velocity_record(text[], text[], text, timestamptz, bigint, "
            "timestamptz, timestamptz[], integer[], boolean)"
        )
