"""docs/architecture.md is the map as built: its package table must name every package directory
(and top-level module) under src/fengkong, and nothing that is not there."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGE_ROOT = ROOT / "src" / "fengkong"
DOC = ROOT / "docs" / "architecture.md"


def _table_names() -> set[str]:
    text = DOC.read_text(encoding="utf-8")
    section = text.split("## Packages", 1)[1].split("\n## ", 1)[0]
    return {
        match.group(1)
        for line in section.splitlines()
        if (match := re.match(r"\|\s*`([^`]+)`\s*\|", line))
    }


def _on_disk() -> set[str]:
    directories = {
        f"{p.name}/"
        for p in PACKAGE_ROOT.iterdir()
        if p.is_dir() and not p.name.startswith((".", "__"))
    }
    modules = {p.name for p in PACKAGE_ROOT.glob("*.py") if p.name != "__init__.py"}
    return directories | modules


def test_the_package_table_names_every_package_and_module() -> None:
    missing = _on_disk() - _table_names()
    assert not missing, f"docs/architecture.md does not name {sorted(missing)}"


def test_the_package_table_names_nothing_that_does_not_exist() -> None:
    invented = _table_names() - _on_disk()
    assert not invented, f"docs/architecture.md names what src/fengkong lacks: {sorted(invented)}"


def test_where_to_find_points_at_files_that_exist() -> None:
    text = DOC.read_text(encoding="utf-8")
    section = text.split("## Where to find", 1)[1].split("\n## ", 1)[0]
    paths = re.findall(r"`(src/fengkong/[^`]+)`", section)
    assert paths
    absent = [p for p in paths if not (ROOT / p).exists()]
    assert not absent, f"docs/architecture.md points at missing files: {absent}"
