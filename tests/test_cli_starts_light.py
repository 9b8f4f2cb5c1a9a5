"""The CLI, the API app, the wiring and the decision service start without the data-science stack:
pandas, scikit-learn, LightGBM, optbinning, SciPy, Polars, DuckDB and pyarrow are imported only by
the commands and code paths that use them (training, batch scoring, end of day, reports). Each
case runs in a fresh interpreter and asserts which modules got imported, never how long it took.

numpy is allowed on the decision path: the online scorer computes a PD with it
(`scoring.points`, `scoring.registry`). The CLI's own help loads less still: no database stack,
no web framework, no cryptography, no numpy, not even the settings (`LIGHT_HELP`).

`fengkong apply` on an embedded (SQLite) database already at the migrations' heads decides with
what a decision needs, and nothing else (`NOT_FOR_APPLY`): not Alembic (the schema check reads the
version table itself), not the PostgreSQL driver, not Redis (none configured), not structlog (no
record is written), not the web stack, and not the searches behind the finders."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

import fengkong
from fengkong.bootstrap import Context

HEAVY = ("pandas", "sklearn", "lightgbm", "optbinning", "scipy", "polars", "duckdb", "pyarrow")
# The engines batch work can run on (`fengkong.distributed`): only a run that asks for one.
ENGINES = ("dask", "distributed", "pyspark")
# What `fengkong --help` (and a group's help) must not import, beside the data-science stack.
NOT_FOR_HELP = (
    *HEAVY,
    *ENGINES,
    "numpy",
    "sqlalchemy",
    "alembic",
    "psycopg",
    "redis",
    "fastapi",
    "starlette",
    "uvicorn",
    "cryptography",
    "pydantic_settings",
    "structlog",
    "yaml",
)
# What `fengkong apply` on SQLite, at the migrations' heads and without Redis, must not import.
NOT_FOR_APPLY = (
    *HEAVY,
    *ENGINES,
    "alembic",
    "mako",
    "psycopg",
    "redis",
    "structlog",
    "pygments",
    "fastapi",
    "starlette",
    "uvicorn",
    "httpx",
    "jinja2",
)
# Modules of our own that only other commands use (the finders' searches).
NOT_FOR_APPLY_OWN = (
    "fengkong.db.search_decisions",
    "fengkong.db.search_lending",
    "fengkong.decision.customer_view",
    "fengkong.decision.search",
    "fengkong.lending.search",
)
SRC = str(Path(fengkong.__file__).resolve().parents[1])
POLICY = Path(fengkong.__file__).parent / "decision/policies/demo-german.yaml"

# Prints, as JSON, the heavy top-level packages present in sys.modules at interpreter exit, after
# the snippet it is appended to has run (a `--help` ends in SystemExit, which still exits here).
PROBE = """
import atexit, json, sys
HEAVY = {heavy!r}
def _report():
    loaded = sorted(({{n.split(".")[0] for n in sys.modules}} | set(sys.modules)) & set(HEAVY))
    sys.stdout.write("\\nHEAVY=" + json.dumps(loaded) + "\\n")
