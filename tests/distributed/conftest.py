"""The distributed tests run on SQLite alone: what they compare is where the arithmetic ran,
not the database, whose agreement with PostgreSQL the other suites check."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest


@pytest.fixture
def database_url(sqlite_template: Path, tmp_path: Path) -> str:
    path = tmp_path / "fengkong.db"
    shutil.copyfile(sqlite_template, path)
    return f"sqlite:///{path}"
