"""The books a lending use-case test runs on: the in-memory unit of work first, and SQLite where
the test is also about what the database keeps."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from lending.test_service_support import Books, open_books


@pytest.fixture(params=["memory", "sqlite"])
def books(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Books]:
    yield from open_books(request, tmp_path)
