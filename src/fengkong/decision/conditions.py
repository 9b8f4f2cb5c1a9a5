"""A small, safe condition language over named facts, compiled to plain Python closures.

    age < 18 or age > 65
    lists.black_hit or lists.grey_hit and not customer.returning
    purpose in ["car", "education"]
    velocity.id.24h.count between 3 and 5
    consent.credit_bureau is missing

Grammar (keywords in lower case; `not` binds tighter than `and`, `and` tighter than `or`):

    condition  := or
    or         := and ("or" and)*
    and        := unary ("and" unary)*
    unary      := "not" unary | "(" condition ")" | test
    test       := operand (cmp operand | ["not"] "in" list | ["not"] "between" operand "and" operand
                           | "is" ["not"] "missing")?
    cmp        := "==" | "!=" | "<" | "<=" | ">" | ">="
    operand    := NAME | NUMBER | STRING | "true" | "false"
    list       := "[" literal ("," literal)* "]"

A bare NAME is a test only when the fact is a flag. Nothing is ever passed to `eval`.

A test that reads an absent fact (missing or `None`) raises `MissingFact`; `and`/`or` follow
Kleene's three-valued logic, so `age < 18 or lists.black_hit` is true when the list hit is true
even if the age is missing, and raises only when the answer truly depends on the missing fact.
"""

from __future__ import annotations

import operator
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from fengkong.decision.catalogue import FeatureCatalogue, FeatureKind, resolve

Facts = Mapping[str, object]
Test = Callable[[Facts], bool]


class MissingFact(Exception):
    """A rule needed `name` and the facts lack it."""

    def __init__(self, name: str) -> None:
        super().__init__(name)
        self.name = name


class ConditionError(ValueError):
    """A condition that does not parse or does not type-check; `column` is 1-based."""

    def __init__(self, message: str, column: int) -> None:
        super().__init__(message)
        self.column = column


@dataclass(frozen=True, slots=True)
class Condition:
    text: str
    test: Test
    reads: tuple[str, ...]  # the facts it may read, in order of first mention


_TOKEN = re.compile(
    r"""\s*(?:
      (?P<number>-?\d+(?:\.\d+)?)(?![A-Za-z_])
    | (?P<string>"[^"\\]*"|'[^'\\]*')
    | (?P<op>==|!=|<=|>=|<|>|\(|\)|\[|\]|,)
    | (?P<name>[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z0-9_]+)*)
    )""",
    re.VERBOSE,
)
_KEYWORDS = frozenset({"and", "or", "not", "in", "between", "is", "missing", "true", "false"})
_COMPARE: dict[str, Callable[[Any, Any], bool]] = {
    "==": operator.eq,
    "!=": operator.ne,
    "<": operator.lt,
    "<=": operator.le,
    ">": operator.gt,
    ">=": operator.ge,
}
_ORDERING = frozenset({"<", "<=", ">", ">="})


@dataclass(frozen=True, slots=True)
class _Token:
    kind: str  # number, string, op, name, keyword, end
    text: str
    column: int


@dataclass(frozen=True, slots=True)
class _Name:
    name: str
    kind: FeatureKind


@dataclass(frozen=True, slots=True)
class _Literal:
    value: object
    kind: FeatureKind


_Operand = _Name | _Literal


def _tokens(text: str) -> list[_Token]:
    out: list[_Token] = []
    at = 0
    while at < len(text):
        if text[at:].strip() == "":
            break
        match = _TOKEN.match(text, at)
        if match is None or match.end() == at:
            column = at + len(text[at:]) - len(text[at:].lstrip()) + 1
            raise ConditionError(f"unexpected character {text[column - 1]!r}", column)
        kind = match.lastgroup or ""
        value = match.group(kind)
        column = match.start(kind) + 1
        if kind == "name" and value in _KEYWORDS:
            kind = "keyword"
        out.append(_Token(kind, value, column))
        at = match.end()
    out.append(_Token("end", "", len(text) + 1))
    return out


