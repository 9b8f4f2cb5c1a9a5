"""Served decisions under load: `POST /v1/applications` through uvicorn with N workers, driven
by a load generator in its own process (`bench.load_driver`), on SQLite and on PostgreSQL with
Redis, beside a floor served the same way (a bare FastAPI route and a bare `SELECT 1`,
`bench.load_app.floor`) so that the decisions read as ratios to what serving anything costs.

`python -m bench load [--seconds S] [--clients 1,16,64] [--rate R] [--workers N]
[--databases sqlite,postgres]`; `--seconds 2 --clients 1,4` is the smoke run. Each application
is a distinct applicant (the demo's synthetic identities: valid resident ID checksums, distinct
phones) from the German credit rows, posted once with a channel key. SQL statements per
decision come from a `before_cursor_execute` counter the bench's factory installs in each
worker (`FENGKONG_BENCH_SQL_COUNTS`), read before and after each phase."""

from __future__ import annotations

import argparse
import json
import os
import random
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib import resources
from pathlib import Path

import sqlalchemy as sa

from bench.harness import Section, cpu_reference_seconds, percentile, private_redis
from bench.load_app import COUNTS_ENV, FLOOR_URL_ENV, statements
from bench.load_driver import Load, Outcome, drive
from bench.served import served_workers