atexit.register(_report)
"""


def heavy_after(
    snippet: str,
    heavy: tuple[str, ...] = HEAVY,
    env: dict[str, str] | None = None,
    expect: str = "",
) -> list[str]:
    """Which of the `heavy` top-level packages running `snippet` imported; `expect` is text the
    snippet must print, so that a run that failed early does not pass for a light one."""
    env = {**os.environ, **(env or {}), "PYTHONPATH": SRC}
    code = PROBE.format(heavy=heavy) + snippet
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=120
    )
    assert expect in done.stdout, f"{expect!r} not printed (exit {done.returncode}):\n{done.stderr}"
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
    assert heavy_after(run_cli(args)) == []


def run_cli(args: list[str]) -> str:
    return f"import sys\nsys.argv = ['fengkong', *{args!r}]\nfrom fengkong.cli import app\napp()"


def apply_risky(context: Context, tmp_path: Path) -> tuple[str, dict[str, str]]:
    """`fengkong apply risky.json --json` against `context`'s database and the demo policy, as
    a channel key issued there (authenticated for real): the snippet, and the environment to
    run it in."""
    from factories import risky_body
    from fengkong.access.keys import issue_key
    from fengkong.core.actor import Actor, Role

    application = tmp_path / "risky.json"
    application.write_text(json.dumps(risky_body()))
    admin = Actor(name="boss", kind="user", roles=frozenset({Role.ADMIN}))
    key = issue_key(context.access, admin, name="app", channel="app")
    env = {
        "FENGKONG_API_KEY": key.secret,
        "FENGKONG_HOME": str(context.settings.home),
        "FENGKONG_DATABASE_URL": context.settings.resolved_database_url,
        "FENGKONG_CONFIG": str(tmp_path / "absent.toml"),
        "FENGKONG_POLICY_FILE": str(POLICY),
    }
    return run_cli(["apply", str(application), "--json"]), env


@pytest.mark.parametrize(
    "args",
    [
        [],
        ["--help"],
        ["data-keys", "--help"],
        ["users", "--help"],
        ["keys", "--help"],
        ["policy", "--help"],
        ["model", "--help"],
    ],
    ids=lambda a: " ".join(a) or "(no arguments)",
)
def test_help_loads_neither_the_database_nor_the_web_stack(args: list[str]) -> None:
    """The root's help lists every command from the names and help given at registration, and
    a group's help imports only that group's module."""
    assert heavy_after(run_cli(args), NOT_FOR_HELP, expect="Usage: fengkong") == []


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_apply_decides_without_the_data_science_stack(context: Context, tmp_path: Path) -> None:
    """`fengkong apply` runs the whole decision (wiring, migrations check, model, policy, vault)
    and prints it, without pandas, scikit-learn, LightGBM, SciPy, Polars or optbinning."""
    snippet, env = apply_risky(context, tmp_path)
    assert heavy_after(snippet, env=env, expect='"outcome": "decline"') == []


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_apply_loads_only_what_a_decision_needs(context: Context, tmp_path: Path) -> None:
    """On SQLite at the migrations' heads, no Redis configured: no Alembic, no PostgreSQL driver,
    no Redis client, no structlog (nothing is logged), no web stack, no finders' searches; the
    decision is the same, and the database stays at its revisions."""
    from fengkong.db.migrate import recorded_revisions, script_heads

    snippet, env = apply_risky(context, tmp_path)
    assert context.settings.redis_url is None
    assert recorded_revisions(context.db) == script_heads()
    loaded = heavy_after(
        snippet, (*NOT_FOR_APPLY, *NOT_FOR_APPLY_OWN), env=env, expect='"outcome": "decline"'
    )
    assert loaded == []
    assert recorded_revisions(context.db) == script_heads()


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_the_probe_sees_what_apply_loads(context: Context, tmp_path: Path) -> None:
    """The check above can fail: the same run reports the modules a decision does load."""
    snippet, env = apply_risky(context, tmp_path)
    wanted = ("sqlalchemy", "fengkong.db.uow", "fengkong.decision.service")
    assert heavy_after(snippet, wanted, env=env, expect='"outcome"') == sorted(wanted)


def test_the_api_wiring_loads_alembic_only_to_migrate() -> None:
    """API workers are wired with `migrate=False` (`fengkong serve` migrates once, before they
    start), so importing the app and the wiring does not load Alembic."""
    assert heavy_after("import fengkong.api.main, fengkong.bootstrap", ("alembic",)) == []


def test_a_calibrated_pd_is_computed_without_scikit_learn() -> None:
    """A model's calibrator is rebuilt from its artifact and maps scores to PDs on numpy alone."""
    snippet = (
        "from fengkong.scoring.calibration import Calibrator\n"
        "c = Calibrator.from_artifact({'kind': 'fengkong.scoring.calibrator', 'format': 1,"
        " 'method': 'platt', 'higher_is_riskier': True, 'min_pd': 0.0001,"
        " 'fitted': {'slope': 1.0, 'intercept': 0.0}})\n"
        "assert 0.7 < float(c.predict_pd([1.0])[0]) < 0.75\n"
    )
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
