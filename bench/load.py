"""Served decisions under load: `POST /v1/applications` through uvicorn with N workers, driven
by a load generator in its own process (`bench.load_driver`), on SQLite and on PostgreSQL with
Redis, beside a floor served the same way (a bare FastAPI route and a bare `SELECT 1`,
`bench.load_app.floor`) so that the decisions read as ratios to what serving anything costs.

`python -m bench load [--seconds S] [--clients 1,16,64] [--rate R] [--workers 2[,4]]
[--databases sqlite,postgres] [--read-clients 64] [--shed-seconds S] [--profile
[--profile-clients 16]] [--driver python|wrk|both] [--wrk-connections 64]`; `--seconds 2
--clients 1,4` is the smoke run. Each application is a distinct applicant (the demo's
synthetic identities: valid resident ID checksums, distinct phones) from the German credit
rows, posted once with a channel key.

Per database and number of workers, driven by the Python driver (`bench.load_driver`): the
floor, the decisions in closed loops and an open loop, `GET /v1/applications/{id}` over the
applications decided so far ("read"), and an open loop at twice the best decisions/s seen ("2×
saturation"): whether the server sheds load (429 or 503, with `Retry-After` or not) or queues.
That driver's CPU per request shares the cores, so past saturation it falls behind before the
server sheds; with `wrk` installed (`--driver both`, the default), wrk (`bench.load_wrk`, a
closed loop whose latency counts every answer, shed ones too) also drives the floor and the
decisions at `--wrk-connections` ("64 conns (wrk)") and, last, the decisions at 4× as many
for `--shed-seconds` ("256 conns (wrk)"): past saturation, the server's shedding is measured.
Without wrk a note says so. After every decision phase the ids the server accepted (2xx) are
looked for in the database: "accepted lost" counts those it does not hold.
SQL statements per request come from counters the bench's factory installs in each worker
(`FENGKONG_BENCH_SQL_COUNTS`), read before and after each phase; the server's CPU (supervisor
and workers, utime + stime from /proc) and the load generator's are read around each phase.
With `--profile`, the decision phase at `--profile-clients` clients runs once more per database
on workers that profile themselves (`bench.load_profile`): each component's share of their
CPU, reported as CPU ms per decision of the unprofiled phase."""

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
from dataclasses import dataclass, field
from datetime import UTC, datetime
from importlib import resources
from pathlib import Path

import sqlalchemy as sa

from bench.harness import Section, percentile, private_redis
from bench.load_app import COUNTS_ENV, FLOOR_URL_ENV, statements
from bench.load_driver import NO_ID, Driver, Load, Outcome, drive
from bench.load_profile import PROFILE_ENV, Snapshots, by_component, difference
from bench.load_wrk import drive_wrk, installed, wrk_load
from bench.served import Served, served_workers

