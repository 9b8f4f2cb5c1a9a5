"""Early-warning rules over the daily portfolio snapshots, and their evaluation, pure.

A rule watches one figure (`METRICS`) of one segment, every segment of one dimension, or the
whole book, and fires on a date when:

- `level`: the figure is above (or below) a threshold that day;
- `change`: the figure moved against its value `days` days earlier by more than the threshold,
  `absolute` (value − earlier) or `relative` ((value − earlier) / earlier); `above` watches a
  rise, `below` a fall (give a negative threshold: "down 10 %" is below −0.10);
- `trend`: the figure rose (or fell) on each of the last `days` days: `days + 1` consecutive
  snapshots, each strictly above (below) the one before.

A figure that is null (a rate over an empty denominator), or a snapshot the rule needs that is
missing, gives no signal: nothing is known, so nothing fires. Rules are declared in YAML
(`load_rules`), checked whole when loaded: every error at once, naming the allowed values.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import date, timedelta
from decimal import Decimal, InvalidOperation
from itertools import pairwise
from pathlib import Path
from typing import Any

from fengkong.core.errors import FieldError, Invalid
from fengkong.monitoring.facts import check_segment
from fengkong.monitoring.figures import DIMENSIONS, SegmentFigures

# The figures a rule may watch: the rates (decimals) and the counts and balances (fen).
RATES: tuple[str, ...] = (
    "overdue_rate_count",
    "overdue_rate_balance",
    "m1_plus_rate",
    "m3_plus_rate",
    "write_off_rate",
    "coverage",
    "allowance_coverage",
)
AMOUNTS: tuple[str, ...] = (
    "active_loans",
    "outstanding_fen",
    "overdue_loans",
    "overdue_fen",
    "m1_plus_fen",
    "m3_plus_fen",
    "written_off_loans",
    "written_off_fen",
    "expected_loss_fen",
    "no_pd_loans",
    "no_pd_fen",
    "allowance_fen",
    "reserve_fen",
)
METRICS: tuple[str, ...] = RATES + AMOUNTS
KINDS: tuple[str, ...] = ("level", "change", "trend")
SIDES: tuple[str, ...] = ("above", "below")
MODES: tuple[str, ...] = ("absolute", "relative")
DIRECTIONS: tuple[str, ...] = ("rising", "falling")
SEVERITIES: tuple[str, ...] = ("warning", "critical")
_KEYS: Mapping[str, frozenset[str]] = {
    "level": frozenset({"id", "metric", "kind", "side", "threshold", "scope", "severity"}),
    "change": frozenset(
        {"id", "metric", "kind", "side", "threshold", "days", "mode", "scope", "severity"}
    ),
    "trend": frozenset({"id", "metric", "kind", "direction", "days", "scope", "severity"}),
}
MAX_DAYS = 366

Segment = tuple[str, str]  # dimension, segment
History = Mapping[date, Mapping[Segment, SegmentFigures]]  # snapshot rows by business date


@dataclass(frozen=True, slots=True)
class Scope:
    """Where a rule looks: one segment of a dimension, every segment of it (`segment` None), or
    the whole book (dimension `all`)."""

    dimension: str = "all"
    segment: str | None = None

    def covers(self, where: Segment) -> bool:
        dimension, segment = where
        return dimension == self.dimension and self.segment in (None, segment)


@dataclass(frozen=True, slots=True)
class Rule:
    """One early-warning rule (see the module's docstring). `threshold` is a decimal (a rate,
    a relative change, or a count or fen amount for those figures); `days` is the look-back of
    a change and the run of a trend."""

    rule_id: str
    metric: str
    kind: str
    scope: Scope
    side: str = "above"
    threshold: Decimal = Decimal(0)
    days: int = 0
    mode: str = "absolute"
    direction: str = "rising"
    severity: str = "warning"

    @property
    def look_back(self) -> int:
        """How many days before the evaluated date the rule reads."""
        return 0 if self.kind == "level" else self.days

    def describe(self) -> str:
        """The rule in words (English), for messages and listings."""
        where = self.scope.dimension if self.scope.segment is None else self.scope.segment
        if self.kind == "level":
            return f"{self.metric} {self.side} {self.threshold} ({where})"
        if self.kind == "change":
            return (
                f"{self.metric} {self.mode} change over {self.days} days {self.side} "
                f"{self.threshold} ({where})"
            )
        return f"{self.metric} {self.direction} {self.days} days in a row ({where})"


@dataclass(frozen=True, slots=True)
class Signal:
    """A rule firing for one segment on one date: the figure's value and what it was compared
    with (the threshold, or the value `days` days earlier for a change and a trend)."""

    rule: Rule
    dimension: str
    segment: str
    on: date
    value: Decimal
    baseline: Decimal

    @property
    def key(self) -> tuple[str, str, str]:
        return (self.rule.rule_id, self.dimension, self.segment)

    @property
    def rule_id(self) -> str:
        return self.rule.rule_id

    @property
    def metric(self) -> str:
        return self.rule.metric

    @property
    def kind(self) -> str:
        return self.rule.kind

    @property
    def severity(self) -> str:
        return self.rule.severity

    @property
    def description(self) -> str:
        return self.rule.describe()


def figure(figures: SegmentFigures, metric: str) -> Decimal | None:
    """The value of `metric` in a segment's figures (None for a rate without a denominator)."""
    if metric in RATES:
        return figures.rates()[metric]
    return Decimal(int(getattr(figures, metric)))