def _number(text: str) -> int | Decimal:
    value = Decimal(text)
    return int(value) if value == value.to_integral_value() and "." not in text else value


class _Parser:
    def __init__(self, text: str, catalogue: FeatureCatalogue) -> None:
        self.text = text
        self.catalogue = catalogue
        self.tokens = _tokens(text)
        self.at = 0
        self.reads: list[str] = []

    def peek(self) -> _Token:
        return self.tokens[self.at]

    def take(self) -> _Token:
        token = self.tokens[self.at]
        self.at += 1
        return token

    def accept(self, text: str) -> bool:
        token = self.peek()
        if token.kind in ("op", "keyword") and token.text == text:
            self.at += 1
            return True
        return False

    def expect(self, text: str) -> None:
        token = self.peek()
        if not self.accept(text):
            raise ConditionError(
                f"expected {text!r}, found {token.text or 'the end'!r}", token.column
            )

    def parse(self) -> Test:
        test = self.disjunction()
        token = self.peek()
        if token.kind != "end":
            raise ConditionError(f"unexpected {token.text!r}", token.column)
        return test

    def disjunction(self) -> Test:
        parts = [self.conjunction()]
        while self.accept("or"):
            parts.append(self.conjunction())
        return parts[0] if len(parts) == 1 else _any_of(tuple(parts))

    def conjunction(self) -> Test:
        parts = [self.unary()]
        while self.accept("and"):
            parts.append(self.unary())
        return parts[0] if len(parts) == 1 else _all_of(tuple(parts))

    def unary(self) -> Test:
        if self.accept("not"):
            inner = self.unary()
            return lambda facts: not inner(facts)
        if self.accept("("):
            inner = self.disjunction()
            self.expect(")")
            return inner
        return self.test()

    def operand(self) -> _Operand:
        token = self.take()
        if token.kind == "number":
            return _Literal(_number(token.text), FeatureKind.NUMBER)
        if token.kind == "string":
            return _Literal(token.text[1:-1], FeatureKind.TEXT)
        if token.kind == "keyword" and token.text in ("true", "false"):
            return _Literal(token.text == "true", FeatureKind.FLAG)
        if token.kind == "name":
            spec = resolve(self.catalogue, token.text)
            if spec is None:
                raise ConditionError(f"unknown feature {token.text!r}", token.column)
            if token.text not in self.reads:
                self.reads.append(token.text)
            return _Name(token.text, spec.kind)
        raise ConditionError(
            f"expected a feature name or a value, found {token.text or 'the end'!r}", token.column
        )

    def test(self) -> Test:
        start = self.peek()
        left = self.operand()
        token = self.peek()
        if token.kind == "op" and token.text in _COMPARE:
            self.take()
            right = self.operand()
            _check_kinds(left, right, token.text, start.column)
            return _compare(left, token.text, right)
        negated = False
        if token.kind == "keyword" and token.text == "not":
            following = self.tokens[self.at + 1]
            if following.kind == "keyword" and following.text in ("in", "between"):
                self.take()
                negated = True
        if self.accept("in"):
            values = self.literal_list(left, start.column)
            test = _membership(left, values)
        elif self.accept("between"):
            low = self.operand()
            self.expect("and")
            high = self.operand()
            for bound in (low, high):
                _check_kinds(left, bound, "between", start.column)
            test = _between(left, low, high)
        elif self.accept("is"):
            negative = self.accept("not")
            self.expect("missing")
            if not isinstance(left, _Name):
                raise ConditionError("only a feature can be missing", start.column)
            return _presence(left.name, missing=not negative)
        else:
            if isinstance(left, _Name) and left.kind is FeatureKind.FLAG:
                return _compare(left, "==", _Literal(True, FeatureKind.FLAG))
            raise ConditionError(
                f"{_describe(left)} is not a test on its own; compare it with something",
                start.column,
            )
        if negated:
            inner = test
            return lambda facts: not inner(facts)
        return test

    def literal_list(self, left: _Operand, column: int) -> frozenset[object]:
        self.expect("[")
        values: list[object] = []
        while True:
            item = self.operand()
            if not isinstance(item, _Literal):
                raise ConditionError("a list holds values, not feature names", column)
            _check_kinds(left, item, "in", column)
            values.append(item.value)
            if self.accept("]"):
                return frozenset(values)
            self.expect(",")


