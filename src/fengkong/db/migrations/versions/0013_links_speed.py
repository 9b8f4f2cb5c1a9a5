"""identity links in one round trip: a PostgreSQL function that locks, merges, writes and reads

Revision ID: 0013_links_speed
Revises: 0010
Create Date: 2026-11-23
"""

from __future__ import annotations

from alembic import op

revision = "0013_links_speed"
down_revision = "0010"
branch_labels = None
depends_on = None

# `SqlIdentityLinks` on PostgreSQL calls this once per application (see `fraud/links.py` for the
# locking protocol it follows). Arguments: the application, its link keys as parallel arrays,
# the advisory lock ids of its keys (sorted, distinct; computed by the caller) and whether the
# commit must wait for the WAL flush. It returns the component size, the flagged neighbours, and
# per key (in the order given) the first sighting (null: new) and, for a device or phone, the
# distinct ID numbers on it, this application's included.
_LINK_APPLICATION = """
create function link_application(
  p_me text, p_at timestamptz, p_id text, p_declined boolean, p_defaulted boolean,
  p_types text[], p_hashes text[], p_locks integer[], p_durable boolean,
  out total integer, out bad integer, out first_seen timestamptz[], out shared_ids integer[]
) language plpgsql as $$
declare
  lock_id integer;
  components text[];
  wanted text[];
  asked text[];
  held text[] := '{}';
  survivor text;
  survivor_size integer := 0;
  got integer;
  r record;
begin
  if not p_durable then
    perform set_config('synchronous_commit', 'off', true);
  end if;
  foreach lock_id in array p_locks loop
    perform pg_advisory_xact_lock(1280001369, lock_id);  -- 0x4C4B4559, "LKEY"
  end loop;

  -- Each key's first sighting and component, and the flagged applications on any of them.
  select array_agg(k.first_seen_at order by m.n), array_agg(k.component_id order by m.n),
    (select count(distinct e.application_id)::integer
     from unnest(p_types, p_hashes) as f(key_type, key_hash)
     join link_edges e on e.key_type = f.key_type and e.key_hash = f.key_hash and e.flagged)
  into first_seen, components, bad
  from unnest(p_types, p_hashes) with ordinality as m(key_type, key_hash, n)
  left join link_keys k on k.key_type = m.key_type and k.key_hash = m.key_hash;
  wanted := array(select distinct c from unnest(components) as c where c is not null);

  -- Lock the components in id order; one merged away meanwhile has lost its row: follow the
  -- keys to where they went and lock those too.
  total := 1;
  loop
    asked := array(select c from unnest(wanted) as c where c <> all(held) order by c);
    exit when cardinality(asked) = 0;
    got := 0;
    for r in
      select c.component_id, c.size from link_components c
      where c.component_id = any(asked) order by c.component_id for update
    loop
      held := held || r.component_id;
      total := total + r.size;
      got := got + 1;
      if r.size > survivor_size or (r.size = survivor_size and r.component_id < survivor) then
        survivor := r.component_id;
        survivor_size := r.size;
      end if;
    end loop;
    exit when got = cardinality(asked);
    wanted := array(
      select distinct k.component_id
      from unnest(p_types, p_hashes) as m(key_type, key_hash)
      join link_keys k on k.key_type = m.key_type and k.key_hash = m.key_hash);
  end loop;
  survivor := coalesce(survivor, p_me);

  -- Everything the application changes, in one statement: the CTEs touch disjoint rows, all of
  -- them locked by this writer.
  with application as (
    insert into link_applications
      (application_id, received_at, component_id, id_hash, declined, defaulted)
    values (p_me, p_at, survivor, p_id, p_declined, p_defaulted)
  ), relabel_applications as (
    update link_applications set component_id = survivor
    where component_id = any(held) and component_id <> survivor
  ), relabel_keys as (
    update link_keys set component_id = survivor
    where component_id = any(held) and component_id <> survivor
  ), merged as (
    delete from link_components where component_id = any(held) and component_id <> survivor
  ), component as (
    insert into link_components (component_id, size) values (survivor, total)
    on conflict (component_id) do update set size = excluded.size
  ), new_keys as (
    insert into link_keys (key_type, key_hash, first_seen_at, component_id)
    select m.key_type, m.key_hash, p_at, survivor
    from unnest(p_types, p_hashes, first_seen) as m(key_type, key_hash, seen)
    where m.seen is null
  ), edges as (
    insert into link_edges (key_type, key_hash, application_id, flagged)
    select m.key_type, m.key_hash, p_me, p_declined or p_defaulted
    from unnest(p_types, p_hashes) as m(key_type, key_hash)
  )
  insert into link_key_ids (key_type, key_hash, id_hash)
  select m.key_type, m.key_hash, p_id
  from unnest(p_types, p_hashes) as m(key_type, key_hash)
  where p_id is not null
  on conflict do nothing;

  select array_agg(
    case when m.key_type in ('device', 'mobile') then (
      select count(*)::integer from link_key_ids i
      where i.key_type = m.key_type and i.key_hash = m.key_hash
    ) end order by m.n)
  into shared_ids
  from unnest(p_types, p_hashes) with ordinality as m(key_type, key_hash, n);
end
$$"""


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(_LINK_APPLICATION)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            "drop function link_application("
            "text, timestamptz, text, boolean, boolean, text[], text[], integer[], boolean)"
        )
