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