ROOT = Path(__file__).resolve().parents[1]
PG_URL = os.environ.get(
    "FENGKONG_BENCH_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
REDIS_URL = os.environ.get("FENGKONG_BENCH_REDIS_URL")  # None: a private redis-server
POLICY = "demo-german.yaml"
BODIES_PER_SECOND = 600  # more than any phase has sent here; a phase that runs out says so
JSON = {"Content-Type": "application/json"}
SETTLE_SECONDS = 0.6  # longer than the workers' count flush (bench.load_app.FLUSH_SECONDS)


@dataclass(frozen=True, slots=True)
class Options:
    seconds: float = 10.0
    clients: tuple[int, ...] = (1, 16, 64)
    rate: float = 50.0  # the open loop's arrivals per second; 0 leaves it out
    workers: int = 2
    databases: tuple[str, ...] = ("sqlite", "postgres")


@dataclass(frozen=True, slots=True)
class Row:
    """One phase's figures: `target` is "bare", "select 1" or "decision"; `load` is
    "N clients" or "R/s"."""

    database: str
    target: str
    load: str
    outcome: Outcome
    sql_per_decision: float | None = None  # every statement the driver ran
    sqlalchemy_per_decision: float | None = None  # those of them SQLAlchemy executed

    @property
    def per_second(self) -> float:
        return self.outcome.ok / self.outcome.seconds if self.outcome.seconds else 0.0

    def p(self, q: float) -> float:
        return percentile(self.outcome.latencies_ms, q) if self.outcome.latencies_ms else 0.0


def parse(argv: list[str]) -> Options:
    defaults = Options()
    parser = argparse.ArgumentParser(prog="python -m bench load")
    parser.add_argument("--seconds", type=float, default=defaults.seconds)
    parser.add_argument("--clients", default=",".join(map(str, defaults.clients)))
    parser.add_argument("--rate", type=float, default=defaults.rate)
    parser.add_argument("--workers", type=int, default=defaults.workers)
    parser.add_argument("--databases", default=",".join(defaults.databases))
    args = parser.parse_args(argv)
    return Options(
        seconds=args.seconds,
        clients=tuple(int(c) for c in args.clients.split(",")),
        rate=args.rate,
        workers=args.workers,
        databases=tuple(d.strip() for d in args.databases.split(",")),
    )


class _Applicants:
    """Distinct full applications as JSON bodies, each handed out once across the whole run."""

    def __init__(self, seed: int = 0) -> None:
        from fengkong.demo import german_credit

        self.rows = [r for _, r in german_credit().iterrows()]
        self.rng = random.Random(seed)
        self.seen: set[str] = set()
        self.as_of = datetime.now(UTC).date()

    def take(self, n: int) -> list[bytes]:
        from fengkong.demo import application_body

        out: list[bytes] = []
        while len(out) < n:
            body = application_body(
                self.rows[len(self.seen) % len(self.rows)], self.as_of, self.rng
            )
            key = body["applicant"]["id_number"]
            if key in self.seen:
                continue
            self.seen.add(key)
            body["term_months"] = 12  # a term the demo policy's product offers
            out.append(json.dumps(body).encode())
        return out


def _prepare(url: str, home: Path, redis_url: str | None) -> tuple[dict[str, str], str]:
    """Migrates `url`, promotes a scorecard trained on the German credit data, and issues a
    channel key: the workers' environment and the key's secret."""
    from bench.decision import promote_scorecard
    from fengkong.access.keys import issue_key
    from fengkong.bootstrap import bootstrap
    from fengkong.core.actor import Actor, Role
    from fengkong.core.settings import Settings
    from fengkong.demo import german_credit
    from fengkong.onboarding.channel import SALES_CHANNELS
    from fengkong.scoring.train import train_scorecard

    policy = Path(str(resources.files("fengkong.decision").joinpath("policies", POLICY)))
    settings = Settings(
        env="test", home=home, database_url=url, redis_url=redis_url, policy_file=policy,
        rate_limit_enabled=False,
    )  # fmt: skip
    trained = train_scorecard(german_credit(), "creditability")
    ctx = bootstrap(settings)
    try:
        promote_scorecard(ctx, trained)
        admin = Actor(name="bench", kind="system", roles=frozenset({Role.ADMIN}))
        secret = issue_key(
            ctx.access, admin, name="bench-channel", channel=SALES_CHANNELS[0]
        ).secret
    finally:
        ctx.close()
    env = {
        "FENGKONG_ENV": "test",
        "FENGKONG_HOME": str(home),
        "FENGKONG_DATABASE_URL": url,
        "FENGKONG_POLICY_FILE": str(policy),
        "FENGKONG_RATE_LIMIT_ENABLED": "false",
        "PYTHONPATH": os.pathsep.join([str(ROOT), str(ROOT / "src")]),
    }
    if redis_url:
        env["FENGKONG_REDIS_URL"] = redis_url
    return env, secret


@contextmanager
def _database(kind: str, home: Path) -> Iterator[str]:
    """A fresh database: a SQLite file in `home`, or a new PostgreSQL schema, dropped after."""
    if kind == "sqlite":
        yield f"sqlite:///{home}/load.db"
        return
    schema = f"bench_load_{uuid.uuid4().hex[:8]}"
    admin = sa.create_engine(PG_URL)
    try:
        with admin.begin() as conn:
            conn.execute(sa.text(f'create schema "{schema}"'))
        yield f"{PG_URL}?options=-csearch_path%3D{schema}"
    finally:
        with admin.begin() as conn:
            conn.execute(sa.text(f'drop schema if exists "{schema}" cascade'))
        admin.dispose()


def _floor(label: str, url: str, env: dict[str, str], home: Path, opts: Options) -> list[Row]:
    rows = []
    floor_env = {**env, FLOOR_URL_ENV: url}
    body = json.dumps({"amount": "1000", "term_months": 12}).encode()
    with served_workers("bench.load_app:floor", floor_env, home, opts.workers) as base:
        for path, target in (("/bare", "bare"), ("/select1", "select 1")):
            for n in opts.clients:
                load = Load(base, path, [body] * (int(opts.seconds * 20_000) + 1000), JSON,
                            opts.seconds, clients=n)  # fmt: skip
                rows.append(Row(label, target, f"{n} clients", drive(load)))
    return rows


def _decisions(
    label: str, env: dict[str, str], secret: str, home: Path, opts: Options, people: _Applicants
) -> list[Row]:
    rows = []
    counts = home / "sql-counts"
    counts.mkdir()
    headers = {"Authorization": f"Bearer {secret}", **JSON}
    env = {**env, COUNTS_ENV: str(counts)}
    phases: list[tuple[str, int, float | None]] = [(f"{n} clients", n, None) for n in opts.clients]
    if opts.rate > 0:
        phases.append((f"{opts.rate:g}/s", 1, opts.rate))
    with served_workers("bench.load_app:decisions", env, home, opts.workers) as base:
        for name, n, rate in phases:
            bodies = people.take(int(opts.seconds * (rate or BODIES_PER_SECOND)) + 50)
            time.sleep(SETTLE_SECONDS)
            before = statements(counts)
            outcome = drive(Load(base, "/v1/applications", bodies, headers, opts.seconds, n, rate))
            time.sleep(SETTLE_SECONDS)
            after = statements(counts)
            per = [
                (a - b) / outcome.ok if outcome.ok else None
                for a, b in zip(after, before, strict=True)
            ]
            rows.append(Row(label, "decision", name, outcome, *per))
    return rows


def measure(opts: Options, notes: list[str] | None = None) -> list[Row]:
    """Every phase of `opts`, floor first, database by database."""
    notes = notes if notes is not None else []
    people = _Applicants()
    rows: list[Row] = []
    redis_url, redis_server = (None, None)
    try:
        for kind in opts.databases:
            if kind == "postgres" and redis_url is None:
                redis_url, redis_server = private_redis(REDIS_URL)
            label = "SQLite" if kind == "sqlite" else "PostgreSQL + Redis"
            with tempfile.TemporaryDirectory() as tmp:
                home = Path(tmp)
                try:
                    with _database(kind, home) as url:
                        env, secret = _prepare(url, home, redis_url if kind == "postgres" else None)
                        rows += _floor(label, url, env, home, opts)
                        rows += _decisions(label, env, secret, home, opts, people)
                except sa.exc.OperationalError as exc:
                    notes.append(f"{label} not measured: {exc.orig}")
    finally:
        if redis_server is not None:
            redis_server.terminate()
    return rows


def _ratio(row: Row, floors: dict[tuple[str, str, str], Row]) -> tuple[str, str]:
    """Throughput as a share of the floor's at the same clients, and p99 as a multiple of it:
    "bare / select 1"."""
    bare = floors.get((row.database, "bare", row.load))
    one = floors.get((row.database, "select 1", row.load))
    if row.target != "decision" or bare is None or one is None:
        return "", ""
    share = " / ".join(
        f"{row.per_second / f.per_second:.2f}" if f.per_second else "-" for f in (bare, one)
    )
    times = " / ".join(f"{row.p(0.99) / f.p(0.99):.0f}×" if f.p(0.99) else "-" for f in (bare, one))
    return share, times


def section(rows: list[Row], opts: Options, notes: list[str]) -> Section:
    """The report's "Served decisions under load" section for `rows`."""
    floors = {(r.database, r.target, r.load): r for r in rows if r.target != "decision"}
    out = Section(
        title="Served decisions under load",
        command="python -m bench load" if opts == Options() else "python -m bench load (custom)",
        lines=[
            f"uvicorn with {opts.workers} worker(s) on loopback serving the API as `fengkong "
            "serve` builds it (JSON request logs, rate limits off), the demo-german policy and "
            "a scorecard trained on the German credit data; a load generator in its own process "
            "(asyncio + httpx) posts distinct full applications with a channel key. Closed "
            f"loop at {', '.join(map(str, opts.clients))} clients for {opts.seconds:g} s each"
            + (
                f", then an open loop at {opts.rate:g} arrivals/s (latency from each request's "
                "due time)"
                if opts.rate > 0
                else ""
            )
            + ". The floor is served the same way: a bare FastAPI route and a bare `SELECT 1` "
            "(sync routes, the same body). Latency is of answered 2xx requests; errors count "
            "every other status. SQL is statements per decision counted in the workers: every "
            "statement the driver ran (psycopg `execute`/`executemany` calls; SQLite's trace, "
            "transaction control left out), and in brackets those SQLAlchemy executed "
            "(`before_cursor_execute`) — the rest is the decision path's own pipelined driver SQL. Ratios: decisions/s as a share "
            "of the floor's at the same clients, and p99 as a multiple of the floor's "
            "(bare / SELECT 1). The first run read, with its method in detail: "
            "[notes/2026-12-07-served-decisions-under-load.md]"
            "(notes/2026-12-07-served-decisions-under-load.md).",
        ],
        table_header=(
            "database",
            "endpoint",
            "load",
            "req/s",
            "p50 ms",
            "p99 ms",
            "p99.9 ms",
            "errors",
            "SQL/decision",
            "req/s ÷ floor",
            "p99 × floor",
        ),
    )
    for r in rows:
        errors = ", ".join(f"{s}: {n}" for s, n in r.outcome.errors.items()) or "0"
        if r.outcome.ran_out:
            errors += " (bodies ran out)"
        sql = (
            ""
            if r.sql_per_decision is None or r.sqlalchemy_per_decision is None
            else f"{r.sql_per_decision:.1f} ({r.sqlalchemy_per_decision:.1f})"
        )
        out.rows.append(
            (r.database, r.target, r.load, f"{r.per_second:,.0f}", f"{r.p(0.5):.1f}",
             f"{r.p(0.99):.1f}", f"{r.p(0.999):.1f}", errors, sql, *_ratio(r, floors))
        )  # fmt: skip
    out.notes += notes
    out.notes.append(
        f"CPU reference {cpu_reference_seconds():.2f} s; 1-minute load average "
        f"{os.getloadavg()[0]:.1f} after the run on {os.cpu_count()} cores, client and server "
        "on the same machine: the client's CPU is in these figures, read the ratios."
    )
    return out


def run(argv: list[str] | None = None) -> Section:
    opts = parse(argv or [])
    notes: list[str] = []
    return section(measure(opts, notes), opts, notes)


if __name__ == "__main__":
    print(run().markdown())
