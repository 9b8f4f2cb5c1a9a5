"""A scorecard for people and for databases: the points table an auditor reads (CSV, JSON) and
one SQL expression that gives, inside the database, exactly the score `Scorecard.score_batch`
gives.

SQL semantics, matching the Python scorer:
- numeric bins are `[lower, upper)`: the expression tests `x < split` in order;
- a NULL (or NaN, which SQLite and DuckDB's pandas import store as NULL) takes the missing bin;
- a categorical value is compared as text (`CAST(x AS VARCHAR)`); a value in no bin, NULL
  included, takes the missing bin, as an unseen category does in Python;
- special codes are tested before the ranges.
Infinite values, which the Python scorer refuses, are not caught by the SQL: reject them before.
"""

from __future__ import annotations

import csv
import io
from typing import Any

from fengkong.scoring.points import Bin, Characteristic, Scorecard

POINTS_TABLE_COLUMNS: tuple[str, ...] = (
    "feature",
    "bin",
    "kind",
    "range",
    "categories",
    "count",
    "event_rate",
    "woe",
    "points",
)


def _number(value: float) -> str:
    return f"{value:g}" if abs(value) < 1e15 else repr(value)


def bin_range(b: Bin) -> str:
    """The numeric interval as `[lower, upper)`, open ends as ±inf; empty for other kinds."""
    if b.kind != "range":
        return ""
    lower = "-inf" if b.lower is None else repr(b.lower)
    upper = "inf" if b.upper is None else repr(b.upper)
    return f"[{lower}, {upper})"


def points_table(sc: Scorecard) -> tuple[dict[str, Any], ...]:
    """One row per bin of every characteristic, in scoring order."""
    rows = []
    for ch in sc.characteristics:
        for b in ch.bins:
            label = b.label
            if b.kind == "range":
                label = bin_range(b)
            elif b.kind == "special":
                label = "special: " + ", ".join(_number(c) for c in ch.special_codes)
            elif b.kind == "missing" and ch.dtype == "categorical":
                label = "missing or unseen category"
            rows.append(
                {
                    "feature": ch.name,
                    "bin": label,
                    "kind": b.kind,
                    "range": bin_range(b),
                    "categories": list(b.categories),
                    "count": b.count,
                    "event_rate": round(b.event_rate, 6),
                    "woe": round(b.woe, 6),
                    "points": b.points,
                }
            )
    return tuple(rows)


def points_table_csv(sc: Scorecard) -> str:
    """The points table as CSV text (categories joined by `|`)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(POINTS_TABLE_COLUMNS)
    for row in points_table(sc):
        writer.writerow(
            ["|".join(row[c]) if c == "categories" else row[c] for c in POINTS_TABLE_COLUMNS]
        )
    return buffer.getvalue()


def points_table_json(sc: Scorecard) -> dict[str, Any]:
    """The points table with the scaling that produced it, JSON-able."""
    return {
        "scaling": {
            "base_score": sc.scaling.base_score,
            "base_odds": sc.scaling.base_odds,
            "pdo": sc.scaling.pdo,
        },
        "characteristics": [
            {"feature": ch.name, "dtype": ch.dtype, "iv": round(ch.iv, 6)}
            for ch in sc.characteristics
        ],
        "bins": list(points_table(sc)),
    }


def quote_identifier(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _text(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def _double(value: float) -> str:
    # An exponent makes DuckDB read a DOUBLE, not a DECIMAL, so the comparison is exact.
    text = repr(float(value))
    return text if "e" in text else text + "e0"


def characteristic_sql(ch: Characteristic, table_alias: str | None = None) -> str:
    """The points of one characteristic as a `CASE` expression."""
    column = quote_identifier(ch.name)
    if table_alias:
        column = f"{quote_identifier(table_alias)}.{column}"
    points = [b.points for b in ch.bins]
    missing = points[ch.missing_index]
    if ch.dtype == "categorical":
        text = f"CAST({column} AS VARCHAR)"
        arms = [
            f"WHEN {text} IN ({', '.join(_text(c) for c in b.categories)}) THEN {b.points}"
            for b in ch.bins
            if b.categories
        ]
        return f"(CASE {' '.join(arms)} ELSE {missing} END)"
    arms = [f"WHEN {column} IS NULL THEN {missing}"]
    if ch.special_codes:
        codes = ", ".join(_double(c) for c in ch.special_codes)
        arms.append(f"WHEN {column} IN ({codes}) THEN {points[ch.special_index]}")
    arms += [f"WHEN {column} < {_double(s)} THEN {points[i]}" for i, s in enumerate(ch.splits)]
    return f"(CASE {' '.join(arms)} ELSE {points[len(ch.splits)]} END)"


def to_sql(sc: Scorecard, table_alias: str | None = None) -> str:
    """The whole scorecard as ONE SQL expression: the sum of one `CASE` per characteristic.
    Use it as `SELECT <expression> AS score FROM applications`."""
    return "\n  + ".join(characteristic_sql(ch, table_alias) for ch in sc.characteristics)
