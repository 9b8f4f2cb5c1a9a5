"""The identity-link graph in the database (the default `fraud.links.IdentityLinks`).

`SqlIdentityLinks.link` updates the graph incrementally in one transaction: applications and keys
carry the id of their connected component, and a merge relabels the smaller components into the
largest (union by size, so each row is relabelled O(log n) times over its life).
`fraud.links.batch_link_features` computes the same features over a list of past applications in
memory, for back-tests; a test holds the two to identical results.

Writers lock what they touch, not the whole graph. On PostgreSQL a writer takes an advisory lock per
key of its own (in key order; two writers introducing one new key, or adding ID numbers and edges to
it, take turns), reads its keys, then locks the rows of the components those keys belong to (`for
update`, in id order). A component merged away meanwhile has lost its row, so the lock does not
return it: the writer re-reads where its keys went and locks those too. With everything it touches
locked, one statement writes the application, the merge, the new keys, edges and ID numbers. All of
this runs server-side in the `link_application` function (migration 0013), sent with the commit in
one pipeline: one round trip per application, where the same steps as separate statements took
three, each costing a wake-up of the client and of the server on a busy machine. The commit is
asynchronous, as the velocity store's (see `db.fraud_velocity`). Writers on disjoint components
never wait for each other; a deadlock (possible only when a re-read finds a component ordered before
one already held) is retried. SQLite has a single writer, which serializes `link` whole.

With Redis configured, `db.redis_links.RedisIdentityLinks` keeps the same graph in Redis instead.
"""

from __future__ import annotations

import hashlib
import sqlite3
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any, TypeVar

import sqlalchemy as sa

from fengkong.db import sqlite_driver
from fengkong.db.compiled import compiled
from fengkong.db.database import Database
from fengkong.db.driver_reads import ServerCall, standalone_reads
from fengkong.db.fraud_tables import link_applications, link_components, link_edges
from fengkong.fraud.keys import KeyType
from fengkong.fraud.links import LinkApplication, LinkFeatures, NotLinked, link_features

__all__ = [
    "FLAG_APPLICATION",
    "FLAG_EDGES",
    "SqlIdentityLinks",
    "outcome_values",
    "retrying_deadlocks",
]

# The first int4 of the two-key advisory lock space: "LKEY", apart from the velocity store's.
_KEY_LOCK_NAMESPACE = 0x4C4B4559
_DEADLOCK, _UNIQUE_VIOLATION = "40P01", "23505"
_ATTEMPTS = 5
T = TypeVar("T")
# Either may report a second `link` of one application first: both keys hold its id.
_ALREADY_LINKED = frozenset({"pk_link_applications", "pk_link_edges"})


def _key_lock(key_type: KeyType, digest: str) -> int:
    raw = hashlib.sha256(f"{key_type.value}:{digest}".encode()).digest()[:4]
    return int.from_bytes(raw, "big", signed=True)


def retrying_deadlocks(application_id: str, attempt: Callable[[], T]) -> T:
    """`attempt` (a transaction that links the application on PostgreSQL), tried again after a
    deadlock; a second link of the same application is a `ValueError`."""
    import psycopg  # PostgreSQL only: not loaded on SQLite

    for n in range(_ATTEMPTS):
        try:
            return attempt()
        except psycopg.Error as exc:
            if exc.sqlstate == _UNIQUE_VIOLATION and exc.diag.constraint_name in _ALREADY_LINKED:
                raise ValueError(f"application {application_id!r} is already linked") from None
            if exc.sqlstate != _DEADLOCK or n == _ATTEMPTS - 1:
                raise
    raise AssertionError("unreachable")  # pragma: no cover


# The whole update, server-side (migration 0013): one round trip with the commit.
_LINK = """
select total, bad, first_seen, shared_ids from link_application(
  %(me)s, %(at)s, %(id)s::text, %(declined)s, %(defaulted)s,
  %(types)s::text[], %(hashes)s::text[], %(locks)s::integer[], %(durable)s)"""


# An application's outcome on its row and its edges, in one statement; the second form commits
# without waiting for the WAL flush (set for this statement's own transaction only).
_MARKING = """
with marked as (
  update link_applications set declined = %(declined)s, defaulted = %(defaulted)s
  where application_id = %(me)s returning 1
), edges as (
  update link_edges set flagged = %(flagged)s where application_id = %(me)s
)"""
_MARK = _MARKING + " select count(*) from marked"

