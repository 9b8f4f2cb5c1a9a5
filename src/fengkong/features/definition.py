"""A feature is one Polars expression over application columns. The same expression computes it
for one application online (a one-row frame) and for millions in batch, so the two cannot drift."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
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
        frame = pl.DataFrame([dict(record)], schema=dict(self.input_schema))
        return self.compute_batch(frame).row(0, named=True)

    def frame(self, records: Sequence[Mapping[str, Any]]) -> pl.DataFrame:
        return pl.DataFrame([dict(r) for r in records], schema=dict(self.input_schema))
