"""Policy documents as plain data that remembers where each value was written.

A document is YAML (JSON parses the same way, being close enough to a subset of it). It is read
through PyYAML's composer, so every mapping key, list item and scalar keeps the line it came from,
and every finding about it can say `line 12: …`. Floats are read as `Decimal` from the text the
author typed, so `0.18` is exactly 0.18 and never a binary float.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

import yaml

from fengkong.core.errors import FieldError, Invalid

Path_ = tuple[str | int, ...]

_FLOAT_TAG = "tag:yaml.org,2002:float"


class PolicyError(Invalid):
    """A document refused at load; each `FieldError.msg` starts with `line N:`."""


@dataclass(frozen=True, slots=True)
class Finding:
    path: Path_
    message: str


@dataclass(frozen=True, slots=True)
class Document:
    data: Any  # dicts, lists and scalars; non-integral numbers are Decimal
    lines: Mapping[Path_, int]  # 1-based line of the value at each path
    source: str

    def line(self, path: Path_) -> int:
        """The line of `path`, or of its nearest ancestor that has one."""
        while path:
            found = self.lines.get(path)
            if found is not None:
                return found
            path = path[:-1]
        return self.lines.get((), 1)

    def error(self, findings: Iterable[Finding]) -> PolicyError:
        errors = tuple(
            FieldError(f.path, f"line {self.line(f.path)}: {f.message}")
            for f in sorted(findings, key=lambda f: self.line(f.path))
        )
        return PolicyError(errors, f"{self.source}: " + "; ".join(e.msg for e in errors))


def parse_document(text: str, source: str = "<policy>") -> Document:
    """Parse YAML or JSON text; syntax errors and duplicate keys are refused with their line."""
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = f"line {mark.line + 1}, column {mark.column + 1}" if mark else "line 1"
        problem = exc.problem or exc.context or "not valid YAML"
        raise PolicyError(
            (FieldError((), f"{where}: not valid YAML: {problem}"),),
            f"{source}: {where}: {problem}",
        ) from exc
    except yaml.YAMLError as exc:
        raise PolicyError((FieldError((), f"line 1: not valid YAML: {exc}"),)) from exc
    if node is None:
        raise PolicyError((FieldError((), "line 1: the document is empty"),))
    lines: dict[Path_, int] = {}
    findings: list[Finding] = []
    constructor = yaml.SafeLoader("")
    data = _plain(node, (), lines, findings, constructor)
    doc = Document(data, lines, source)
    if findings:
        raise doc.error(findings)
    return doc


def _plain(
    node: yaml.Node,
    path: Path_,
    lines: dict[Path_, int],
    findings: list[Finding],
    constructor: yaml.SafeLoader,
) -> Any:
    lines[path] = node.start_mark.line + 1
    if isinstance(node, yaml.MappingNode):
        out: dict[str, Any] = {}
        for key_node, value_node in node.value:
            key = constructor.construct_object(key_node)
            if not isinstance(key, str | int) or isinstance(key, bool):
                lines[(*path, str(key))] = key_node.start_mark.line + 1
                findings.append(Finding((*path, str(key)), f"a key must be text: {key!r}"))
                continue
            key = str(key)
            if key in out:
                lines[(*path, key)] = key_node.start_mark.line + 1
                findings.append(Finding((*path, key), f"duplicate key {key!r}"))
                continue
            out[key] = _plain(value_node, (*path, key), lines, findings, constructor)
        return out
    if isinstance(node, yaml.SequenceNode):
        return [
            _plain(item, (*path, index), lines, findings, constructor)
            for index, item in enumerate(node.value)
        ]
    if node.tag == _FLOAT_TAG:
        try:
            number = Decimal(str(node.value).replace("_", ""))
        except InvalidOperation:
            number = Decimal("NaN")
        if not number.is_finite():
            findings.append(Finding(path, f"not a finite number: {node.value!r}"))
        return number
    return constructor.construct_object(node)