# The same outcome as two plain updates: SQLite's form, and a unit of work's on either database
# (`db.repositories.SqlLinkOutcomes`), where they are held with the decision's other writes.
FLAG_APPLICATION = (
    link_applications.update()
    .where(link_applications.c.application_id == sa.bindparam("me"))
    .values(declined=sa.bindparam("declined"), defaulted=sa.bindparam("defaulted"))
)
FLAG_EDGES = (
    link_edges.update()
    .where(link_edges.c.application_id == sa.bindparam("me"))
    .values(flagged=sa.bindparam("flagged"))
)


def outcome_values(application_id: str, *, declined: bool, defaulted: bool) -> dict[str, Any]:
    """The parameters of `FLAG_APPLICATION` and `FLAG_EDGES` (and of the PostgreSQL mark)."""
    return {
        "me": application_id,
        "declined": declined,
        "defaulted": defaulted,
        "flagged": declined or defaulted,
    }


_MARK_COMMIT_LATER = (
    _MARKING + " select count(*), set_config('synchronous_commit', 'off', true) from marked"
)


class SqlIdentityLinks:
    def __init__(self, db: Database, *, durable_commit: bool = False) -> None:
        self.db = db
        self.durable_commit = durable_commit

    def link(self, app: LinkApplication) -> LinkFeatures:
        """Add the application to the graph and return its features; idempotent per id."""
        if self.db.dialect == "postgresql":
            return self._link_postgres(app)
        with sqlite_driver.writing(self.db.engine) as conn:
            return _link_sqlite(conn, app)

    def _link_postgres(self, app: LinkApplication) -> LinkFeatures:
        call = self.linking(app)

        def once() -> LinkFeatures:
            with standalone_reads(self.db) as statements:  # one statement, its own transaction
                return statements.call(call)

        return retrying_deadlocks(app.application_id, once)

    def linking(self, app: LinkApplication) -> ServerCall[LinkFeatures]:
        """`link` on PostgreSQL, as one call of the server's `link_application`: sent alone, it
        is its own transaction, so no BEGIN or COMMIT travels with it; beside another call
        (`SqlSignalStores`), it commits with it. Its sender retries a deadlock
        (`retrying_deadlocks`)."""
        keys = app.link_keys()
        parameters = {
            "me": app.application_id,
            "at": app.at,
            "id": app.id_hash,
            "declined": app.declined,
            "defaulted": app.defaulted,
            "types": [kt.value for kt, _ in keys],
            "hashes": [h for _, h in keys],
            "locks": sorted({_key_lock(kt, h) for kt, h in keys}),
            "durable": self.durable_commit,
        }

        def features(rows: list[tuple[Any, ...]]) -> LinkFeatures:
            ((total, bad, seen, shared),) = rows
            first_seen = {
                key: at.astimezone(UTC) for key, at in zip(keys, seen or (), strict=True) if at
            }
            shared_ids = {
                kt: int(n) for (kt, _), n in zip(keys, shared or (), strict=True) if n is not None
            }
            return link_features(app, keys, int(total), shared_ids, int(bad), first_seen)

        return ServerCall(_LINK, parameters, features)

    def mark_outcome(self, application_id: str, *, declined: bool, defaulted: bool) -> None:
        """Record that an application was declined or has defaulted, for its future neighbours.
        On PostgreSQL the commit is asynchronous like the link update's: the decision that
        declined is already durable, and waiting for this flag's own WAL flush would double the
        wait of every declined application."""
        values = outcome_values(application_id, declined=declined, defaulted=defaulted)
        if self.db.dialect != "postgresql":
            flag_application, flag_edges = (
                compiled(s, self.db.engine.dialect) for s in (FLAG_APPLICATION, FLAG_EDGES)
            )
            with sqlite_driver.writing(self.db.engine) as conn:
                flagged = conn.execute(flag_application.sql, flag_application.parameters(values))
                if flagged.rowcount == 0:
                    raise NotLinked(f"application {application_id!r} is not linked")
                conn.execute(flag_edges.sql, flag_edges.parameters(values))
            return
        with standalone_reads(self.db) as statements:  # one statement, its own transaction
            ((marked, *_),) = statements.driver_rows(
                _MARK if self.durable_commit else _MARK_COMMIT_LATER, values
            )
        if marked == 0:  # nothing was written: the edges have none of it either
            raise NotLinked(f"application {application_id!r} is not linked")

    def component_sizes(self) -> dict[str, int]:
        with self.db.engine.connect() as conn:
            rows: Any = conn.execute(
                sa.select(link_components.c.component_id, link_components.c.size)
            )
            return {r[0]: int(r[1]) for r in rows}


