"""GoRules JDM decision tables, evaluated natively and exactly as `zen-engine` evaluates them.

A JDM file is a decision graph. We accept the graph an analyst draws for one table: an input
node, one `decisionTableNode`, an output node, joined by edges. The table's hit policy is `first`
(the first matching rule's outputs, `{}` when none matches) or `collect` (a list, in rule order).

Input cells are unary tests on the column's value; the subset below is implemented to match
zen-engine 2.x exactly (a seeded test runs both on the same inputs), and anything else is refused
at load with the rule and column, so a table never means one thing here and another in the editor:

| cell | matches |
| --- | --- |
| empty | anything |
| `600`, `"A"`, `'A'`, `true`, `null`, or a comma list `"A", "B"` | equal to one (types must agree) |
| `== v`, `!= v` | equal / not equal (`!=` also holds for other types and for null) |
| `< n`, `<= n`, `> n`, `>= n` | numeric comparison; a non-number never matches |
| `[a..b]`, `(a..b)`, `[a..b)`, `(a..b]` | numeric interval; a non-number never matches |

`-` is refused: zen-engine does not read it as "any" (it never matches there). Output cells are
literals (number, string, `true`, `false`, `null`); an empty output cell leaves its field out.
Output fields with dots (`fraud.outcome`) nest, as in zen. Input fields are dotted names; a fact is
looked up under the whole name first (our flat facts), then by walking nested mappings (zen's).
"""

from __future__ import annotations

import json
import operator
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum
from pathlib import Path
from typing import Any

from fengkong.core.errors import FieldError, Invalid

Facts = Mapping[str, object]
Cell = Callable[[object], bool]
Output = dict[str, Any]


class HitPolicy(StrEnum):
    FIRST = "first"
    COLLECT = "collect"


class JdmError(Invalid):
    """A JDM document we cannot evaluate exactly as zen-engine does."""


_IDENT = r"[A-Za-z_$][A-Za-z0-9_$]*"
_FIELD = re.compile(rf"{_IDENT}(?:\.{_IDENT})*")
_NUM = r"-?\d+(?:\.\d+)?"
_STR = r"\"[^\"\\]*\"|'[^'\\]*'"
_LITERAL = re.compile(rf"\s*(?:(?P<n>{_NUM})|(?P<s>{_STR})|(?P<k>true|false|null))\s*")
_COMPARISON = re.compile(r"\s*(==|!=|<=|>=|<|>)\s*(.+?)\s*")
_INTERVAL = re.compile(rf"\s*([\[(])\s*({_NUM})\s*\.\.\s*({_NUM})\s*([\])])\s*")
_MAX_DIGITS = 15  # up to 15 significant digits a float and a decimal literal agree exactly
_ABSENT = object()
_ORDER: dict[str, Callable[[Any, Any], bool]] = {
    "<": operator.lt,
    "<=": operator.le,
    ">": operator.gt,
    ">=": operator.ge,
}


@dataclass(frozen=True, slots=True)
class Column:
    id: str
    name: str
    field: str


@dataclass(frozen=True, slots=True)
class _Rule:
    tests: tuple[tuple[Callable[[Facts], object], Cell], ...]
    outputs: tuple[tuple[tuple[str, ...], object], ...]


@dataclass(frozen=True, slots=True)
class JdmTable:
    name: str
    hit_policy: HitPolicy
    inputs: tuple[Column, ...]
    outputs: tuple[Column, ...]
    rules: tuple[_Rule, ...]

    @property
    def fields(self) -> tuple[str, ...]:
        return tuple(column.field for column in self.inputs)

    def evaluate(self, facts: Facts) -> Output | list[Output]:
        """Zen-shaped result: a dict for `first`, a list of dicts for `collect`."""
        if self.hit_policy is HitPolicy.FIRST:
            for rule in self.rules:
                if _matches(rule, facts):
                    return _build(rule.outputs)
            return {}
        return [_build(rule.outputs) for rule in self.rules if _matches(rule, facts)]


def _matches(rule: _Rule, facts: Facts) -> bool:
    return all(cell(read(facts)) for read, cell in rule.tests)


def _build(outputs: tuple[tuple[tuple[str, ...], object], ...]) -> Output:
    out: Output = {}
    for path, value in outputs:
        if len(path) == 1:
            out[path[0]] = value
            continue
        here = out
        for part in path[:-1]:
            here = here.setdefault(part, {})
        here[path[-1]] = value
    return out


