"""The import-linter contracts in pyproject.toml only guard what they name: every package (and
top-level module) of src/fengkong must sit in a layer, and every lending module must be classed
as a rule or a use case, so that a new one cannot slip past the map."""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
PACKAGE_ROOT = ROOT / "src" / "fengkong"


def _contract(contract_id: str) -> dict[str, Any]:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    contracts = config["tool"]["importlinter"]["contracts"]
    return next(c for c in contracts if c["id"] == contract_id)


def _python_packages_and_modules() -> set[str]:
    packages = {p.name for p in PACKAGE_ROOT.iterdir() if (p / "__init__.py").exists()}
    modules = {p.stem for p in PACKAGE_ROOT.glob("*.py") if p.name != "__init__.py"}
    return packages | modules


def test_every_package_sits_in_a_layer() -> None:
    named = {
        part.strip().removeprefix("fengkong.")
        for layer in _contract("layers")["layers"]
        for part in layer.replace(":", "|").split("|")
    }
    assert _python_packages_and_modules() == named


def test_every_lending_module_is_a_rule_or_a_use_case() -> None:
    contract = _contract("lending-rules")
    rules = {m.removeprefix("fengkong.lending.") for m in contract["source_modules"]}
    use_cases = {m.removeprefix("fengkong.lending.") for m in contract["forbidden_modules"]}
    on_disk = {p.stem for p in (PACKAGE_ROOT / "lending").glob("*.py") if p.name != "__init__.py"}
    assert not rules & use_cases
    assert rules | use_cases == on_disk