def _value(history: History, on: date, where: Segment, metric: str) -> Decimal | None:
    figures = history.get(on, {}).get(where)
    return None if figures is None else figure(figures, metric)


def _beyond(value: Decimal, side: str, threshold: Decimal) -> bool:
    return value > threshold if side == "above" else value < threshold


def _fires(rule: Rule, history: History, on: date, where: Segment) -> Signal | None:
    value = _value(history, on, where, rule.metric)
    if value is None:
        return None
    if rule.kind == "level":
        fired = _beyond(value, rule.side, rule.threshold)
        return Signal(rule, *where, on, value, rule.threshold) if fired else None
    earlier = _value(history, on - timedelta(days=rule.days), where, rule.metric)
    if earlier is None:
        return None
    if rule.kind == "change":
        if rule.mode == "absolute":
            moved = value - earlier
        elif earlier == 0:
            return None  # a relative change from nothing is not a number
        else:
            moved = (value - earlier) / abs(earlier)
        return (
            Signal(rule, *where, on, value, earlier)
            if _beyond(moved, rule.side, rule.threshold)
            else None
        )
    run = [
        _value(history, on - timedelta(days=k), where, rule.metric)
        for k in range(rule.days, -1, -1)
    ]
    if any(v is None for v in run):
        return None
    steps = list(pairwise(run))
    rising = rule.direction == "rising"
    if all((b > a) if rising else (b < a) for a, b in steps):  # type: ignore[operator]
        return Signal(rule, *where, on, value, earlier)
    return None


def evaluate(rules: Iterable[Rule], history: History, on: date) -> tuple[Signal, ...]:
    """Every rule on every segment it covers in the snapshot of `on`, in rule order then
    segment order: the signals that fire."""
    today = history.get(on, {})
    signals: list[Signal] = []
    for rule in rules:
        for where in sorted(w for w in today if rule.scope.covers(w)):
            signal = _fires(rule, history, on, where)
            if signal is not None:
                signals.append(signal)
    return tuple(signals)


# ---- loading --------------------------------------------------------------------------------


class BadRules(Invalid):
    """A rules file that cannot be used: every fault, each naming what is allowed."""


def _choice(
    doc: Mapping[str, Any],
    key: str,
    allowed: tuple[str, ...],
    at: tuple[str | int, ...],
    errors: list[FieldError],
    default: str | None = None,
) -> str:
    value = doc.get(key, default)
    if value not in allowed:
        errors.append(
            FieldError(
                (*at, key),
                f"{value!r} is not one of: {', '.join(allowed)}",
                "enum",
                allowed,
            )
        )
        return allowed[0]
    return str(value)


def _decimal(
    doc: Mapping[str, Any], key: str, at: tuple[str | int, ...], errors: list[FieldError]
) -> Decimal:
    raw = doc.get(key)
    try:
        if raw is None or isinstance(raw, bool):
            raise InvalidOperation
        value = Decimal(str(raw))
        if not value.is_finite():
            raise InvalidOperation
        return value
    except InvalidOperation:
        errors.append(FieldError((*at, key), f"a decimal number is required, not {raw!r}"))
        return Decimal(0)


def _days(doc: Mapping[str, Any], at: tuple[str | int, ...], errors: list[FieldError]) -> int:
    raw = doc.get("days")
    if isinstance(raw, bool) or not isinstance(raw, int) or not 1 <= raw <= MAX_DAYS:
        errors.append(
            FieldError((*at, "days"), f"a whole number of days from 1 to {MAX_DAYS}, not {raw!r}")
        )
        return 1
    return raw


