"""A whole decision in process — validation, features, fraud signals, score, policy, and the
transaction that stores application, decision and audit record — on SQLite and PostgreSQL."""

from __future__ import annotations

import functools
import gc
import os
import random
import statistics
import tempfile
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd
import sqlalchemy as sa

from bench.harness import (
    CpuSplit,
    Section,
    cpu_reference_seconds,
    percentile,
    private_redis,
    summary_us,
    time_calls_with_cpu,
)
from fengkong.api.schemas import ApplicationIn
from fengkong.bootstrap import Context, bootstrap
from fengkong.core.settings import Settings
from fengkong.decision.bundle import read_shipped_bundle
from fengkong.decision.service import submit_application
from fengkong.demo import application_body, german_credit
from fengkong.scoring.promotion import promote_audited, register_audited
from fengkong.scoring.train import TrainedScorecard, train_scorecard

PG_URL = os.environ.get(
    "FENGKONG_BENCH_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
CALLS = int(os.environ.get("FENGKONG_BENCH_DECISIONS", "1000"))
REDIS_URL = os.environ.get("FENGKONG_BENCH_REDIS_URL")  # None: a private redis-server
ROUNDS = int(os.environ.get("FENGKONG_BENCH_DECISION_ROUNDS", "5"))
SQLITE = "SQLite (file, WAL)"
POSTGRES = "PostgreSQL (local, TCP)"
POSTGRES_REDIS = "PostgreSQL, counters and links on Redis"


@functools.cache
def _trained() -> tuple[pd.DataFrame, TrainedScorecard]:
    data = german_credit()
    return data, train_scorecard(data, "creditability")


def promote_scorecard(ctx: Context, trained: TrainedScorecard) -> None:
    """Register `trained` as the `application` model of `ctx`'s registry and make it the
    champion (audited, by the bench)."""
    with ctx.uow() as uow:
        model = register_audited(
            uow, ctx.artifacts_dir, name="application", scorecard=trained.model.scorecard_,
            data_fingerprint=trained.data_fingerprint, params=trained.params,
            metrics=trained.metrics, actor="bench", clock=ctx.clock,
        )  # fmt: skip
        promote_audited(uow, model.version, actor="bench", clock=ctx.clock)
        uow.commit()


def _measure(url: str, home: Path, redis_url: str | None = None) -> tuple[list[float], CpuSplit]:
    data, trained = _trained()
    ctx = bootstrap(
        Settings(env="test", home=home, database_url=url, redis_url=redis_url),
        policy=read_shipped_bundle("demo-german.yaml"),
    )
    promote_scorecard(ctx, trained)
    rng = random.Random(0)
    as_of = ctx.clock.business_date()
    rows = [r for _, r in data.iterrows()]
    bodies = []
    for i in range(CALLS + 50):
        payload = application_body(rows[i % len(rows)], as_of, rng)
        payload["term_months"] = 12
        bodies.append(payload)
    it = iter(bodies)
    gc.freeze()  # as the server does once it has started (fengkong.api.main)

    def decide() -> None:
        request = ApplicationIn.model_validate(next(it)).to_request(as_of)
        submit_application(request, ctx.decisions)

    try:
        return time_calls_with_cpu(decide, CALLS, warmup=50)
    finally:
        ctx.close()


def _measure_postgres(home: Path, redis_url: str | None = None) -> tuple[list[float], CpuSplit]:
    """`_measure` in a fresh schema of the PostgreSQL database, dropped afterwards."""
    schema = f"bench_{uuid.uuid4().hex[:8]}"
    admin = sa.create_engine(PG_URL)
    try:
        with admin.begin() as conn:
            conn.execute(sa.text(f'create schema "{schema}"'))
        return _measure(f"{PG_URL}?options=-csearch_path%3D{schema}", home, redis_url)
    finally:
        with admin.begin() as conn:
            conn.execute(sa.text(f'drop schema if exists "{schema}" cascade'))
        admin.dispose()


def _cpu_note(samples: list[float], cpu: CpuSplit) -> str:
    """What the CPU split says of the PostgreSQL figure on this machine's cores."""
    if cpu.server_ms is None:
        return "The PostgreSQL server's CPU was not readable here."
    total = cpu.process_ms + cpu.server_ms
    cores = os.cpu_count() or 1
    mean_ms = statistics.fmean(samples) / 1000
    return (
        f"PostgreSQL: each decision cost {cpu.process_ms:.1f} ms of CPU in the bench process "
        f"(Python, psycopg and SQLAlchemy) and {cpu.server_ms:.1f} "
        f"ms in the server, {total:.1f} ms in all against a mean wall time of {mean_ms:.1f} ms "
        f"on {cores} cores: the decision is bound by CPU, not by waiting on the server, so "
        "fewer exchanges and statements, less Python per statement, and the client's work "
        "done while the server answers are what shorten it."
    )


def _cpu_cell(cpu: CpuSplit) -> str:
    server = "n/a" if cpu.server_ms is None else f"{cpu.server_ms:.1f}"
    return f"{cpu.process_ms:.1f} / {server}"


@dataclass(frozen=True, slots=True)
class _Round:
    samples: list[float]
    cpu: CpuSplit
    reference_s: float  # `cpu_reference_seconds` just before the round

    @property
    def p99(self) -> float:
        return percentile(self.samples, 0.99)


def _rounds(tmp: Path, notes: list[str]) -> dict[str, list[_Round]]:
    """`ROUNDS` rounds of each database in turn (SQLite, PostgreSQL, PostgreSQL with Redis), so
    that each samples the machine in different minutes; every round has a fresh database. A
    PostgreSQL that cannot be reached is noted and left out."""
    measured: dict[str, list[_Round]] = {SQLITE: [], POSTGRES: [], POSTGRES_REDIS: []}
    postgres = True
    redis_url, redis_server = private_redis(REDIS_URL)
    try:
        for n in range(ROUNDS):
            home = tmp / f"round-{n}"
            _measure_round(measured[SQLITE], _measure, f"sqlite:///{home}/bench.db", home / "sq")
            if not postgres:
                continue
            try:
                _measure_round(measured[POSTGRES], _measure_postgres, home / "pg")
                _measure_round(
                    measured[POSTGRES_REDIS], _measure_postgres, home / "pg-redis", redis_url
                )
            except sa.exc.OperationalError as exc:
                notes.append(f"PostgreSQL not measured: {exc.orig}")
                postgres = False
    finally:
        if redis_server is not None:
            redis_server.terminate()
    return measured


def _measure_round(
    rounds: list[_Round], measure: Callable[..., tuple[list[float], CpuSplit]], *args: Any
) -> None:
    reference = cpu_reference_seconds()
    rounds.append(_Round(*measure(*args), reference))


def _median_round(rounds: list[_Round]) -> _Round:
    return sorted(rounds, key=lambda r: r.p99)[len(rounds) // 2]


def run() -> Section:
    section = Section(
        title="A whole decision, in process",
        command="python -m bench decision",
        lines=[
            f"{CALLS} applications after 50 warm-up: validation, vault encryption, one read "
            "exchange (the registries' live roles, the applicant's record, the list look-up; on "
            "PostgreSQL also the velocity record and link update), features, velocity and "
            "links, scorecard, compiled policy with offer and price-cap "
            "check, and the decision's transaction (consent, application, decision, audit "
            "records, a decline's flag on the link graph; the policy bundle once per version). On "
            "PostgreSQL that commit waits for its WAL flush; SQLite runs WAL with "
            "synchronous=NORMAL. The third row keeps the books on PostgreSQL and the velocity "
            "counters and identity links on Redis (`FENGKONG_REDIS_URL`, a private "
            "`redis-server` here), as the architecture deploys PostgreSQL. "
            f"Each database is measured in {ROUNDS} rounds, taken in turn with the others so "
            "that they fall in different minutes, each on a fresh database; the row gives the "
            "round of median p99, and the last column every round's p99 in order with the CPU "
            "reference (seconds for a fixed Python loop, `bench.harness.cpu_reference_seconds`) "
            "measured just before it: this shared machine's speed swings within minutes, and a "
            "slow round shows there. CPU is milliseconds per decision used by the bench process "
            "(all its threads) and by the local PostgreSQL server's processes (not Redis's), "
            "read from /proc around the measured calls. Goal: p99 ≤ 10 ms.",
        ],
        table_header=(
            "database",
            "p50 µs",
            "p99 µs",
            "mean µs",
            "CPU ms: bench / server",
            "p99 ms of each round (CPU reference s)",
        ),
    )
    load_before = os.getloadavg()[0]
    with tempfile.TemporaryDirectory() as tmp:
        measured = _rounds(Path(tmp), section.notes)
    for label, rounds in measured.items():
        if not rounds:
            continue
        middle = _median_round(rounds)
        each = " / ".join(f"{r.p99 / 1000:.1f} ({r.reference_s:.2f})" for r in rounds)
        cpu = f"{middle.cpu.process_ms:.1f} / -" if label == SQLITE else _cpu_cell(middle.cpu)
        section.rows.append((label, *summary_us(middle.samples), cpu, each))
        if label == POSTGRES:
            section.notes.append(_cpu_note(middle.samples, middle.cpu))
    section.notes.append(
        f"1-minute load average {load_before:.1f} before the run and {os.getloadavg()[0]:.1f} "
        f"after, on {os.cpu_count()} cores: other work on the machine is in these figures."
    )
    return section


if __name__ == "__main__":
    print(run().markdown())
