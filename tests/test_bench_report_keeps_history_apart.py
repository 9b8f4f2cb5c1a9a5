"""`python -m bench` rewrites docs/performance.md: it must keep the current figures as they are,
point to the experiment diary, and never write the diary back into the report."""

from __future__ import annotations

import importlib
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
REPORT = ROOT / "docs" / "performance.md"
HISTORY = ROOT / "docs" / "notes" / "performance-history.md"


def _table_rows(text: str) -> list[str]:
    return [line for line in text.splitlines() if line.startswith("| ")]


def test_rewriting_the_report_keeps_every_figure_and_links_the_history(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.syspath_prepend(str(ROOT))
    runner = importlib.import_module("bench.__main__")
    copy = tmp_path / "performance.md"
    copy.write_text(REPORT.read_text(encoding="utf-8"), encoding="utf-8")
    monkeypatch.setattr(runner, "REPORT", copy)

    runner._write(runner._existing_sections())

    rewritten = copy.read_text(encoding="utf-8")
    assert _table_rows(rewritten) == _table_rows(REPORT.read_text(encoding="utf-8"))
    link = re.search(r"\]\((notes/performance-history\.md)\)", rewritten)
    assert link is not None
    assert (REPORT.parent / link.group(1)).is_file()


def test_the_diary_lives_in_the_history_not_in_the_report() -> None:
    report = REPORT.read_text(encoding="utf-8")
    history = HISTORY.read_text(encoding="utf-8")
    # Two experiments of the diary, by a phrase of each: kept in the history, gone from the report.
    for phrase in (
        "forest was made a part of the GBM's own booster",
        "alternating PostgreSQL-only",
    ):
        assert phrase in history
        assert phrase not in report


def test_bench_help_lists_the_benchmarks() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "bench", "--help"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert "model_quality" in done.stdout and "eod" in done.stdout


LEGACY = """# Performance

Written by `make bench` (`python -m bench`); each section names the command that measured it.
Last run 2026-12-07 17:51 UTC on 2 cores (AMD EPYC), Python 3.11.7, Linux; CPU reference 0.27 s (see `bench.harness.cpu_reference_seconds`).
Shared machines are noisy: quote medians and percentiles, and re-run before comparing.
<!-- bench:scoring -->
## Scoring

Measured by `python -m bench scoring`.

| model | p50 |
| --- | --- |
| scorecard | 1.0 |
<!-- bench:load -->
## Served decisions under load

Measured by `python -m bench load`, 2026-12-07 23:00 UTC on 2 cores (Intel Xeon).

| load | req/s |
| --- | --- |
| 1 clients | 140 |
"""


def _section(text: str, mark: str) -> str:
    return text.split(f"<!-- bench:{mark} -->\n", 1)[1].split("\n<!-- bench:", 1)[0].rstrip()


def test_a_section_rewritten_names_its_own_date_and_the_others_keep_theirs(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.syspath_prepend(str(ROOT))
    runner = importlib.import_module("bench.__main__")
    harness = importlib.import_module("bench.harness")
    copy = tmp_path / "performance.md"
    copy.write_text(LEGACY, encoding="utf-8")
    monkeypatch.setattr(runner, "REPORT", copy)
    monkeypatch.setattr(runner, "stamp", lambda: "2030-01-02 03:04 UTC on a test machine")
    fresh = harness.Section(
        title="Scoring", command="python -m bench scoring", table_header=("model", "p50"),
        rows=[("scorecard", "0.9")],
    )  # fmt: skip

    runner.rewrite({"scoring": fresh})

    first = copy.read_text(encoding="utf-8")
    assert "Measured by `python -m bench scoring`, 2030-01-02 03:04 UTC on a test machine." in (
        _section(first, "scoring")
    )
    assert "| scorecard | 0.9 |" in first
    assert _section(first, "load") == _section(LEGACY, "load")
    # No section is undated any more: the old page-wide date has nothing left to speak for.
    assert "2026-12-07 17:51" not in first and "Last run" not in first
    assert "2030-01-02" not in first.split("<!-- bench:", 1)[0]


def test_sections_not_run_keep_the_page_wide_date_they_were_measured_by(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.syspath_prepend(str(ROOT))
    runner = importlib.import_module("bench.__main__")
    harness = importlib.import_module("bench.harness")
    copy = tmp_path / "performance.md"
    copy.write_text(LEGACY, encoding="utf-8")
    monkeypatch.setattr(runner, "REPORT", copy)
    monkeypatch.setattr(runner, "stamp", lambda: "2030-01-02 03:04 UTC on a test machine")
    fresh = harness.Section(title="Served decisions under load", command="python -m bench load")

    runner.rewrite({"load": fresh})
    once = copy.read_text(encoding="utf-8")
    runner.rewrite({})
    twice = copy.read_text(encoding="utf-8")

    for text in (once, twice):
        head = text.split("<!-- bench:", 1)[0]
        assert (
            "Sections that name no date of their own were measured at or before 2026-12-07 "
            "17:51 UTC on 2 cores (AMD EPYC), Python 3.11.7, Linux; CPU reference 0.27 s."
        ) in head
        assert "2030-01-02" not in head
        assert _section(text, "scoring") == _section(LEGACY, "scoring")
        assert "Measured by `python -m bench load`, 2030-01-02 03:04 UTC on a test machine." in (
            _section(text, "load")
        )