def _scope(raw: Any, at: tuple[str | int, ...], errors: list[FieldError]) -> Scope:
    if raw is None:
        return Scope()
    if not isinstance(raw, Mapping) or set(raw) - {"dimension", "segment"}:
        errors.append(FieldError((*at, "scope"), "a mapping of dimension and, optionally, segment"))
        return Scope()
    dimension = _choice(raw, "dimension", DIMENSIONS, (*at, "scope"), errors, "all")
    segment = raw.get("segment")
    if dimension == "all":
        segment = None if segment in (None, "all") else segment
        if segment is not None:
            errors.append(
                FieldError((*at, "scope", "segment"), "dimension all has the one segment all")
            )
        return Scope()
    if segment is not None and (not isinstance(segment, (str, int)) or not str(segment).strip()):
        errors.append(FieldError((*at, "scope", "segment"), "a segment value, e.g. a product code"))
        return Scope(dimension)
    if segment is None:
        return Scope(dimension)
    value = str(segment).strip()
    if dimension in DIMENSIONS:  # an unknown dimension is reported already
        error = check_segment(dimension, value, (*at, "scope", "segment"))
        if error is not None:
            errors.append(error)
    return Scope(dimension, value)


def _rule(doc: Any, k: int, seen: set[str], errors: list[FieldError]) -> Rule | None:
    at: tuple[str | int, ...] = ("rules", k)
    if not isinstance(doc, Mapping):
        errors.append(FieldError(at, "a rule is a mapping of id, metric, kind…"))
        return None
    rule_id = doc.get("id")
    if not isinstance(rule_id, str) or not rule_id.strip() or len(rule_id) > 80:
        errors.append(FieldError((*at, "id"), "an id of 1 to 80 characters is required"))
        rule_id = f"#{k}"
    elif rule_id in seen:
        errors.append(FieldError((*at, "id"), f"{rule_id!r} is used by another rule"))
    seen.add(rule_id)
    metric = _choice(doc, "metric", METRICS, at, errors)
    kind = _choice(doc, "kind", KINDS, at, errors)
    unknown = sorted(set(doc) - _KEYS[kind]) if kind in _KEYS else []
    if unknown:
        errors.append(
            FieldError(
                (*at, unknown[0]),
                f"not a key of a {kind} rule",
                "extra",
                tuple(sorted(_KEYS[kind])),
            )
        )
    base = Rule(
        rule_id=rule_id,
        metric=metric,
        kind=kind,
        scope=_scope(doc.get("scope"), at, errors),
        severity=_choice(doc, "severity", SEVERITIES, at, errors, "warning"),
    )
    if kind == "level":
        return replace(
            base,
            side=_choice(doc, "side", SIDES, at, errors),
            threshold=_decimal(doc, "threshold", at, errors),
        )
    if kind == "change":
        return replace(
            base,
            side=_choice(doc, "side", SIDES, at, errors),
            threshold=_decimal(doc, "threshold", at, errors),
            days=_days(doc, at, errors),
            mode=_choice(doc, "mode", MODES, at, errors),
        )
    return replace(
        base,
        direction=_choice(doc, "direction", DIRECTIONS, at, errors, "rising"),
        days=_days(doc, at, errors),
    )


def parse_rules(doc: Any, source: str) -> tuple[Rule, ...]:
    """The rules of a parsed YAML document `{rules: [...]}`; `BadRules` lists every fault."""
    errors: list[FieldError] = []
    items = doc.get("rules") if isinstance(doc, Mapping) else None
    if not isinstance(items, list):
        raise BadRules(
            (FieldError(("rules",), f"{source}: a list under the key rules is required"),)
        )
    seen: set[str] = set()
    rules = [_rule(item, k, seen, errors) for k, item in enumerate(items)]
    if errors:
        raise BadRules(
            tuple(FieldError(e.loc, f"{source}: {e.msg}", e.type, e.allowed) for e in errors)
        )
    return tuple(r for r in rules if r is not None)


DEFAULT_RULES = Path(__file__).parent / "rules" / "default.yaml"


def load_rules(path: Path | None = None) -> tuple[Rule, ...]:
    """The rules of the YAML file at `path` (default: the shipped set), checked whole."""
    import yaml

    where = path or DEFAULT_RULES
    try:
        text = where.read_text(encoding="utf-8")
    except OSError as exc:
        raise BadRules(
            (FieldError(("early_warning_rules",), f"cannot read {where}: {exc.strerror}"),)
        ) from None
    try:
        doc = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise BadRules(
            (FieldError(("early_warning_rules",), f"{where}: not YAML: {exc}"),)
        ) from None
    return parse_rules(doc, str(where))
