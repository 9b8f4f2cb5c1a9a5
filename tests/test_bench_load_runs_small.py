"""`python -m bench load` in its smoke mode (`--seconds 2 --clients 1,4`, one worker, SQLite):
the floor and the served decisions are measured in one run, every phase answers, decisions are
made and their SQL statements counted, and the report holds the row set it describes. No timing
is asserted."""

from __future__ import annotations

import importlib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
CLIENTS = (1, 4)


@pytest.mark.slow
def test_the_load_bench_serves_decisions_beside_its_floor(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.syspath_prepend(str(ROOT))
    load = importlib.import_module("bench.load")
    opts = load.parse(
        ["--seconds", "2", "--clients", "1,4", "--rate", "10", "--workers", "1",
         "--databases", "sqlite"]
    )  # fmt: skip
    notes: list[str] = []
    rows = load.measure(opts, notes)

    assert notes == []
    phases = [(r.target, r.load) for r in rows]
    assert phases == [
        *((target, f"{n} clients") for target in ("bare", "select 1") for n in CLIENTS),
        *(("decision", f"{n} clients") for n in CLIENTS),
        ("decision", "10/s"),
    ]
    for row in rows:
        assert row.outcome.errors == {}, (row.target, row.load, row.outcome.errors)
        assert row.outcome.ok > 0 and len(row.outcome.latencies_ms) == row.outcome.ok
    decisions = [r for r in rows if r.target == "decision"]
    # Each decision reads and writes the book: the workers' counter saw it, per decision.
    assert all(r.sql_per_decision is not None and r.sql_per_decision >= 1 for r in decisions)
    assert decisions[-1].outcome.ok >= 10  # the open loop sent about 10/s for 2 s

    report = load.section(rows, opts, notes).markdown()
    assert report.startswith("## Served decisions under load")
    table = [line for line in report.splitlines() if line.startswith("| SQLite")]
    assert len(table) == len(rows)
    assert all(line.count("|") == 12 for line in table)
    decision_lines = [line for line in table if "| decision |" in line]
    assert all("/" in line.split("|")[10] for line in decision_lines[: len(CLIENTS)])
