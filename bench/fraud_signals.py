"""Fraud-signal latency: one application's signals — velocity counts and sums over every window,
list look-ups and identity-link features — with N prior applications stored, on SQLite,
PostgreSQL, and with Redis holding the velocity counters and the identity-link graph (lists stay
in PostgreSQL).

Prior applications are bulk-loaded, spread over the 30 days before the measured ones: 5 in every
100 share a device (components of 5), IP networks and employers come from pools (about 20 and 50
events per key in 30 days at N = 1,000,000), the rest is unique. Loading is what a restore would
do, not what the service does: SQLite takes `executemany` in one transaction with the journal off
and its secondary indexes built afterwards; PostgreSQL takes COPY into tables whose indexes and
keys are dropped first and rebuilt after, then `vacuum analyze`; Redis takes pipelined ZADDs and
the link graph's strings, hashes and sets into a private `redis-server` the benchmark starts on a
free port (or the server at `FENGKONG_BENCH_REDIS_URL`, under a private prefix). Each measured application is new; half reuse
a prior device, all draw network and employer from the pools, so look-ups hit populated index
ranges and links merge into existing components.

`N` is `FENGKONG_BENCH_FRAUD_N` (default 1,000,000, as issue 4 asks), the measured applications
`FENGKONG_BENCH_FRAUD_SAMPLES` (default 500, after 50 of warm-up), the backends measured
`FENGKONG_BENCH_FRAUD_BACKENDS` (default `sqlite,postgresql,redis`; Redis needs PostgreSQL for the
lists); everything is cleaned up.
"""

from __future__ import annotations

import hashlib
import hmac
import io
import os
import random
import sqlite3
import subprocess
import tempfile
import time
import uuid
from collections.abc import Iterator
from concurrent.futures import Executor, ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from bench.harness import Section, percentile, private_redis
from fengkong.core.clock import FakeClock
from fengkong.core.money import Fen
from fengkong.db.database import Database
from fengkong.db.fraud_links import SqlIdentityLinks
from fengkong.db.fraud_lists import SqlFraudLists
from fengkong.db.fraud_velocity import SqlVelocityStore
from fengkong.db.migrate import upgrade
from fengkong.db.redis_links import RedisIdentityLinks
from fengkong.db.redis_velocity import RedisVelocityStore, _micros, redis_client
from fengkong.decision.fraud_stage import FraudServices, signals_of
from fengkong.fraud.keys import KeyType
from fengkong.fraud.links import LINK_KEY_TYPES, IdentityLinks
from fengkong.fraud.lists import ListKind, NewListEntry
from fengkong.fraud.velocity import VelocityEvent, VelocityStore

N_PRIOR = int(os.environ.get("FENGKONG_BENCH_FRAUD_N", "1000000"))
SAMPLES = int(os.environ.get("FENGKONG_BENCH_FRAUD_SAMPLES", "500"))
WARMUP = 50
BACKENDS = frozenset(
    os.environ.get("FENGKONG_BENCH_FRAUD_BACKENDS", "sqlite,postgresql,redis").split(",")
)
PG_URL = os.environ.get(
    "FENGKONG_BENCH_POSTGRES_URL",
    os.environ.get(
        "FENGKONG_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
    ),
)
REDIS_URL = os.environ.get("FENGKONG_BENCH_REDIS_URL")  # None: a private redis-server
T0 = datetime(2026, 3, 1, tzinfo=UTC)
SPAN = timedelta(days=30)
IP_POOL, EMPLOYER_POOL = 50_000, 20_000
CHUNK = 20_000
_KEY = b"fengkong-bench-blind-index-key-0"
_FIELDS = {
    KeyType.RESIDENT_ID: "id_number",
    KeyType.MOBILE: "phone",
    KeyType.DEVICE: "device_id",
    KeyType.IP: "ip",
    KeyType.IP_PREFIX: "ip_prefix",
    KeyType.BANK_CARD: "card_number",
    KeyType.EMPLOYER: "employer",
}
TABLES = (
    "velocity_events",
    "link_applications",
    "link_components",
    "link_keys",
    "link_edges",
    "link_key_ids",
)
_COLUMNS = {
    "velocity_events": "key_type, key_hash, event_id, at, amount_fen",
    "link_applications": "application_id, received_at, component_id, id_hash, declined, defaulted",
    "link_components": "component_id, size",
    "link_keys": "key_type, key_hash, first_seen_at, component_id",
    "link_edges": "key_type, key_hash, application_id, flagged",
    "link_key_ids": "key_type, key_hash, id_hash",
}


