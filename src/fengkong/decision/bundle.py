"""A policy as stored with the decisions it made: its document and every JDM table it names,
hashed together, so a decision replays against exactly what decided it."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

from fengkong.core.errors import IntegrityBroken
from fengkong.decision.compiler import compile_policy
from fengkong.decision.document import parse_document
from fengkong.decision.policy import CompiledPolicy
from fengkong.decision.pricing import price_cap_from_config

SHIPPED = "retail-v3.yaml"


@dataclass(frozen=True, slots=True)
class PolicyBundle:
    source: str
    document: str
    tables: Mapping[str, str] = field(default_factory=dict)
    cap: Mapping[str, str] = field(default_factory=dict)  # price_cap_from_config's input

    @property
    def sha256(self) -> str:
        body = json.dumps(
            {"document": self.document, "tables": dict(self.tables), "cap": dict(self.cap)},
            sort_keys=True,
            ensure_ascii=False,
        )
        return hashlib.sha256(body.encode()).hexdigest()

    def as_dict(self) -> dict[str, Any]:
        return {
            "source": self.source,
            "document": self.document,
            "tables": dict(self.tables),
            "cap": dict(self.cap),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any], expected_sha256: str) -> PolicyBundle:
        bundle = cls(data["source"], data["document"], dict(data["tables"]), dict(data["cap"]))
        if bundle.sha256 != expected_sha256:
            raise IntegrityBroken(
                f"stored policy bundle hashes to {bundle.sha256}, expected {expected_sha256}"
            )
        return bundle

    def compile(self, *, check_prices: bool = True) -> CompiledPolicy:
        """The compiled policy; `check_prices=False` only for a bundle whose prices this code has
        already found within its cap (the check adds findings, never changes the policy)."""
        cap = price_cap_from_config(dict(self.cap) or None)
        return compile_policy(
            self.document,
            cap=cap,
            source=self.source,
            tables=self.tables,
            check_prices=check_prices,
        )


def read_shipped_bundle(name: str = SHIPPED, cap: Mapping[str, str] | None = None) -> PolicyBundle:
    """A policy shipped in `fengkong/decision/policies/`, with the tables it names."""
    folder = resources.files("fengkong.decision").joinpath("policies")
    text = folder.joinpath(name).read_text(encoding="utf-8")
    names = _table_names(text, name)
    tables = {n: folder.joinpath(n).read_text(encoding="utf-8") for n in names}
    return PolicyBundle(name, text, tables, dict(cap or {}))


def read_bundle(path: Path | None = None, cap: Mapping[str, str] | None = None) -> PolicyBundle:
    """The policy at `path` (tables beside it), or the shipped default."""
    if path is None:
        return read_shipped_bundle(SHIPPED, cap)
    text = path.read_text(encoding="utf-8")
    names = _table_names(text, str(path))
    tables = {}
    for name in names:
        table = path.parent / name
        if table.exists():
            tables[name] = table.read_text(encoding="utf-8")
    return PolicyBundle(path.name, text, tables, dict(cap or {}))


def _table_names(text: str, source: str) -> list[str]:
    try:
        data = parse_document(text, source).data
    except Exception:  # the compiler reports document errors with their lines
        return []
    fraud = data.get("fraud") if isinstance(data, dict) else None
    tables = fraud.get("tables") if isinstance(fraud, dict) else None
    return [t for t in tables if isinstance(t, str)] if isinstance(tables, list) else []


@dataclass(frozen=True, slots=True)
class ActivePolicy:
    """A policy ready to decide: the stored bundle, its compiled form and its hash (worked out
    once: every decision records it)."""

    bundle: PolicyBundle
    compiled: CompiledPolicy
    sha256: str

    @classmethod
    def of(cls, bundle: PolicyBundle, *, prices_checked: bool = False) -> ActivePolicy:
        """`bundle` compiled; `prices_checked` when its prices were found within its cap before,
        by this code (`wiring.configured_policy`)."""
        return cls(bundle, bundle.compile(check_prices=not prices_checked), bundle.sha256)

    @property
    def version(self) -> str:
        return self.compiled.label


class PolicyCache:
    """Registry policies compiled once per document; until the registry activates one, the
    configured policy (`fallback`) decides."""

    def __init__(self, fallback: ActivePolicy, cap: Mapping[str, str]) -> None:
        self.fallback = fallback
        self.cap = dict(cap)
        self._compiled: dict[str, ActivePolicy] = {}
        self.stored: set[str] = set()  # bundles known to be in policy_bundles already

    def of(self, version: str, document: str) -> ActivePolicy:
        """The stored policy `version`, compiled the first time its document is seen."""
        key = hashlib.sha256(document.encode()).hexdigest()
        if key not in self._compiled:
            folder = resources.files("fengkong.decision").joinpath("policies")
            tables = {
                n: folder.joinpath(n).read_text(encoding="utf-8")
                for n in _table_names(document, version)
                if folder.joinpath(n).is_file()
            }
            self._compiled[key] = self._activate(PolicyBundle(version, document, tables, self.cap))
        return self._compiled[key]

    def _activate(self, bundle: PolicyBundle) -> ActivePolicy:
        """`bundle` ready to decide. The configured policy, once submitted and activated, comes
        back from the registry under its version: the same document, tables and cap (the same
        hash) compile to the same policy, so the one compiled at start-up serves (the bundle kept
        is the registry's, which names its version)."""
        if bundle.sha256 == self.fallback.sha256:
            return ActivePolicy(bundle, self.fallback.compiled, self.fallback.sha256)
        return ActivePolicy.of(bundle)
