"""list entries: at most one open (not removed) entry per list and key, guaranteed by the database

Revision ID: 0028_list_entry_open_once
Revises: 0018_links_merge_when_needed
Create Date: 2026-12-06

`fraud.list_admin` refused a key already active on the same list by a read before its insert, so
two people adding the same key at the same moment could both succeed. A partial unique index over
(list, key_type, key_hash) WHERE removed_at IS NULL now makes the second insert fail, which the
use cases report as the same `Conflict` (409, CLI exit 1) as the read.

The index cannot say "not expired": expiry depends on the time of the question, and an index
predicate must not. So it keeps one *open* entry per list and key, and an entry that has expired
but was never removed is closed (removed, with why) by `list_admin` when the key is added again;
the read still decides whether the open entry is active (a `Conflict`) or lapsed (closed first).

Existing rows that would break the index — several open entries for one list and key, which the
old code allowed after an expiry, and after a race — are resolved, not refused, since refusing
would stop every deployment that ever re-listed an expired key: in each group the entry to keep
is the oldest one still active now (by `added_at`, then id), or, if all have expired, the oldest;
every other one is marked removed now by `system:migration-0028`, its `removal_reason` naming the
entry kept. Decisions read only active entries, so no look-up loses a list: an expired entry was
already ignored, and an active duplicate leaves its twin on the same list. These removals are
recorded on the rows themselves (who, when, why), not in the audit log, which only the use cases
append to. Downgrading drops the index and leaves those rows removed.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from alembic import op

from fengkong.core.clock import SystemClock
from fengkong.db.tables import UTCDateTime

revision = "0028_list_entry_open_once"
down_revision = "0018_links_merge_when_needed"
branch_labels = None
depends_on = None

INDEX = "uq_fraud_list_entries_open"
REMOVED_BY = "system:migration-0028"
_OPEN = sa.text("removed_at IS NULL")
_log = logging.getLogger("alembic.runtime.migration")

_entries = sa.table(
    "fraud_list_entries",
    sa.column("id", sa.String()),
    sa.column("list", sa.String()),
    sa.column("key_type", sa.String()),
    sa.column("key_hash", sa.String()),
    sa.column("added_at", UTCDateTime()),
    sa.column("expires_at", UTCDateTime()),
    sa.column("removed_by", sa.String()),
    sa.column("removed_at", UTCDateTime()),
    sa.column("removal_reason", sa.Text()),
)


def _kept_first(row: Any, now: datetime) -> tuple[bool, datetime, str]:
    """Sort key: active entries before expired ones, then the oldest."""
    expired = row.expires_at is not None and row.expires_at <= now
    return (expired, row.added_at, row.id)


def _close_duplicates(conn: sa.Connection, now: datetime) -> int:
    e = _entries.c
    group = (e.list, e.key_type, e.key_hash)
    crowded = (
        sa.select(*group)
        .where(e.removed_at.is_(None))
        .group_by(*group)
        .having(sa.func.count() > 1)
        .subquery()
    )
    rows: Sequence[Any] = conn.execute(
        sa.select(e.id, e.list, e.key_type, e.key_hash, e.added_at, e.expires_at)
        .join(
            crowded,
            sa.and_(
                e.list == crowded.c.list,
                e.key_type == crowded.c.key_type,
                e.key_hash == crowded.c.key_hash,
            ),
        )
        .where(e.removed_at.is_(None))
    ).all()
    groups: dict[tuple[str, str, str], list[Any]] = {}
    for row in rows:
        groups.setdefault((row.list, row.key_type, row.key_hash), []).append(row)
    closed = 0
    for members in groups.values():
        kept, *others = sorted(members, key=lambda r: _kept_first(r, now))
        for row in others:
            conn.execute(
                sa.update(_entries)
                .where(e.id == row.id, e.removed_at.is_(None))
                .values(
                    removed_by=REMOVED_BY,
                    removed_at=now,
                    removal_reason=(
                        f"duplicate of {kept.id}: one open entry per list and key (migration 0028)"
                    ),
                )
            )
            closed += 1
    return closed


def upgrade() -> None:
    closed = _close_duplicates(op.get_bind(), SystemClock().now())
    if closed:
        _log.warning("closed %d duplicate list entries (see their removal_reason)", closed)
    op.create_index(
        INDEX,
        "fraud_list_entries",
        ["list", "key_type", "key_hash"],
        unique=True,
        postgresql_where=_OPEN,
        sqlite_where=_OPEN,
    )


def downgrade() -> None:
    op.drop_index(INDEX, table_name="fraud_list_entries")