def hasher(field: str, clear: str) -> str:
    """A keyed HMAC like `Vault.blind_index`, over synthetic key values that need no validation."""
    return hmac.new(_KEY, f"{field}\x00{clear}".encode(), hashlib.sha256).hexdigest()


def prior_keys(i: int) -> dict[KeyType, str]:
    device = f"grp-{i // 100}" if i % 100 < 5 else f"dev-{i}"
    return {
        KeyType.RESIDENT_ID: f"id-{i}",
        KeyType.MOBILE: f"m-{i}",
        KeyType.DEVICE: device,
        KeyType.IP: f"ip-{i}",
        KeyType.IP_PREFIX: f"net-{(i * 7919) % IP_POOL}",
        KeyType.BANK_CARD: f"c-{i}",
        KeyType.EMPLOYER: f"emp-{(i * 104_729) % EMPLOYER_POOL}",
    }


def prior_rows(n: int) -> Iterator[tuple[int, str, datetime, int, dict[KeyType, str]]]:
    rng = random.Random(0)
    step = SPAN / max(n, 1)
    for i in range(n):
        at = T0 - SPAN + step * i
        keys = {kt: hasher(_FIELDS[kt], v) for kt, v in prior_keys(i).items()}
        yield i, f"pri_{i:09d}", at, rng.randrange(100_000, 5_000_000), keys


def _component(i: int) -> tuple[str, int]:
    """Applications 0-4 of every hundred share a device: one component of 5, labelled by the
    first; the others are alone."""
    if i % 100 < 5:
        return f"pri_{(i // 100) * 100:09d}", 5
    return f"pri_{i:09d}", 1


Rows = dict[str, list[tuple[Any, ...]]]


def build_rows(n: int, stamp: Any, false: Any) -> Iterator[Rows]:
    """Rows for every table, in chunks, each key and component written once."""
    chunk: Rows = {t: [] for t in TABLES}
    for i, app_id, at, amount, keys in prior_rows(n):
        ts = stamp(at)
        id_hash = keys[KeyType.RESIDENT_ID]
        for kt, h in keys.items():
            chunk["velocity_events"].append((kt.value, h, app_id, ts, amount))
        component, size = _component(i)
        chunk["link_applications"].append((app_id, ts, component, id_hash, false, false))
        if component == app_id:
            chunk["link_components"].append((component, size))
        for kt in LINK_KEY_TYPES:
            h = keys[kt]
            if kt is not KeyType.DEVICE or i % 100 == 0 or i % 100 >= 5:
                chunk["link_keys"].append((kt.value, h, ts, component))
            chunk["link_edges"].append((kt.value, h, app_id, false))
            chunk["link_key_ids"].append((kt.value, h, id_hash))
        if len(chunk["link_applications"]) >= CHUNK:
            yield chunk
            chunk = {t: [] for t in TABLES}
    yield chunk


def load_sqlite(path: Path, n: int) -> None:
    """One transaction, journal and fsync off, a 1 GB page cache; the secondary indexes are
    dropped first and rebuilt from their stored definitions afterwards."""
    con = sqlite3.connect(path, isolation_level=None)
    try:
        con.execute("PRAGMA journal_mode=OFF")
        con.execute("PRAGMA synchronous=OFF")
        con.execute("PRAGMA cache_size=-1000000")
        marks = ", ".join("?" for _ in TABLES)
        indexes = con.execute(
            f"select name, sql from sqlite_master where type = 'index' and sql is not null "
            f"and tbl_name in ({marks})",
            TABLES,
        ).fetchall()
        for name, _ in indexes:
            con.execute(f'drop index "{name}"')
        con.execute("BEGIN")
        for chunk in build_rows(n, lambda at: at.strftime("%Y-%m-%d %H:%M:%S.%f"), 0):
            for table, rows in chunk.items():
                cols = _COLUMNS[table]
                qs = ", ".join("?" for _ in cols.split(","))
                con.executemany(f"insert into {table} ({cols}) values ({qs})", rows)
        con.execute("COMMIT")
        for _, sql in indexes:
            con.execute(sql)
        con.execute("ANALYZE")
        con.execute("PRAGMA journal_mode=WAL")
    finally:
        con.close()


def _copy_text(rows: list[tuple[Any, ...]]) -> bytes:
    out = io.StringIO()
    for row in rows:
        out.write("\t".join("\\N" if v is None else str(v) for v in row))
        out.write("\n")
    return out.getvalue().encode()


