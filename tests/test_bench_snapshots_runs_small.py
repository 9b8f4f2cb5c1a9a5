"""`python -m bench snapshots` at a tiny size, on PostgreSQL: it loads its book, stores the
history, takes the final day's snapshot and reads the four reports, and the snapshot it took
holds what the book's own generator says the loans are (so the figures it times are of the book
it describes). No timing is asserted."""

from __future__ import annotations

import importlib
import uuid
from pathlib import Path

import pytest
import sqlalchemy as sa

from conftest import PG_URL, require_postgres
from fengkong.db.database import Database
from fengkong.db.uow import SqlUnitOfWork
from fengkong.monitoring.figures import DIMENSIONS, snapshot

ROOT = Path(__file__).resolve().parents[1]
LOANS = 300


@pytest.mark.postgres
def test_the_snapshot_bench_runs_at_a_tiny_size(monkeypatch: pytest.MonkeyPatch) -> None:
    require_postgres()
    monkeypatch.syspath_prepend(str(ROOT))
    monkeypatch.setenv("FENGKONG_BENCH_POSTGRES_URL", PG_URL)
    bench = importlib.import_module("bench.snapshots")
    book = importlib.import_module("bench.snapshot_book")
    monkeypatch.setattr(bench, "PG_URL", PG_URL)
    schema = f"bench_t_{uuid.uuid4().hex[:10]}"
    try:
        section = bench.run(LOANS, runs=1, schema=schema).markdown()
        assert f"snapshot step, {LOANS} loans" in section
        for name in ("portfolio", "vintage", "rolls", "concentration"):
            assert f"`report {name}` read" in section
        assert "EXTRAPOLATED" in section  # below the goal's million, and says so

        db = Database(bench.schema_url(schema, fresh=False))
        try:
            with SqlUnitOfWork(db) as uow:
                stored = uow.portfolio.snapshot_rows(bench.FINAL, DIMENSIONS)
                months = uow.portfolio.snapshot_dates(bench.FINAL)
        finally:
            db.dispose()
        ends = book.month_ends(bench.FINAL)
        expected = snapshot(
            (book.facts(book.loan(k, LOANS, ends), bench.FINAL) for k in range(LOANS)),
            bench.FINAL,
        )
        assert stored == expected.rows()
        assert months == ends  # 24 month ends, the last the measured one
        industries = {s for d, s, _ in stored if d == "industry"}
        assert "unknown" in industries and len(industries) > 10
    finally:
        admin = sa.create_engine(PG_URL)
        with admin.begin() as conn:
            conn.execute(sa.text(f'drop schema if exists "{schema}" cascade'))
        admin.dispose()