def _describe(operand: _Operand) -> str:
    if isinstance(operand, _Name):
        return f"{operand.name!r} ({operand.kind})"
    return f"{operand.value!r} ({operand.kind})"


def _check_kinds(left: _Operand, right: _Operand, op: str, column: int) -> None:
    if left.kind is not right.kind:
        raise ConditionError(
            f"{_describe(left)} cannot be compared with {_describe(right)}: kinds differ", column
        )
    if (op in _ORDERING or op == "between") and left.kind is not FeatureKind.NUMBER:
        raise ConditionError(f"{op!r} needs numbers, not {_describe(left)}", column)


def _reader(operand: _Operand) -> Callable[[Facts], object]:
    if isinstance(operand, _Literal):
        value = operand.value
        return lambda facts: value
    name = operand.name
    exact = operand.kind is FeatureKind.NUMBER

    def read(facts: Facts) -> object:
        value = facts.get(name)
        if value is None:
            raise MissingFact(name)
        if exact and value.__class__ is float:
            return Decimal(repr(value))  # compare a float by the decimal it prints as
        return value

    return read


def _compare(left: _Operand, op: str, right: _Operand) -> Test:
    compare = _COMPARE[op]
    if isinstance(left, _Literal) and isinstance(right, _Name):
        flipped = {"<": ">", "<=": ">=", ">": "<", ">=": "<="}.get(op, op)
        return _compare(right, flipped, left)
    read_left = _reader(left)
    if isinstance(right, _Literal):
        value = right.value
        return lambda facts: bool(compare(read_left(facts), value))
    read_right = _reader(right)
    return lambda facts: bool(compare(read_left(facts), read_right(facts)))


def _membership(left: _Operand, values: frozenset[object]) -> Test:
    read = _reader(left)
    return lambda facts: read(facts) in values


def _between(left: _Operand, low: _Operand, high: _Operand) -> Test:
    read, read_low, read_high = _reader(left), _reader(low), _reader(high)
    return lambda facts: bool(read_low(facts) <= read(facts) <= read_high(facts))  # type: ignore[operator]


def _presence(name: str, *, missing: bool) -> Test:
    if missing:
        return lambda facts: facts.get(name) is None
    return lambda facts: facts.get(name) is not None


def _any_of(tests: tuple[Test, ...]) -> Test:
    def any_of(facts: Facts) -> bool:
        unknown: MissingFact | None = None
        for test in tests:
            try:
                if test(facts):
                    return True
            except MissingFact as exc:
                unknown = unknown or exc
        if unknown is not None:
            raise unknown
        return False

    return any_of


def _all_of(tests: tuple[Test, ...]) -> Test:
    def all_of(facts: Facts) -> bool:
        unknown: MissingFact | None = None
        for test in tests:
            try:
                if not test(facts):
                    return False
            except MissingFact as exc:
                unknown = unknown or exc
        if unknown is not None:
            raise unknown
        return True

    return all_of


def compile_condition(text: str, catalogue: FeatureCatalogue) -> Condition:
    """Parse and type-check `text` against `catalogue`; raises `ConditionError` with a column."""
    if not isinstance(text, str) or not text.strip():
        raise ConditionError("a condition must be non-empty text", 1)
    parser = _Parser(text, catalogue)
    test = parser.parse()
    return Condition(text, test, tuple(parser.reads))
