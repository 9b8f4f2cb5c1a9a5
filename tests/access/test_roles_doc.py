"""docs/roles.md carries the tables generated from `access.permissions`, so the document cannot
drift from what the API enforces.

To rewrite the tables after changing the permissions: `FENGKONG_WRITE_DOCS=1 pytest <this file>`."""

from __future__ import annotations

import os
import re
from collections.abc import Callable
from pathlib import Path

import pytest

from fengkong.access.roles_doc import commands_markdown, grants_markdown, routes_markdown

DOC = Path(__file__).resolve().parents[2] / "docs" / "roles.md"


@pytest.mark.parametrize(
    ("name", "render"),
    [("grants", grants_markdown), ("routes", routes_markdown), ("commands", commands_markdown)],
)
def test_the_document_carries_the_generated_table(name: str, render: Callable[[], str]) -> None:
    section = re.compile(
        rf"(<!-- generated: {name} -->\n)(.*?)(<!-- end generated: {name} -->)", re.DOTALL
    )
    text = DOC.read_text(encoding="utf-8")
    found = section.search(text)
    assert found is not None, f"docs/roles.md lost its {name} section marks"
    if os.environ.get("FENGKONG_WRITE_DOCS") == "1":
        DOC.write_text(section.sub(lambda m: m.group(1) + render() + m.group(3), text), "utf-8")
        return
    assert found.group(2) == render(), (
        "docs/roles.md is out of date: FENGKONG_WRITE_DOCS=1 pytest " + __file__
    )
