"""`fengkong simulate` and `simulate compare` on the command line: bad input is refused with
exit 2 and one JSON error document naming the field (and the allowed values, where there is a
fixed set) before anything runs; a run folder asked for other parameters than its own is a
conflict (exit 1) that says how to start over; a tiny run and a tiny comparison finish with
their books verified and their reports written."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from fengkong.cli import app
from fengkong.sim.setup import shipped_business_policies, shipped_policies

runner = CliRunner()

TINY = ["--months", "1", "--applicants-per-day", "3"]


@pytest.fixture(scope="module")
def home(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """A home of the module's own: no configuration file, no database URL from outside."""
    folder = tmp_path_factory.mktemp("simulate-cli")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("FENGKONG_HOME", str(folder / "home"))
        patch.delenv("FENGKONG_DATABASE_URL", raising=False)
        patch.setenv("FENGKONG_CONFIG", str(folder / "absent.toml"))
        yield folder / "home"


def _invoke(args: list[str], exit_code: int) -> dict[str, Any]:
    result = runner.invoke(app, [*args, "--json"])
    assert result.exit_code == exit_code, (args, result.output, result.exception)
    doc = json.loads(result.stdout)  # exactly one document
    assert isinstance(doc, dict)
    return doc


def _runs(home: Path) -> set[str]:
    return {p.name for p in (home / "sim").glob("*")}


def _refused(home: Path, args: list[str], field: str) -> dict[str, Any]:
    before = _runs(home)
    doc = _invoke(["simulate", *args], 2)
    assert _runs(home) == before  # refused before any run folder was made
    assert doc["exit_code"] == 2 and doc["category"] and doc["code"]
    (error,) = doc["errors"]
    assert error["loc"] == [field], doc
    return dict(error)


@pytest.mark.parametrize(
    ("args", "field"),
    [
        (["--months", "-1", "--applicants-per-day", "3"], "months"),
        (["--months", "0", "--applicants-per-day", "3"], "months"),
        (["--months", "61", "--applicants-per-day", "3"], "months"),
        (["--months", "1", "--applicants-per-day", "0"], "applicants_per_day"),
        ([*TINY, "--start", "2026-13-01"], "start"),
        ([*TINY, "--start", "next monday"], "start"),
        ([*TINY, "--businesses-per-day", "-1"], "businesses_per_day"),
        ([*TINY, "--businesses-per-day", "1001"], "businesses_per_day"),
    ],
    ids=[
        "months-negative",
        "months-zero",
        "months-too-many",
        "nobody",
        "month-13",
        "words",
        "businesses-negative",
        "businesses-too-many",
    ],
)
def test_bad_numbers_and_dates_exit_2(home: Path, args: list[str], field: str) -> None:
    _refused(home, args, field)


def test_an_unknown_scenario_lists_the_scenarios(home: Path) -> None:
    error = _refused(home, [*TINY, "--scenario", "nope"], "scenario")
    assert error["allowed"] == ["baseline", "downturn"]
    assert "nope" in error["msg"] and "downturn" in error["msg"]


def test_an_unknown_policy_lists_the_shipped_ones(home: Path) -> None:
    error = _refused(home, [*TINY, "--policy", "nope"], "policy")
    assert error["allowed"] == list(shipped_policies())
    assert {"retail-v3", "demo-german"} <= set(error["allowed"])


def test_an_unknown_business_policy_lists_the_shipped_ones(home: Path) -> None:
    args = [*TINY, "--businesses-per-day", "2", "--business-policy", "retail-v3"]
    error = _refused(home, args, "business_policy")
    assert error["allowed"] == list(shipped_business_policies()) == ["business-v1"]
    assert "retail-v3" in error["msg"]


def test_an_unknown_model_source_lists_the_sources(home: Path) -> None:
    error = _refused(home, [*TINY, "--model", "nope"], "model")
    assert error["allowed"] == ["history", "german"]


def test_an_unknown_language_lists_the_languages(home: Path) -> None:
    error = _refused(home, [*TINY, "--language", "fr"], "language")
    assert error["allowed"] == ["en", "zh"]


def test_compare_refuses_bad_input_too(home: Path) -> None:
    doc = _invoke(
        ["simulate", "compare", "--policy", "retail-v3", "--policy", "demo-german",
         "--months", "0", "--applicants-per-day", "3"],
        2,
    )  # fmt: skip
    assert [e["loc"] for e in doc["errors"]] == [["months"]]


@pytest.fixture(scope="module")
def tiny_run(home: Path) -> dict[str, Any]:
    return _invoke(["simulate", *TINY, "--run", "tiny"], 0)


def test_a_tiny_run_verifies_its_books_and_writes_its_report(
    home: Path, tiny_run: dict[str, Any]
) -> None:
    assert tiny_run["books_verified"] is True
    assert tiny_run["audit_records"] > 0 and tiny_run["journal_entries"] > 0
    report = Path(tiny_run["report"])
    assert report.is_file() and report.parent == home / "sim" / "tiny"
    assert report.read_text(encoding="utf-8").lstrip().lower().startswith("<!doctype html")
    assert tiny_run["params"]["months"] == 1 and tiny_run["params"]["applicants_per_day"] == 3
    summary = tiny_run["summary"]
    assert summary["applications"] > 0 and summary["days"] == 31  # 2026-01-05 to 02-04


def test_asking_a_run_folder_for_other_parameters_is_a_conflict(
    home: Path, tiny_run: dict[str, Any]
) -> None:
    doc = _invoke(["simulate", "--months", "2", "--applicants-per-day", "3", "--run", "tiny"], 1)
    assert doc["exit_code"] == 1 and doc["category"] == "conflict"
    assert "--fresh" in doc["detail"] and "tiny" in doc["detail"]
    # The run asked first is left as it was: asked the same again, it only reports again.
    again = _invoke(["simulate", *TINY, "--run", "tiny"], 0)
    assert again["summary"] == tiny_run["summary"] and again["books_verified"] is True


def test_resuming_a_run_on_another_database_is_a_conflict(
    home: Path, tiny_run: dict[str, Any], tmp_path: Path
) -> None:
    elsewhere = f"sqlite:///{tmp_path / 'other.db'}"
    args = ["simulate", *TINY, "--run", "tiny", "--database-url", elsewhere]
    doc = _invoke(args, 1)
    assert doc["category"] == "conflict"
    assert "--database-url" in doc["detail"] and tiny_run["database"] in doc["detail"]


def test_a_tiny_comparison_of_two_policies(home: Path) -> None:
    doc = _invoke(
        ["simulate", "compare", "--policy", "retail-v3", "--policy", "demo-german", *TINY], 0
    )
    assert doc["labels"] == ["retail-v3", "demo-german"]
    assert [run["params"]["policy"] for run in doc["runs"]] == ["retail-v3", "demo-german"]
    assert all(run["books_verified"] for run in doc["runs"])
    assert Path(doc["report"]).is_file()
    # The same seeded population applied under both: the same applicants, decided differently.
    assert doc["a"]["applications"] == doc["b"]["applications"] > 0
    assert doc["a"]["policy"] != doc["b"]["policy"]
    assert set(doc["difference"]) and "approval_rate" in doc["difference"]
