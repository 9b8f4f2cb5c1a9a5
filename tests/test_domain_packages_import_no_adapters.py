"""The domain packages below `decision/` import no adapter and no shell: `fraud/`, `onboarding/`,
`scoring/`, `ledger/` and `audit/` never import `db`, `sim`, `api`, `cli`, `bootstrap` or `demo`
(counting imports inside functions too), and `audit/` imports only `core/`."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE_ROOT = Path(__file__).resolve().parents[1] / "src" / "fengkong"
SHELLS_AND_ADAPTERS = frozenset({"db", "sim", "api", "cli", "bootstrap", "demo"})


def _imported_packages(package: str) -> set[tuple[str, str]]:
    """(module file, imported top-level fengkong package) for every import under `package`."""
    found: set[tuple[str, str]] = set()
    for path in sorted((PACKAGE_ROOT / package).rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names = [node.module]
            else:
                continue
            for name in names:
                parts = name.split(".")
                if parts[0] == "fengkong" and len(parts) > 1:
                    found.add((str(path.relative_to(PACKAGE_ROOT)), parts[1]))
    return found


@pytest.mark.parametrize("package", ["fraud", "onboarding", "scoring", "ledger", "audit"])
def test_domain_package_imports_no_adapter_or_shell(package: str) -> None:
    wrong = sorted((f, p) for f, p in _imported_packages(package) if p in SHELLS_AND_ADAPTERS)
    assert not wrong, f"{package}/ imports adapters or shells: {wrong}"


def test_audit_imports_only_core() -> None:
    wrong = sorted((f, p) for f, p in _imported_packages("audit") if p not in {"audit", "core"})
    assert not wrong, f"audit/ imports beyond core: {wrong}"