ROOT = Path(__file__).resolve().parents[1]
PG_URL = os.environ.get(
    "FENGKONG_BENCH_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
REDIS_URL = os.environ.get("FENGKONG_BENCH_REDIS_URL")  # None: a private redis-server
POLICY = "demo-german.yaml"
BODIES_PER_SECOND = 600  # more than any phase has sent here; a phase that runs out says so
SHEDDING = "2× saturation"  # the shedding phase's load, before its rate
READS_PER_SECOND = 5_000  # paths prepared per second of the read phase (ids repeat)
JSON = {"Content-Type": "application/json"}
SETTLE_SECONDS = 0.6  # longer than the workers' count flush (bench.load_app.FLUSH_SECONDS)
DRIVERS = ("python", "wrk", "both")
WRK_BODIES_PER_SECOND = 3_000  # past saturation: a full queue's 503s come at once, and fast
PAST_SATURATION = 4  # the wrk phase past saturation: this many times `wrk_connections`


@dataclass(frozen=True, slots=True)
class Options:
    seconds: float = 10.0
    clients: tuple[int, ...] = (1, 16, 64)
    rate: float = 50.0  # the open loop's arrivals per second; 0 leaves it out
    workers: tuple[int, ...] = (2,)
    databases: tuple[str, ...] = ("sqlite", "postgres")
    read_clients: int = 64  # the read phase's clients; 0 leaves it out
    shed_seconds: float = 10.0  # the open loop at twice saturation; 0 leaves it out
    profile: bool = False  # a profiled decision phase per database, after the others
    profile_clients: int = 16
    driver: str = "both"  # "python", "wrk" (bench.load_wrk) or both; wrk only if installed
    wrk_connections: int = 64  # wrk's floor and decisions; 4× this past saturation

    @property
    def python(self) -> bool:
        return self.driver in ("python", "both")

    @property
    def wrk(self) -> bool:
        return self.driver in ("wrk", "both")


@dataclass(frozen=True, slots=True)
class Row:
    """One phase's figures: `target` is "bare", "select 1", "decision" or "read"; `load` is
    "N clients", "R/s", or "2× saturation (R/s)" for the shedding phase, and "N conns (wrk)"
    for the phases wrk drives; `past_saturation` marks the phases driven past saturation."""

    database: str
    workers: int
    target: str
    load: str
    outcome: Outcome
    sql_per_decision: float | None = None  # every statement the driver ran
    sqlalchemy_per_decision: float | None = None  # those of them SQLAlchemy executed
    server_cpu_seconds: float | None = None  # the server's processes, during the phase
    accepted_lost: int | None = None  # 2xx decisions whose application is not stored
    past_saturation: bool = False

    @property
    def per_second(self) -> float:
        return self.outcome.ok / self.outcome.seconds if self.outcome.seconds else 0.0

    def p(self, q: float) -> float:
        """The latency quantile `q` in ms: of each latency the Python driver measured, or as
        wrk reported it (0.0 where neither tells)."""
        if self.outcome.latencies_ms:
            return percentile(self.outcome.latencies_ms, q)
        return self.outcome.percentiles_ms.get(q, 0.0)

    def server_cpu_ms(self) -> float | None:
        """The server's CPU ms per answered (2xx) request."""
        if self.server_cpu_seconds is None or not self.outcome.ok:
            return None
        return self.server_cpu_seconds / self.outcome.ok * 1000

    def driver_cpu_ms(self) -> float | None:
        """The load generator's CPU ms per answered (2xx) request."""
        return self.outcome.driver_cpu_seconds / self.outcome.ok * 1000 if self.outcome.ok else None


@dataclass(frozen=True, slots=True)
class Components:
    """The profiled decision phase of one database: each component's share of the workers'
    CPU, and the CPU ms per decision they are shares of (the unprofiled phase at the same
    clients and workers; None when that phase was not run)."""

    database: str
    workers: int
    clients: int
    shares: dict[str, float]
    cpu_ms_per_decision: float | None


@dataclass
class Measured:
    rows: list[Row] = field(default_factory=list)
    components: list[Components] = field(default_factory=list)


def _ints(text: str) -> tuple[int, ...]:
    return tuple(int(c) for c in text.split(","))


def parse(argv: list[str]) -> Options:
    defaults = Options()
    parser = argparse.ArgumentParser(prog="python -m bench load")
    parser.add_argument("--seconds", type=float, default=defaults.seconds)
    parser.add_argument("--clients", default=",".join(map(str, defaults.clients)))
    parser.add_argument("--rate", type=float, default=defaults.rate)
    parser.add_argument("--workers", default=",".join(map(str, defaults.workers)))
    parser.add_argument("--databases", default=",".join(defaults.databases))
    parser.add_argument("--read-clients", type=int, default=defaults.read_clients)
    parser.add_argument("--shed-seconds", type=float, default=defaults.shed_seconds)
    parser.add_argument("--profile", action="store_true")
    parser.add_argument("--profile-clients", type=int, default=defaults.profile_clients)
    parser.add_argument("--driver", choices=DRIVERS, default=defaults.driver)
    parser.add_argument("--wrk-connections", type=int, default=defaults.wrk_connections)
    args = parser.parse_args(argv)
    return Options(
        seconds=args.seconds,
        clients=_ints(args.clients),
        rate=args.rate,
        workers=_ints(args.workers),
        databases=tuple(d.strip() for d in args.databases.split(",")),
        read_clients=args.read_clients,
        shed_seconds=args.shed_seconds,
        profile=args.profile,
        profile_clients=args.profile_clients,
        driver=args.driver,
        wrk_connections=args.wrk_connections,
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


def _phase(served: Served, load: Load, via: Driver = drive) -> tuple[Outcome, float | None]:
    """`load` driven against `served` by `via`, and the CPU seconds the server's processes
    used."""
    before = served.cpu_seconds()
    outcome = via(load)
    after = served.cpu_seconds()
    return outcome, None if before is None or after is None else after - before


def _lost(url: str, ids: list[str]) -> int:
    """How many of the accepted applications `ids` the database does not hold (an answer
    without an id counts as lost: nothing shows it was stored)."""
    named = sorted({i for i in ids if i != NO_ID})
    engine = sa.create_engine(url)
    found = 0
    query = sa.text("select count(*) from applications where id in :ids").bindparams(
        sa.bindparam("ids", expanding=True)
    )
    try:
        with engine.connect() as conn:
            for i in range(0, len(named), 500):
                found += int(conn.execute(query, {"ids": named[i : i + 500]}).scalar_one())
    finally:
        engine.dispose()
    return len(ids) - found


def _floor(
    label: str, url: str, env: dict[str, str], home: Path, workers: int, opts: Options, wrk: bool
) -> list[Row]:
    """The bare route and the bare `SELECT 1` at each number of clients, and with `wrk` at
    `opts.wrk_connections` connections driven by wrk."""
    rows = []
    floor_env = {**env, FLOOR_URL_ENV: url}
    body = json.dumps({"amount": "1000", "term_months": 12}).encode()
    phases: list[tuple[int, str, Driver]] = []
    if opts.python:
        phases += [(n, f"{n} clients", drive) for n in opts.clients]
    if wrk:
        phases.append((opts.wrk_connections, wrk_load(opts.wrk_connections), drive_wrk))
    with served_workers("bench.load_app:floor", floor_env, home, workers) as served:
        for path, target in (("/bare", "bare"), ("/select1", "select 1")):
            for n, name, via in phases:
                load = Load(served.base_url, path, [body] * (int(opts.seconds * 20_000) + 1000),
                            JSON, opts.seconds, clients=n)  # fmt: skip
                outcome, cpu = _phase(served, load, via)
                rows.append(Row(label, workers, target, name, outcome,
                                server_cpu_seconds=cpu))  # fmt: skip
    return rows


@dataclass(frozen=True, slots=True)
class _Book:
    """Where one database's decisions are served from and stored."""

    label: str
    url: str
    env: dict[str, str]
    secret: str
    home: Path

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.secret}", **JSON}


@dataclass
class _Phases:
    """The decision phases run on one server: each one measured between reads of the
    workers' SQL counters, its accepted ids looked for in the database."""

    book: _Book
    served: Served
    counts: Path
    people: _Applicants
    workers: int

    def run(
        self, target: str, name: str, load: Load, via: Driver = drive, past: bool = False
    ) -> Row:
        time.sleep(SETTLE_SECONDS)
        before = statements(self.counts)
        outcome, cpu = _phase(self.served, load, via)
        time.sleep(SETTLE_SECONDS)
        after = statements(self.counts)
        sql, orm = (
            (a - b) / outcome.ok if outcome.ok else None for a, b in zip(after, before, strict=True)
        )
        lost = _lost(self.book.url, outcome.accepted_ids) if load.collect_ids else None
        label, workers = self.book.label, self.workers
        return Row(label, workers, target, name, outcome, sql, orm, cpu, lost, past)

    def post(
        self, seconds: float, clients: int, rate: float | None = None, per_second: float = 0
    ) -> Load:
        """Distinct applications enough for `seconds` at `rate` (or `per_second`)."""
        wanted = seconds * (rate or per_second or BODIES_PER_SECOND)
        bodies = self.people.take(int(wanted) + 50)
        return Load(self.served.base_url, "/v1/applications", bodies, self.book.headers,
                    seconds, clients, rate, collect_ids=True)  # fmt: skip

    def python(self, opts: Options) -> list[Row]:
        """The Python driver's closed loops, open loop, reads of the applications decided, and
        the open loop at twice the best decisions/s seen."""
        rows: list[Row] = []
        for n in opts.clients:
            rows.append(self.run("decision", f"{n} clients", self.post(opts.seconds, n)))
        if opts.rate > 0:
            load = self.post(opts.seconds, 1, opts.rate)
            rows.append(self.run("decision", f"{opts.rate:g}/s", load))
        ids = [i for r in rows for i in r.outcome.accepted_ids if i != NO_ID]
        if opts.read_clients > 0 and ids:
            wanted = int(opts.seconds * READS_PER_SECOND) + 1000
            paths = [f"/v1/applications/{i}" for i in ids] * (wanted // len(ids) + 1)
            load = Load(self.served.base_url, "", (), self.book.headers, opts.seconds,
                        opts.read_clients, paths=paths[:wanted])  # fmt: skip
            rows.append(self.run("read", f"{opts.read_clients} clients", load))
        saturation = max((r.per_second for r in rows if r.target == "decision"), default=0.0)
        if opts.shed_seconds > 0 and saturation > 0:
            rate = 2 * saturation
            load = self.post(opts.shed_seconds, 1, rate)
            rows.append(self.run("decision", f"{SHEDDING} ({rate:,.0f}/s)", load, past=True))
        return rows

    def wrk(self, opts: Options) -> list[Row]:
        """wrk's closed loops: at `opts.wrk_connections` connections, and past saturation at
        `PAST_SATURATION` times as many for `opts.shed_seconds`."""
        n = opts.wrk_connections  # wrk runs whole seconds: at least one
        load = self.post(max(1.0, opts.seconds), n)
        rows = [self.run("decision", wrk_load(n), load, drive_wrk)]
        if opts.shed_seconds > 0:
            n *= PAST_SATURATION
            load = self.post(max(1.0, opts.shed_seconds), n, None, WRK_BODIES_PER_SECOND)
            rows.append(self.run("decision", wrk_load(n), load, drive_wrk, past=True))
        return rows


def _decisions(
    book: _Book, workers: int, opts: Options, people: _Applicants, wrk: bool
) -> list[Row]:
    """The decision phases on one server of `workers` workers: the Python driver's
    (`_Phases.python`), then, with `wrk`, wrk's (`_Phases.wrk`)."""
    counts = book.home / f"sql-counts-{workers}"
    counts.mkdir()
    env = {**book.env, COUNTS_ENV: str(counts)}
    with served_workers("bench.load_app:decisions", env, book.home, workers) as served:
        phases = _Phases(book, served, counts, people, workers)
        rows = phases.python(opts) if opts.python else []
        if wrk:
            rows += phases.wrk(opts)
    return rows


def _profile(
    book: _Book, workers: int, opts: Options, people: _Applicants, rows: list[Row]
) -> Components:
    """The decision phase at `opts.profile_clients` clients again, on a server whose workers
    profile themselves: each component's share of their CPU."""
    folder = book.home / f"profile-{workers}"
    folder.mkdir()
    env = {**book.env, PROFILE_ENV: str(folder)}
    clients = opts.profile_clients
    with served_workers("bench.load_app:decisions", env, book.home, workers) as served:
        snapshots = Snapshots(folder)
        snapshots.wait_for(workers)
        before = snapshots.take()
        bodies = people.take(int(opts.seconds * BODIES_PER_SECOND) + 50)
        drive(Load(served.base_url, "/v1/applications", bodies, book.headers, opts.seconds,
                   clients))  # fmt: skip
        after = snapshots.take()
    unprofiled = [
        r.server_cpu_ms()
        for r in rows
        if (r.database, r.workers, r.target, r.load)
        == (book.label, workers, "decision", f"{clients} clients")
    ]
    shares = by_component(difference(after, before))
    return Components(book.label, workers, clients, shares, unprofiled[0] if unprofiled else None)


def measure(opts: Options, notes: list[str] | None = None) -> Measured:
    """Every phase of `opts`, database by database: for each number of workers the floor,
    then the decisions; then, with `opts.profile`, the profiled phase. wrk's phases are left
    out, with a note, when `wrk` is not installed."""
    notes = notes if notes is not None else []
    wrk = opts.wrk and installed() is not None
    if opts.wrk and not wrk:
        notes.append(
            "wrk is not installed (Debian package `wrk`): the phases it drives are left out."
        )
    people = _Applicants()
    out = Measured()
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
                        book = _Book(label, url, env, secret, home)
                        for workers in opts.workers:
                            out.rows += _floor(label, url, env, home, workers, opts, wrk)
                            out.rows += _decisions(book, workers, opts, people, wrk)
                        if opts.profile:
                            profiled = _profile(book, opts.workers[0], opts, people, out.rows)
                            out.components.append(profiled)
                except sa.exc.OperationalError as exc:
                    notes.append(f"{label} not measured: {exc.orig}")
    finally:
        if redis_server is not None:
            redis_server.terminate()
    return out


def run(argv: list[str] | None = None) -> Section:
    from bench.load_report import section

    opts = parse(argv or [])
    notes: list[str] = []
    return section(measure(opts, notes), opts, notes)


if __name__ == "__main__":
    print(run().markdown())
