"""Lending sits below decision and above the rest of the domain: none of its modules imports
decision, an adapter (db) or a shell (api, cli, sim, bootstrap, demo), at the top or inside a
function. What it needs from above comes through the Protocols it declares (`lending.ports`)."""

from __future__ import annotations

import ast
from pathlib import Path

import fengkong.lending

HIGHER = ("decision", "db", "api", "cli", "web", "sim", "bootstrap", "demo")


def _imports(path: Path) -> list[str]:
    names: list[str] = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module:
            names.append(node.module)
        elif isinstance(node, ast.Import):
            names.extend(a.name for a in node.names)
    return names


def test_no_lending_module_imports_a_higher_package() -> None:
    folder = Path(fengkong.lending.__file__).parent
    found = [
        f"{path.name}: {name}"
        for path in sorted(folder.glob("*.py"))
        for name in _imports(path)
        if name.split(".")[:2] in (["fengkong", h] for h in HIGHER)
    ]
    assert found == []


def test_the_old_service_module_is_gone() -> None:
    assert not (Path(fengkong.lending.__file__).parent / "service.py").exists()
