"""A feature is one Polars expression over application columns: it computes the feature for
millions of rows in batch, and for one application online (a one-row frame).

A feature may also carry the same computation in plain Python (`online`): a Polars query hands
each application to its thread pool, which costs a decision about a millisecond, and many more when
the pool has gone to sleep on a busy machine. When every feature of a set has it, the online path
uses it; tests hold the two equal, row for row, on real and generated applications."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

import polars as pl


@dataclass(frozen=True, slots=True)
class Feature:
    name: str
    kind: Literal["numerical", "categorical"]
    expr: pl.Expr
    label_en: str
    label_zh: str
    online: Callable[[Mapping[str, Any]], Any] | None = None  # `expr` for one record


@dataclass(frozen=True, slots=True)
class FeatureSet:
    name: str
    version: str
    features: tuple[Feature, ...]
    input_schema: Mapping[str, pl.DataType | type[pl.DataType]]

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(f.name for f in self.features)

    @property
    def categorical(self) -> tuple[str, ...]:
        return tuple(f.name for f in self.features if f.kind == "categorical")

    def by_name(self, name: str) -> Feature:
        return next(f for f in self.features if f.name == name)

    def compute_batch(self, frame: pl.DataFrame) -> pl.DataFrame:
        return frame.select([f.expr.alias(f.name) for f in self.features])

    def compute_online(self, record: Mapping[str, Any]) -> dict[str, Any]:
        if all(f.online is not None for f in self.features):
            return {f.name: f.online(record) for f in self.features if f.online is not None}
        return self.compute_online_polars(record)

    def compute_online_polars(self, record: Mapping[str, Any]) -> dict[str, Any]:
        frame = pl.DataFrame([dict(record)], schema=dict(self.input_schema))
        return self.compute_batch(frame).row(0, named=True)

    def frame(self, records: Sequence[Mapping[str, Any]]) -> pl.DataFrame:
        return pl.DataFrame([dict(r) for r in records], schema=dict(self.input_schema))
