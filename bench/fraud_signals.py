"""Fraud-signal latency: one application's signals — velocity counts and sums over every window,
list look-ups and identity-link features — with N prior applications stored, on SQLite,
PostgreSQL, and with Redis holding the velocity counters (lists and links stay in PostgreSQL).

Prior applications are bulk-loaded (executemany on a temporary SQLite file, COPY into a dedicated
PostgreSQL schema, pipelined ZADDs under a private Redis prefix), spread over the 30 days before
the measured ones: 5 in every 100 share a device, IP networks and employers come from pools, the
rest is unique. Each measured application is new; half reuse a prior device, all draw network and
employer from the pools, so look-ups hit populated index ranges.

`N` is `FENGKONG_BENCH_FRAUD_N` (default 1,000,000, as issue 4 asks); everything is cleaned up.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import random
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from bench.harness import Section, summary_us
from fengkong.core.clock import FakeClock
from fengkong.core.money import Fen
from fengkong.db.database import Database
from fengkong.db.migrate import upgrade
from fengkong.fraud.keys import KeyType
from fengkong.fraud.links import LINK_KEY_TYPES, LinkApplication, SqlIdentityLinks
from fengkong.fraud.lists import ListKind, NewListEntry, SqlFraudLists
from fengkong.fraud.signals import link_signals, list_signals, velocity_signals
from fengkong.fraud.velocity import VelocityEvent, VelocityStore
from fengkong.fraud.velocity_redis import RedisVelocityStore, _micros, redis_client
from fengkong.fraud.velocity_sql import SqlVelocityStore

N_PRIOR = int(os.environ.get("FENGKONG_BENCH_FRAUD_N", "1000000"))
SAMPLES = int(os.environ.get("FENGKONG_BENCH_FRAUD_SAMPLES", "2000"))
PG_URL = os.environ.get(
    "FENGKONG_BENCH_POSTGRES_URL",
    os.environ.get(
        "FENGKONG_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
    ),
)
REDIS_URL = os.environ.get("FENGKONG_BENCH_REDIS_URL", "redis://127.0.0.1:6379/0")
T0 = datetime(2026, 3, 1, tzinfo=UTC)
SPAN = timedelta(days=30)
IP_POOL, EMPLOYER_POOL = 50_000, 20_000
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
    if i % 100 < 5:
        return f"pri_{(i // 100) * 100:09d}", 5
    return f"pri_{i:09d}", 1


Rows = dict[str, list[tuple[Any, ...]]]


def build_rows(n: int, stamp: Callable[[datetime], Any], false: Any) -> Iterator[Rows]:
    """Rows for every table, in chunks, each key and component written once."""
    chunk: Rows = {t: [] for t in ("velocity", "apps", "comps", "keys", "edges", "ids")}
    for i, app_id, at, amount, keys in prior_rows(n):
        ts = stamp(at)
        for kt, h in keys.items():
            chunk["velocity"].append((kt.value, h, app_id, ts, amount))
        component, size = _component(i)
        chunk["apps"].append((app_id, ts, component, keys[KeyType.RESIDENT_ID], false, false))
        if component == app_id:
            chunk["comps"].append((component, size))
        for kt in LINK_KEY_TYPES:
            h = keys[kt]
            if kt is not KeyType.DEVICE or i % 100 in (0,) or i % 100 >= 5:
                chunk["keys"].append((kt.value, h, ts, component))
            chunk["edges"].append((kt.value, h, app_id, false))
            chunk["ids"].append((kt.value, h, keys[KeyType.RESIDENT_ID]))
        if len(chunk["apps"]) >= 20_000:
            yield chunk
            chunk = {t: [] for t in chunk}
    yield chunk


_COLUMNS = {
    "velocity": ("velocity_events", "key_type, key_hash, event_id, at, amount_fen"),
    "apps": (
        "link_applications",
        "application_id, received_at, component_id, id_hash, declined, defaulted",
    ),
    "comps": ("link_components", "component_id, size"),
    "keys": ("link_keys", "key_type, key_hash, first_seen_at, component_id"),
    "edges": ("link_edges", "key_type, key_hash, application_id, flagged"),
    "ids": ("link_key_ids", "key_type, key_hash, id_hash"),
}


def load_sqlite(db: Database, n: int) -> None:
    raw = db.engine.raw_connection()
    try:
        cur = raw.cursor()
        cur.execute("BEGIN")
        for chunk in build_rows(n, lambda at: at.strftime("%Y-%m-%d %H:%M:%S.%f"), 0):
            for name, rows in chunk.items():
                table, cols = _COLUMNS[name]
                marks = ", ".join("?" for _ in cols.split(","))
                cur.executemany(f"insert into {table} ({cols}) values ({marks})", rows)
        cur.execute("COMMIT")
        cur.execute("ANALYZE")
    finally:
        raw.close()


def load_postgres(db: Database, n: int) -> None:
    raw = db.engine.raw_connection()
    try:
        with raw.cursor() as cur:
            for chunk in build_rows(n, lambda at: at, False):
                for name, rows in chunk.items():
                    table, cols = _COLUMNS[name]
                    with cur.copy(f"copy {table} ({cols}) from stdin") as copy:  # type: ignore[attr-defined]
                        for row in rows:
                            copy.write_row(row)
            raw.commit()
            cur.execute("analyze")
        raw.commit()
    finally:
        raw.close()


def load_redis(store: RedisVelocityStore, n: int) -> None:
    pipe = store.client.pipeline(transaction=False)
    ttl = int((SPAN + timedelta(days=2)).total_seconds())
    for i, app_id, at, amount, keys in prior_rows(n):
        for kt, h in keys.items():
            key = f"{store.prefix}vel:{kt.value}:{h}"
            pipe.zadd(key, {f"{app_id}:{amount}": _micros(at)})
            pipe.expire(key, ttl)
        if i % 5000 == 4999:
            pipe.execute()
    pipe.execute()


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


def measure(
    velocity: VelocityStore, lists: SqlFraudLists, links: SqlIdentityLinks, n: int, offset: int
) -> tuple[list[float], list[float]]:
    total: list[float] = []
    velocity_only: list[float] = []
    for k in range(offset, offset + SAMPLES + 50):
        app_id, at, amount, keys = new_application(k, n)
        event = VelocityEvent(app_id, at, amount, keys)
        start = time.perf_counter_ns()
        hashed = event.hashed(hasher)
        snap = velocity.record_and_count(event)
        mid = time.perf_counter_ns()
        hits = lists.lookup_hashed(hashed, at)
        features = links.link(LinkApplication(app_id, at, hashed))
        velocity_signals(snap) + list_signals(hits) + link_signals(features)
        end = time.perf_counter_ns()
        if k >= offset + 50:  # warm-up
            total.append((end - start) / 1000)
            velocity_only.append((mid - start) / 1000)
    return total, velocity_only


def _seed_lists(lists: SqlFraudLists) -> None:
    for j in range(200):
        lists.add(
            NewListEntry(ListKind.BLACK, KeyType.DEVICE, f"dev-{j * 997}", "bench", "bench", None),
            "bench",
        )


def _row(label: str, total: list[float], velocity: list[float]) -> tuple[str, ...]:
    p50, p99, mean = summary_us(total)
    v50, v99, _ = summary_us(velocity)
    return (label, p50, p99, mean, v50, v99)


def run(n: int = N_PRIOR) -> Section:
    section = Section(
        title="Fraud signals: one application with N prior applications stored",
        command="python -m bench fraud_signals",
        lines=[
            f"N = {n:,} prior applications (7 velocity keys each, 5 link keys), {SAMPLES:,} "
            "measured applications after 50 warm-up; one call = velocity record-and-count over "
            "1 h, 24 h, 7 d and 30 d for all keys, black/grey/white list look-up, incremental "
            "identity-link update and features, and the signal features with their reasons.",
        ],
        table_header=(
            "backend",
            "p50 µs",
            "p99 µs",
            "mean µs",
            "velocity p50 µs",
            "velocity p99 µs",
        ),
    )
    clock = FakeClock(T0)
    with tempfile.TemporaryDirectory(prefix="fengkong-bench-") as tmp:
        db = Database(f"sqlite:///{Path(tmp) / 'fraud.db'}")
        upgrade(db)
        started = time.perf_counter()
        load_sqlite(db, n)
        loaded = time.perf_counter() - started
        lists = SqlFraudLists(db, hasher, clock)
        _seed_lists(lists)
        total, vel = measure(SqlVelocityStore(db, hasher, clock), lists, SqlIdentityLinks(db), n, 0)
        section.rows.append(_row("SQLite (file, WAL)", total, vel))
        section.notes.append(f"SQLite bulk load of {n:,} applications: {loaded:.0f} s.")
        db.dispose()

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
        links = SqlIdentityLinks(db)
        total, vel = measure(SqlVelocityStore(db, hasher, clock), lists, links, n, 0)
        section.rows.append(_row("PostgreSQL", total, vel))
        section.notes.append(f"PostgreSQL COPY of {n:,} applications: {loaded:.0f} s.")
        try:
            prefix = f"fkbench:{uuid.uuid4().hex[:8]}:"
            redis_store = RedisVelocityStore(
                redis_client(REDIS_URL, timeout=5.0), hasher, clock, prefix=prefix
            )
            started = time.perf_counter()
            load_redis(redis_store, n)
            loaded = time.perf_counter() - started
            total, vel = measure(redis_store, lists, links, n, 1_000_000)
            section.rows.append(_row("Redis velocity + PostgreSQL lists and links", total, vel))
            section.notes.append(f"Redis pipelined load of {n:,} applications: {loaded:.0f} s.")
            _drop_redis(redis_store)
        except Exception as exc:
            section.notes.append(f"Redis at {REDIS_URL} skipped: {type(exc).__name__}: {exc}")
    finally:
        db.dispose()
        with admin.begin() as conn:
            conn.execute(sa.text(f'drop schema "{schema}" cascade'))
        admin.dispose()
    section.notes.append(
        "Goal (issue 4): p99 ≤ 5 ms with Redis, ≤ 15 ms on PostgreSQL. The velocity columns time "
        "`record_and_count` alone; links are the other large part (one serialized write "
        "transaction per application)."
    )
    return section


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