def _reader(field: str) -> Callable[[Facts], object]:
    parts = tuple(field.split("."))

    def read(facts: Facts) -> object:
        value = facts.get(field, _ABSENT)
        if value is not _ABSENT:
            return value
        here: object = facts
        for part in parts:
            if not isinstance(here, Mapping):
                return None
            here = here.get(part)
        return here

    return read


def _is_number(value: object) -> bool:
    return value.__class__ in (int, float, Decimal)


@dataclass(frozen=True, slots=True)
class _Number:
    exact: int | Decimal
    binary: float

    def of(self, value: object) -> int | float | Decimal:
        return self.binary if value.__class__ is float else self.exact


def _number(text: str) -> _Number:
    digits = text.lstrip("-").replace(".", "").lstrip("0")
    if len(digits) > _MAX_DIGITS:
        raise ValueError(f"{text} has more than {_MAX_DIGITS} significant digits")
    value = Decimal(text)
    exact: int | Decimal = int(value) if "." not in text else value
    return _Number(exact, float(value))


def _literal(text: str) -> tuple[str, object]:
    """('number', _Number) | ('string', str) | ('bool', bool) | ('null', None)."""
    match = _LITERAL.fullmatch(text)
    if match is None:
        raise ValueError(f"not a literal: {text!r}")
    if match.group("n") is not None:
        return "number", _number(match.group("n"))
    if match.group("s") is not None:
        return "string", match.group("s")[1:-1]
    keyword = match.group("k")
    return ("null", None) if keyword == "null" else ("bool", keyword == "true")


def _equals(kind: str, literal: object) -> Cell:
    if kind == "null":
        return lambda value: value is None
    if kind == "bool":
        return lambda value: value is literal
    if kind == "string":
        return lambda value: value.__class__ is str and value == literal
    number = literal
    assert isinstance(number, _Number)
    return lambda value: _is_number(value) and value == number.of(value)


def _split_list(text: str) -> list[str]:
    parts: list[str] = []
    at = 0
    for match in re.finditer(rf"{_STR}|,", text):
        if match.group() == ",":
            parts.append(text[at : match.start()])
            at = match.end()
    parts.append(text[at:])
    return parts


def compile_cell(text: str) -> Cell | None:
    """The test for one input cell (None when empty: it matches anything); ValueError if unsupported."""
    body = text.strip()
    if body == "":
        return None
    if body == "-":
        raise ValueError("'-' is not 'any' in zen-engine (it never matches); leave the cell empty")
    interval = _INTERVAL.fullmatch(body)
    if interval:
        opening, low_text, high_text, closing = interval.groups()
        low, high = _number(low_text), _number(high_text)
        low_open, high_open = opening == "(", closing == ")"

        def within(value: object) -> bool:
            if not _is_number(value):
                return False
            lo, hi = low.of(value), high.of(value)
            above = value > lo if low_open else value >= lo  # type: ignore[operator]
            below = value < hi if high_open else value <= hi  # type: ignore[operator]
            return bool(above and below)

        return within
    comparison = _COMPARISON.fullmatch(body)
    if comparison:
        op, operand = comparison.groups()
        kind, literal = _literal(operand)
        if op in ("==", "!="):
            equal = _equals(kind, literal)
            return equal if op == "==" else (lambda value: not equal(value))
        if kind != "number":
            raise ValueError(f"{op} needs a number, not {operand!r}")
        number = literal
        assert isinstance(number, _Number)
        compare: Callable[[Any, Any], bool] = _ORDER[op]
        return lambda value: _is_number(value) and bool(compare(value, number.of(value)))
    tests = tuple(_equals(*_literal(part)) for part in _split_list(body))
    if len(tests) == 1:
        return tests[0]
    return lambda value: any(test(value) for test in tests)


def compile_output(text: str) -> object:
    kind, literal = _literal(text)
    if kind == "number":
        assert isinstance(literal, _Number)
        return literal.exact
    return literal


