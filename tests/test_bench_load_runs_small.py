"""`python -m bench load` in its smoke mode (`--seconds 2 --clients 1,4`, one worker, SQLite,
a one-second shedding phase and a profiled phase): the floor, the served decisions, the reads
of what was decided and the open loop at twice saturation are measured in one run, every phase
answers, decisions are made, their SQL statements and the server's CPU counted, nothing
accepted is lost, the profile splits the workers' CPU by component, and the report holds the
rows it describes. Then the phases wrk drives (`--driver wrk`, skipped where wrk is not
installed: the bench is optional tooling). No timing is asserted."""

from __future__ import annotations

import importlib
import shutil
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
CLIENTS = (1, 4)


@pytest.mark.slow
def test_the_load_bench_serves_decisions_beside_its_floor(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.syspath_prepend(str(ROOT))
    load = importlib.import_module("bench.load")
    report = importlib.import_module("bench.load_report")
    shed_kinds = importlib.import_module("bench.load_driver").SHED_KINDS
    opts = load.parse(
        ["--seconds", "2", "--clients", "1,4", "--rate", "10", "--workers", "1",
         "--databases", "sqlite", "--read-clients", "4", "--shed-seconds", "1",
         "--profile", "--profile-clients", "4", "--driver", "python"]
    )  # fmt: skip
    notes: list[str] = []
    measured = load.measure(opts, notes)
    rows = measured.rows

    assert notes == []
    phases = [(r.target, r.load) for r in rows]
    assert phases[:-1] == [
        *((target, f"{n} clients") for target in ("bare", "select 1") for n in CLIENTS),
        *(("decision", f"{n} clients") for n in CLIENTS),
        ("decision", "10/s"),
        ("read", "4 clients"),
    ]
    shedding = rows[-1]
    assert (shedding.target, shedding.load.startswith("2× saturation (")) == ("decision", True)
    for row in rows[:-1]:
        assert row.outcome.kinds() == {}, (row.target, row.load, row.outcome.kinds())
    # Today's server may queue or shed at twice saturation; it must not fail otherwise.
    assert set(shedding.outcome.kinds()) <= set(shed_kinds), shedding.outcome.kinds()
    for row in rows:
        assert row.workers == 1
        assert row.outcome.ok > 0 and len(row.outcome.latencies_ms) == row.outcome.ok
        assert row.server_cpu_seconds is not None and row.server_cpu_seconds > 0
        assert row.outcome.driver_cpu_seconds > 0
    decisions = [r for r in rows if r.target == "decision"]
    for row in decisions:
        # Each decision reads and writes the book: the workers' counter saw it, per decision.
        assert row.sql_per_decision is not None and row.sql_per_decision >= 1
        # Every application answered 2xx is in the database.
        assert len(row.outcome.accepted_ids) == row.outcome.ok and row.accepted_lost == 0
    assert decisions[2].outcome.ok >= 10  # the open loop sent about 10/s for 2 s
    read = rows[-2]
    assert read.sql_per_decision is not None and read.sql_per_decision >= 1

    (profiled,) = measured.components
    assert (profiled.database, profiled.workers, profiled.clients) == ("SQLite", 1, 4)
    assert sum(profiled.shares.values()) == pytest.approx(1.0)
    assert profiled.shares["fengkong.decision (policy)"] > 0
    assert profiled.shares["sqlalchemy"] > 0
    assert profiled.cpu_ms_per_decision == decisions[1].server_cpu_ms()

    written = report.section(measured, opts, notes)
    (said,) = [n for n in written.notes if n.startswith("SQLite, 1 worker(s), 2× saturation (")]
    assert f"{shedding.outcome.ok} accepted (2xx" in said and "0 accepted lost" in said
    text = written.markdown()
    assert text.startswith("## Served decisions under load")
    table = [line for line in text.splitlines() if line.startswith("| SQLite |")]
    assert len(table) == len(rows)
    assert all(line.count("|") == len(report.HEADER) + 1 for line in table)
    decision_lines = [line for line in table if "| decision |" in line]
    assert all("/" in line.split("|")[14] for line in decision_lines[: len(CLIENTS)])
    assert "| all (workers' CPU) |" in text


@pytest.mark.slow
@pytest.mark.skipif(shutil.which("wrk") is None, reason="wrk is not installed")
def test_wrk_drives_the_floor_and_the_decisions_past_saturation(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.syspath_prepend(str(ROOT))
    load = importlib.import_module("bench.load")
    report = importlib.import_module("bench.load_report")
    shed_kinds = importlib.import_module("bench.load_driver").SHED_KINDS
    opts = load.parse(
        ["--seconds", "2", "--workers", "1", "--databases", "sqlite", "--shed-seconds", "1",
         "--driver", "wrk", "--wrk-connections", "4"]
    )  # fmt: skip
    notes: list[str] = []
    rows = load.measure(opts, notes).rows

    assert notes == []
    assert [(r.target, r.load, r.past_saturation) for r in rows] == [
        ("bare", "4 conns (wrk)", False),
        ("select 1", "4 conns (wrk)", False),
        ("decision", "4 conns (wrk)", False),
        ("decision", "16 conns (wrk)", True),
    ]
    for row in rows[:-1]:
        assert row.outcome.kinds() == {}, (row.target, row.load, row.outcome.kinds())
    assert set(rows[-1].outcome.kinds()) <= set(shed_kinds), rows[-1].outcome.kinds()
    for row in rows:
        assert row.outcome.ok > 0 and not row.outcome.ran_out
        assert row.outcome.latencies_ms == [] and row.p(0.999) >= row.p(0.5) > 0
        assert row.server_cpu_seconds is not None and row.server_cpu_seconds > 0
        assert row.outcome.driver_cpu_seconds > 0
    for row in rows[2:]:
        assert row.sql_per_decision is not None and row.sql_per_decision >= 1
        assert len(row.outcome.accepted_ids) == row.outcome.ok and row.accepted_lost == 0

    written = report.section(load.Measured(rows=rows), opts, notes)
    assert (
        written.command == "python -m bench load --seconds 2 --workers 1 --databases "
        "sqlite --shed-seconds 1 --driver wrk --wrk-connections 4"
    )
    (said,) = [n for n in written.notes if n.startswith("SQLite, 1 worker(s), 16 conns (wrk):")]
    assert f"{rows[-1].outcome.ok} accepted (2xx" in said and "0 accepted lost" in said
    table = [line for line in written.markdown().splitlines() if line.startswith("| SQLite |")]
    assert len(table) == len(rows)
    # the decisions at 4 connections read as ratios to wrk's floor at 4 connections
    assert "/" in table[2].split("|")[14] and table[3].split("|")[14].strip() == ""