def _link_sqlite(conn: sqlite3.Connection, app: LinkApplication) -> LinkFeatures:
    """The update on SQLite, whose single writer (held since the transaction began) serializes
    it whole: read the keys and their components, merge smaller into larger, add the rest."""
    me, at = app.application_id, sqlite_driver.utc_text(app.at)
    # The first statement writes, so SQLite takes its write lock before anything is read.
    added = conn.execute(
        "insert into link_applications"
        " (application_id, received_at, component_id, id_hash, declined, defaulted)"
        " values (?, ?, ?, ?, ?, ?) on conflict do nothing",
        (me, at, me, app.id_hash, app.declined, app.defaulted),
    )
    if added.rowcount == 0:
        raise ValueError(f"application {me!r} is already linked")
    keys = app.link_keys()
    pairs = [v for kt, h in keys for v in (kt.value, h)]
    existing: dict[tuple[KeyType, str], tuple[datetime, str]] = {}
    if keys:
        rows = conn.execute(
            "select key_type, key_hash, first_seen_at, component_id from link_keys"
            f" where {sqlite_driver.any_key(len(keys))}",
            pairs,
        ).fetchall()
        existing = {
            (KeyType(kt), h): (sqlite_driver.from_utc_text(seen), comp)
            for kt, h, seen, comp in rows
        }
    components = sorted({comp for _, comp in existing.values()})
    sizes: dict[str, int] = {}
    if components:
        sizes = dict(
            conn.execute(
                "select component_id, size from link_components"
                f" where component_id in ({sqlite_driver.placeholders(len(components))})",
                components,
            ).fetchall()
        )
    survivor = min(components, key=lambda cid: (-sizes[cid], cid)) if components else me
    others = [cid for cid in components if cid != survivor]
    total = sum(sizes.values()) + 1
    if others:
        among = sqlite_driver.placeholders(len(others))
        for table in ("link_applications", "link_keys"):
            conn.execute(
                f"update {table} set component_id = ? where component_id in ({among})",
                [survivor, *others],
            )
        conn.execute(f"delete from link_components where component_id in ({among})", others)
    if survivor != me:
        conn.execute(
            "update link_applications set component_id = ? where application_id = ?",
            (survivor, me),
        )
        conn.execute(
            "update link_components set size = ? where component_id = ?", (total, survivor)
        )
    else:
        conn.execute("insert into link_components (component_id, size) values (?, ?)", (me, total))
    conn.executemany(
        "insert into link_keys (key_type, key_hash, first_seen_at, component_id)"
        " values (?, ?, ?, ?)",
        [(kt.value, h, at, survivor) for kt, h in keys if (kt, h) not in existing],
    )
    conn.executemany(
        "insert into link_edges (key_type, key_hash, application_id, flagged) values (?, ?, ?, ?)",
        [(kt.value, h, me, app.flagged) for kt, h in keys],
    )
    if app.id_hash is not None:
        conn.executemany(
            "insert into link_key_ids (key_type, key_hash, id_hash) values (?, ?, ?)"
            " on conflict do nothing",
            [(kt.value, h, app.id_hash) for kt, h in keys],
        )
    shared_ids, bad = _neighbourhood_sqlite(conn, me, keys)
    first_seen = {key: seen for key, (seen, _) in existing.items()}
    return link_features(app, keys, total, shared_ids, bad, first_seen)


def _neighbourhood_sqlite(
    conn: sqlite3.Connection, me: str, keys: tuple[tuple[KeyType, str], ...]
) -> tuple[dict[KeyType, int], int]:
    if not keys:
        return {}, 0
    shared = [(kt, h) for kt, h in keys if kt in (KeyType.DEVICE, KeyType.MOBILE)]
    counts: dict[KeyType, int] = {kt: 0 for kt, _ in shared}
    if shared:
        rows = conn.execute(
            "select key_type, count(*) from link_key_ids"
            f" where {sqlite_driver.any_key(len(shared))}"
            " group by key_type",
            [v for kt, h in shared for v in (kt.value, h)],
        ).fetchall()
        counts.update({KeyType(kt): int(n) for kt, n in rows})
    # `flagged` spelled as the partial index's condition, so the planner can use the index.
    (bad,) = conn.execute(
        "select count(distinct application_id) from link_edges"
        f" where {sqlite_driver.any_key(len(keys))}"
        " and flagged and application_id != ?",
        [*(v for kt, h in keys for v in (kt.value, h)), me],
    ).fetchone()
    return counts, int(bad)