def load_postgres(db: Database, n: int) -> None:
    """COPY into tables without indexes or keys, rebuilt afterwards (sorted builds, not a million
    random B-tree inserts), then `vacuum analyze` so that index-only scans see all-visible pages."""
    raw = db.engine.raw_connection()
    pg: Any = raw.driver_connection  # psycopg's own connection: COPY and autocommit
    try:
        with pg.cursor() as cur:
            cur.execute("set synchronous_commit = off")
            cur.execute("set maintenance_work_mem = '512MB'")
            cur.execute(
                "select conrelid::regclass::text, conname, pg_get_constraintdef(oid) "
                "from pg_constraint where contype in ('p', 'u') "
                "and conrelid::regclass::text = any(%s)",
                (list(TABLES),),
            )
            constraints = cur.fetchall()
            cur.execute(
                "select indexname, indexdef from pg_indexes "
                "where schemaname = current_schema() and tablename = any(%s) "
                "and indexname <> all(%s)",
                (list(TABLES), [c[1] for c in constraints]),
            )
            indexes = cur.fetchall()
            for name, _ in indexes:
                cur.execute(f'drop index "{name}"')
            for table, name, _ in constraints:
                cur.execute(f'alter table {table} drop constraint "{name}"')
            for chunk in build_rows(n, lambda at: at.isoformat(), "f"):
                for table, rows in chunk.items():
                    with cur.copy(f"copy {table} ({_COLUMNS[table]}) from stdin") as copy:
                        copy.write(_copy_text(rows))
            for table, name, definition in constraints:
                cur.execute(f'alter table {table} add constraint "{name}" {definition}')
            for _, definition in indexes:
                cur.execute(definition)
        pg.commit()
        pg.autocommit = True
        with pg.cursor() as cur:
            for table in TABLES:
                cur.execute(f"vacuum analyze {table}")
        pg.autocommit = False
    finally:
        raw.close()


def load_redis(store: RedisVelocityStore, links: RedisIdentityLinks, n: int) -> None:
    """The velocity events, and the graph `build_rows` gives the database in the layout
    `RedisIdentityLinks` keeps, in one pass."""
    p = links.prefix
    pipe = store.client.pipeline(transaction=False)
    nodes: dict[str, str] = {}
    apps: dict[str, str] = {}
    parents: dict[str, str] = {}
    sizes: dict[str, int] = {}
    for i, app_id, at, amount, keys in prior_rows(n):
        member, score = f"{app_id}:{amount}", _micros(at)
        for kt, h in keys.items():
            pipe.zadd(f"{store.prefix}vel:{kt.value}:{h}", {member: score})
        component, size = _component(i)
        if component == app_id:
            sizes[app_id] = size
        else:
            parents[app_id] = component
        names = []
        for kt in LINK_KEY_TYPES:
            name = f"{kt.value}:{keys[kt]}"
            names.append(name)
            if kt is not KeyType.DEVICE or i % 100 == 0 or i % 100 >= 5:
                nodes[f"{p}lk:k:{name}"] = f"{app_id}|{score}"
            if kt in (KeyType.DEVICE, KeyType.MOBILE):
                pipe.sadd(f"{p}lk:ids:{name}", keys[KeyType.RESIDENT_ID])
        apps[app_id] = "00|" + ",".join(names)
        if len(apps) >= 2000:
            _flush_links(pipe, p, nodes, apps, parents, sizes)
    _flush_links(pipe, p, nodes, apps, parents, sizes)


def _flush_links(
    pipe: Any,
    p: str,
    nodes: dict[str, str],
    apps: dict[str, str],
    parents: dict[str, str],
    sizes: dict[str, int],
) -> None:
    if nodes:
        pipe.mset(nodes)
    for name, mapping in (("apps", apps), ("parent", parents), ("size", sizes)):
        if mapping:
            pipe.hset(f"{p}lk:{name}", mapping=mapping)
    pipe.execute()
    for mapping in (nodes, apps, parents, sizes):
        mapping.clear()