def parse_jdm(text: str, source: str = "<jdm>") -> JdmTable:
    """Read a JDM graph holding one decision table; `JdmError` names each unsupported part."""
    try:
        graph = json.loads(text)
    except json.JSONDecodeError as exc:
        raise JdmError(
            (FieldError((), f"line {exc.lineno}, column {exc.colno}: not valid JSON: {exc.msg}"),)
        ) from exc
    errors: list[FieldError] = []

    def fail(loc: tuple[str | int, ...], msg: str) -> None:
        errors.append(FieldError(loc, f"{source}: {msg}"))

    nodes = graph.get("nodes") if isinstance(graph, dict) else None
    if not isinstance(nodes, list):
        raise JdmError((FieldError(("nodes",), f"{source}: a JDM graph has a list of nodes"),))
    kinds = [node.get("type") if isinstance(node, dict) else None for node in nodes]
    tables = [n for n, kind in zip(nodes, kinds, strict=True) if kind == "decisionTableNode"]
    others = sorted(
        {str(k) for k in kinds if k not in ("inputNode", "outputNode", "decisionTableNode")}
    )
    if others:
        fail(("nodes",), f"only input, output and decision table nodes are supported: {others}")
    if len(tables) != 1:
        fail(("nodes",), f"exactly one decision table is supported, found {len(tables)}")
    if errors:
        raise JdmError(tuple(errors))
    node = tables[0]
    content = node.get("content")
    if not isinstance(content, dict):
        raise JdmError((FieldError(("content",), f"{source}: the table has no content"),))
    try:
        hit = HitPolicy(str(content.get("hitPolicy")))
    except ValueError:
        fail(
            ("hitPolicy",), f"hit policy must be 'first' or 'collect': {content.get('hitPolicy')!r}"
        )
        hit = HitPolicy.FIRST
    for option in ("inputField", "outputPath"):
        if content.get(option):
            fail((option,), f"{option} is not supported")
    if content.get("passThrough"):
        fail(("passThrough",), "passThrough is not supported")
    if content.get("executionMode", "single") != "single":
        fail(("executionMode",), "only the single execution mode is supported")
    inputs = _columns(content.get("inputs"), "inputs", fail)
    outputs = _columns(content.get("outputs"), "outputs", fail)
    rules: list[_Rule] = []
    raw_rules = content.get("rules")
    if not isinstance(raw_rules, list):
        fail(("rules",), "rules must be a list")
        raw_rules = []
    for index, raw in enumerate(raw_rules):
        if not isinstance(raw, dict):
            fail(("rules", index), "a rule is a mapping of column id to cell")
            continue
        tests: list[tuple[Callable[[Facts], object], Cell]] = []
        for column in inputs:
            cell_text = raw.get(column.id, "")
            try:
                if not isinstance(cell_text, str):
                    raise ValueError("a cell is text")
                cell = compile_cell(cell_text)
            except ValueError as exc:
                fail(
                    ("rules", index, column.name), f"rule {index + 1}, input {column.name!r}: {exc}"
                )
                continue
            if cell is not None:
                tests.append((_reader(column.field), cell))
        produced: list[tuple[tuple[str, ...], object]] = []
        for column in outputs:
            cell_text = raw.get(column.id, "")
            if not isinstance(cell_text, str) or not cell_text.strip():
                continue
            try:
                produced.append((tuple(column.field.split(".")), compile_output(cell_text)))
            except ValueError:
                fail(
                    ("rules", index, column.name),
                    f"rule {index + 1}, output {column.name!r}: only literals are supported "
                    f'(number, "text", true, false, null): {cell_text!r}',
                )
        rules.append(_Rule(tuple(tests), tuple(produced)))
    if errors:
        raise JdmError(tuple(errors))
    return JdmTable(str(node.get("name", "")), hit, inputs, outputs, tuple(rules))


def _columns(
    raw: object, where: str, fail: Callable[[tuple[str | int, ...], str], None]
) -> tuple[Column, ...]:
    if not isinstance(raw, list):
        fail((where,), f"{where} must be a list")
        return ()
    columns: list[Column] = []
    for index, item in enumerate(raw):
        if not isinstance(item, dict) or not isinstance(item.get("id"), str):
            fail((where, index), "a column needs an id")
            continue
        field = item.get("field")
        if not isinstance(field, str) or not _FIELD.fullmatch(field):
            fail(
                (where, index),
                f"column {item.get('name', index)!r}: the field must be a dotted name of "
                f"identifiers (zen reads it as an expression): {field!r}",
            )
            continue
        columns.append(Column(item["id"], str(item.get("name", item["id"])), field))
    return tuple(columns)


def load_jdm(path: Path) -> JdmTable:
    return parse_jdm(path.read_text(encoding="utf-8"), str(path))
