"""The CLI, the API app, the wiring and the decision service start without the data-science stack:
pandas, scikit-learn, LightGBM, optbinning, SciPy, Polars, DuckDB and pyarrow are imported only by
the commands and code paths that use them (training, batch scoring, end of day, reports). Each
case runs in a fresh interpreter and asserts which modules got imported, never how long it took.

numpy is allowed: the online scorer computes a PD with it (`scoring.points`, `scoring.registry`)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

import fengkong

HEAVY = ("pandas", "sklearn", "lightgbm", "optbinning", "scipy", "polars", "duckdb", "pyarrow")
SRC = str(Path(fengkong.__file__).resolve().parents[1])

# Prints, as JSON, the heavy top-level packages present in sys.modules at interpreter exit, after
# the snippet it is appended to has run (a `--help` ends in SystemExit, which still exits here).
PROBE = """
import atexit, json, sys
HEAVY = {heavy!r}
def _report():
    loaded = sorted({{n.split(".")[0] for n in sys.modules}} & set(HEAVY))
    sys.stdout.write("\\nHEAVY=" + json.dumps(loaded) + "\\n")
atexit.register(_report)
"""


def heavy_after(snippet: str) -> list[str]:
    env = {**os.environ, "PYTHONPATH": SRC}
    code = PROBE.format(heavy=HEAVY) + snippet
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=120
    )
    marker = [line for line in done.stdout.splitlines() if line.startswith("HEAVY=")]
    assert marker, f"the probe did not report (exit {done.returncode}):\n{done.stderr}"
    loaded: list[str] = json.loads(marker[-1].removeprefix("HEAVY="))
    return loaded


@pytest.mark.parametrize(
    "module",
    ["fengkong.cli", "fengkong.api.app", "fengkong.bootstrap", "fengkong.decision.service"],
)
def test_importing_does_not_load_the_data_science_stack(module: str) -> None:
    assert heavy_after(f"import {module}") == []


@pytest.mark.parametrize(
    "args",
    [["--help"], ["loan", "--help"], ["apply", "--help"], ["model", "--help"], ["eod", "--help"]],
    ids=lambda a: " ".join(a),
)
def test_cli_help_does_not_load_the_data_science_stack(args: list[str]) -> None:
    snippet = f"import sys\nsys.argv = ['fengkong', *{args!r}]\nfrom fengkong.cli import app\napp()"
    assert heavy_after(snippet) == []


def test_the_probe_sees_a_heavy_import() -> None:
    """The check above can fail: code that imports Polars is reported."""
    assert heavy_after("import fengkong.features.card_account") == ["polars"]


def test_batch_features_still_compute_with_polars() -> None:
    """The application features build their Polars expressions on use, and they still agree
    with the online computation."""
    from datetime import date

    from fengkong.features.application import APPLICATION_FEATURES

    record = {
        "amount_fen": 4_700,
        "term_months": 12,
        "purpose": "car",
        "monthly_income_fen": 800_000,
        "birth_date": date(1990, 6, 15),
        "as_of": date(2026, 6, 14),
    }
    batch = APPLICATION_FEATURES.compute_online_polars(record)
    online = APPLICATION_FEATURES.compute_online(record)
    assert batch == online
    assert online["age_in_years"] == 35.0 and online["credit_amount"] == 47.0