def new_application(k: int, n: int) -> tuple[str, datetime, Fen, dict[KeyType, str]]:
    rng = random.Random(k)
    reuse = rng.randrange(max(n, 1)) if k % 2 == 0 else None
    keys = {
        KeyType.RESIDENT_ID: f"new-id-{k}",
        KeyType.MOBILE: f"new-m-{k}",
        KeyType.DEVICE: prior_keys(reuse)[KeyType.DEVICE] if reuse is not None else f"new-d-{k}",
        KeyType.IP: f"new-ip-{k}",
        KeyType.IP_PREFIX: f"net-{rng.randrange(IP_POOL)}",
        KeyType.BANK_CARD: f"new-c-{k}",
        KeyType.EMPLOYER: f"emp-{rng.randrange(EMPLOYER_POOL)}",
    }
    return (
        f"new_{k:09d}",
        T0 + timedelta(seconds=k % 1_000_000),
        Fen(rng.randrange(100_000, 5_000_000)),
        keys,
    )


Timings = dict[str, list[float]]


def measure(
    velocity: VelocityStore,
    lists: SqlFraudLists,
    links: IdentityLinks,
    n: int,
    offset: int,
    concurrent: Executor | None = None,
) -> Timings:
    """Microseconds per application: the whole computation as a decision runs it
    (`fraud_stage.signals_of`; with `concurrent`, the three stores asked at once) and each of its
    three parts, timed where it runs."""
    out: Timings = {"total": [], "velocity": [], "lists": [], "links": []}
    fraud = FraudServices(
        velocity=_Timed(velocity, "record_and_count", out["velocity"]),  # type: ignore[arg-type]
        lists=_Timed(lists, "lookup_hashed", out["lists"]),  # type: ignore[arg-type]
        links=_Timed(links, "link", out["links"]),  # type: ignore[arg-type]
        hasher=hasher,
        concurrent=concurrent,
    )
    for k in range(offset, offset + SAMPLES + WARMUP):
        app_id, at, amount, keys = new_application(k, n)
        event = VelocityEvent(app_id, at, amount, keys)
        t0 = time.perf_counter_ns()
        signals_of(fraud, event, at)
        out["total"].append((time.perf_counter_ns() - t0) / 1000)
    return {name: samples[WARMUP:] for name, samples in out.items()}


class _Timed:
    """A store whose one method records its wall time, in microseconds."""

    def __init__(self, store: object, method: str, samples: list[float]) -> None:
        self._store, self._samples = store, samples
        self._call = getattr(store, method)
        setattr(self, method, self._timed)

    def _timed(self, *args: Any, **kwargs: Any) -> Any:
        t0 = time.perf_counter_ns()
        try:
            return self._call(*args, **kwargs)
        finally:
            self._samples.append((time.perf_counter_ns() - t0) / 1000)


def _seed_lists(lists: SqlFraudLists) -> None:
    for j in range(200):
        lists.add(
            NewListEntry(ListKind.BLACK, KeyType.DEVICE, f"dev-{j * 997}", "bench", "bench", None),
            "bench",
        )


def _ms(samples: list[float], q: float) -> str:
    return f"{percentile(samples, q) / 1000:.2f}"


def _row(label: str, t: Timings) -> tuple[str, ...]:
    parts = ("total", "velocity", "lists", "links")
    return (label, *(f"{_ms(t[p], 0.5)} / {_ms(t[p], 0.99)}" for p in parts))


def _load() -> str:
    one, five, _ = os.getloadavg()
    return f"{one:.1f} (1 min), {five:.1f} (5 min)"


def _run_sqlite(section: Section, n: int, clock: FakeClock) -> None:
    with tempfile.TemporaryDirectory(prefix="fengkong-bench-") as tmp:
        path = Path(tmp) / "fraud.db"
        db = Database(f"sqlite:///{path}")
        upgrade(db)
        db.dispose()
        started = time.perf_counter()
        load_sqlite(path, n)
        loaded = time.perf_counter() - started
        db = Database(f"sqlite:///{path}")
        lists = SqlFraudLists(db, hasher, clock)
        _seed_lists(lists)
        load = _load()
        timings = measure(SqlVelocityStore(db, hasher, clock), lists, SqlIdentityLinks(db), n, 0)
        section.rows.append(_row("SQLite (file, WAL)", timings))
        size = path.stat().st_size / 2**30
        section.notes.append(
            f"SQLite: bulk load of {n:,} applications {loaded:.0f} s, file {size:.1f} GiB; "
            f"load average while measuring {load}."
        )
        db.dispose()


def run(n: int = N_PRIOR) -> Section:
    section = Section(
        title="Fraud signals: one application with N prior applications stored",
        command="python -m bench fraud_signals",
        lines=[
            f"N = {n:,} prior applications (7 velocity keys each, 5 link keys), {SAMPLES:,} "
            f"measured applications after {WARMUP} of warm-up, one at a time; one call = velocity "
            "record-and-count over 1 h, 24 h, 7 d and 30 d for all keys, black/grey/white list "
            "look-up, incremental identity-link update and features, and the signal features with "
            "their reasons, through `fraud_stage.signals_of`: the three stores asked in turn on "
            "SQLite, at once on PostgreSQL and with Redis (each waiting on its own connection, "
            "as a decision asks them with `FENGKONG_FRAUD_LOOKUPS_AT_ONCE`). Each part is that "
            "store's own wall time. Each cell is p50 / p99 in milliseconds.",
        ],
        table_header=("backend", "total", "velocity", "lists", "links"),
    )
    clock = FakeClock(T0)
    if "sqlite" in BACKENDS:
        _run_sqlite(section, n, clock)
    if not BACKENDS & {"postgresql", "redis"}:
        return section
    schema = f"bench_fraud_{uuid.uuid4().hex[:8]}"
    admin = sa.create_engine(PG_URL)
    try:
        with admin.begin() as conn:
            conn.execute(sa.text(f'create schema "{schema}"'))
    except sa.exc.OperationalError as exc:
        section.notes.append(f"PostgreSQL at {PG_URL} unreachable, skipped: {exc.orig}")
        admin.dispose()
        return section
    sep = "&" if "?" in PG_URL else "?"
    db = Database(f"{PG_URL}{sep}options=-csearch_path%3D{schema}")
    try:
        upgrade(db)
        started = time.perf_counter()
        load_postgres(db, n)
        loaded = time.perf_counter() - started
        lists = SqlFraudLists(db, hasher, clock)
        _seed_lists(lists)
        section.notes.append(
            f"PostgreSQL: COPY of {n:,} applications and index builds {loaded:.0f} s."
        )
        if "postgresql" in BACKENDS:
            load = _load()
            with ThreadPoolExecutor(max_workers=4) as pool:
                timings = measure(
                    SqlVelocityStore(db, hasher, clock), lists, SqlIdentityLinks(db), n, 0, pool
                )
            section.rows.append(_row("PostgreSQL", timings))
            section.notes[-1] += f" Load average while measuring {load}."
        if "redis" in BACKENDS:
            _run_redis(section, n, clock, lists)
    finally:
        db.dispose()
        with admin.begin() as conn:
            conn.execute(sa.text(f'drop schema "{schema}" cascade'))
        admin.dispose()
    section.notes.append(
        "Goal (issue 4): p99 ≤ 5 ms with Redis, ≤ 15 ms on PostgreSQL. On PostgreSQL the "
        "velocity and link transactions commit asynchronously (durable with the decision that "
        "follows; see `db/fraud_velocity.py`); `durable_commit=True` adds about one fsync each."
    )
    return section


def _run_redis(section: Section, n: int, clock: FakeClock, lists: SqlFraudLists) -> None:
    process: subprocess.Popen[bytes] | None = None
    try:
        url, process = private_redis(REDIS_URL)
        prefix = f"fkbench:{uuid.uuid4().hex[:8]}:"
        redis_store = RedisVelocityStore(
            redis_client(url, timeout=5.0), hasher, clock, prefix=prefix
        )
        redis_links = RedisIdentityLinks(redis_store.client, clock, prefix=prefix)
        started = time.perf_counter()
        load_redis(redis_store, redis_links, n)
        loaded = time.perf_counter() - started
        load = _load()
        with ThreadPoolExecutor(max_workers=4) as pool:
            timings = measure(redis_store, lists, redis_links, n, 1_000_000, pool)
        section.rows.append(_row("Redis velocity and links + PostgreSQL lists", timings))
        where = "a private redis-server" if process is not None else url
        section.notes.append(
            f"Redis ({where}): pipelined load of {n:,} applications (velocity and links) "
            f"{loaded:.0f} s; load average while measuring {load}."
        )
        if process is None:
            _drop_redis(redis_store)
    except Exception as exc:
        section.notes.append(f"Redis skipped: {type(exc).__name__}: {exc}")
    finally:
        if process is not None:
            process.terminate()
            process.wait(timeout=30)


def _drop_redis(store: RedisVelocityStore) -> None:
    batch = []
    for key in store.client.scan_iter(match=store.prefix + "*", count=5000):
        batch.append(key)
        if len(batch) >= 5000:
            store.client.delete(*batch)
            batch = []
    if batch:
        store.client.delete(*batch)


if __name__ == "__main__":
    print(run().markdown())
